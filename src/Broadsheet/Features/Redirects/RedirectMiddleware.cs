using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Redirects;

/// <summary>
/// When nothing on the site answered a GET (a 404), looks the path up among the old addresses and
/// answers 301 to the new one. Looking up only on a miss keeps the cost off every normal request.
/// </summary>
public sealed class RedirectMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (context.Response.StatusCode != StatusCodes.Status404NotFound || context.Response.HasStarted
            || !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
            return;

        var path = RedirectPaths.Normalise(context.Request.Path.Value ?? "/");
        if (path.Length > 1000) return;
        // Resolved here, not as an InvokeAsync parameter: that would rent a pooled DbContext for every
        // request, including the ones the output cache answers without touching the database.
        var db = context.RequestServices.GetRequiredService<BroadsheetDb>();
        var target = await db.Redirects.AsNoTracking().Where(r => r.FromPath == path)
            .Select(r => r.ToPath).FirstOrDefaultAsync(context.RequestAborted);
        if (target is null) return;
        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
        context.Response.Headers.Location = target;
    }
}

public static class RedirectPaths
{
    /// <summary>
    /// The form old paths are stored and looked up in: decoded, with one leading slash, no trailing
    /// slash, no query (Blogger's <c>?m=1</c> mobile variants then match their desktop page).
    /// </summary>
    public static string Normalise(string path)
    {
        var q = path.IndexOfAny(['?', '#']);
        if (q >= 0) path = path[..q];
        if (Uri.TryCreate(path, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
            path = absolute.AbsolutePath;
        path = Uri.UnescapeDataString(path);
        path = "/" + path.Trim('/');
        return path;
    }
}
