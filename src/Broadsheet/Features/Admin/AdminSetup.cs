using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Broadsheet.Features.Admin;

/// <summary>
/// The admin's own stylesheet and script, embedded in the executable (like the public stylesheet)
/// and served from /admin/assets with a content hash and a year-long cache lifetime. The script
/// only enhances: every admin page works without it.
/// </summary>
public static class AdminSetup
{
    private static readonly Lazy<FrozenDictionary<string, (byte[] Bytes, string Hash, string Type)>> Assets = new(() =>
        new Dictionary<string, (byte[], string, string)>
        {
            ["admin.css"] = Load("admin.css", "text/css; charset=utf-8"),
            ["admin.js"] = Load("admin.js", "text/javascript; charset=utf-8"),
        }.ToFrozenDictionary());

    /// <summary>The versioned address of an admin asset.</summary>
    public static string Href(string name) => $"/admin/assets/{name}?v={Assets.Value[name].Hash}";

    public static IEndpointRouteBuilder MapAdminAssets(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/assets/{name}", (string name, HttpContext http) =>
        {
            if (!Assets.Value.TryGetValue(name, out var asset)) return Results.NotFound();
            http.Response.Headers.CacheControl = http.Request.Query["v"] == asset.Hash ? "public, max-age=31536000, immutable" : "no-cache";
            http.Response.Headers.ETag = $"\"{asset.Hash}\"";
            if (http.Request.Headers.IfNoneMatch == $"\"{asset.Hash}\"") return Results.StatusCode(StatusCodes.Status304NotModified);
            return Results.Bytes(asset.Bytes, asset.Type);
        }).AllowAnonymous();
        return app;
    }

    private static (byte[], string, string) Load(string name, string type)
    {
        using var stream = typeof(AdminSetup).Assembly.GetManifestResourceStream("Broadsheet.Admin." + name)
                           ?? throw new InvalidOperationException($"{name} is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = copy.ToArray();
        return (bytes, Convert.ToHexString(SHA256.HashData(bytes), 0, 8).ToLowerInvariant(), type);
    }
}
