using System.IO.Hashing;

namespace Broadsheet.Features.Shared;

/// <summary>
/// The site's stylesheet, embedded in the executable so the site looks right however it is started
/// (dotnet run, a published folder, a test host) without a static-files build step. Served with a
/// content hash in the URL and a year-long immutable cache lifetime. (XxHash128: a version tag, not a
/// security check, and no page has to load OpenSSL for it; see <see cref="Pipeline.ConditionalGetMiddleware"/>.)
/// </summary>
public static class SiteAssets
{
    private static readonly Lazy<(byte[] Bytes, string Hash)> Css = new(() =>
    {
        using var stream = typeof(SiteAssets).Assembly.GetManifestResourceStream("Broadsheet.Assets.site.css")
                           ?? throw new InvalidOperationException("site.css is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = copy.ToArray();
        return (bytes, Convert.ToHexString(XxHash128.Hash(bytes), 0, 8).ToLowerInvariant());
    });

    public static string CssHref => "/css/site.css?v=" + Css.Value.Hash;

    public static IEndpointRouteBuilder MapSiteAssets(this IEndpointRouteBuilder app)
    {
        app.MapGet("/css/site.css", (HttpContext http) =>
        {
            var (bytes, hash) = Css.Value;
            http.Response.Headers.CacheControl = http.Request.Query["v"] == hash ? "public, max-age=31536000, immutable" : "public, max-age=300";
            http.Response.Headers.ETag = $"\"{hash}\"";
            if (http.Request.Headers.IfNoneMatch == $"\"{hash}\"") return Results.StatusCode(StatusCodes.Status304NotModified);
            return Results.Bytes(bytes, "text/css; charset=utf-8");
        });
        return app;
    }
}
