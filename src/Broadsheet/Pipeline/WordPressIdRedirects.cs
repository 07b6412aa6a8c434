using Broadsheet.Data;
using Broadsheet.Features.Redirects;

namespace Broadsheet.Pipeline;

/// <summary>
/// WordPress answers <c>/?p=123</c> (and <c>/?page_id=123</c>) for every post, whatever its
/// permalink, and old links and feeds use that form. Those requests reach Broadsheet's home page,
/// which would answer 200 and lose the reader, so this looks them up among the redirects the
/// WordPress importer stored (with the query, as <c>/?p=123</c>) before the home page runs.
/// Only requests for "/" with one of those two query keys cost a lookup.
/// </summary>
public sealed class WordPressIdRedirects(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if ((request.Path.Value is "/" or "" or null) && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            && Key(request.Query) is { } key)
        {
            // Resolved only here, as in RedirectMiddleware: a parameter of InvokeAsync would rent a DbContext for every request.
            var db = context.RequestServices.GetRequiredService<BroadsheetDb>();
            var target = await RedirectPaths.TargetOfAsync(db, key, context.RequestAborted);
            if (target is not null)
            {
                context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
                context.Response.Headers.Location = target;
                return;
            }
        }
        await next(context);
    }

    private static string? Key(IQueryCollection query)
    {
        foreach (var name in (ReadOnlySpan<string>)["p", "page_id"])
            if (query.TryGetValue(name, out var value) && long.TryParse(value.ToString(), out var id) && id > 0)
                return $"/?{name}={id}";
        return null;
    }
}
