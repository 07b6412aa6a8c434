using Broadsheet.Data;
using Broadsheet.Features.Redirects;

namespace Broadsheet.Pipeline;

/// <summary>
/// When nothing on the site answered a GET (a 404), looks the path up among the old addresses
/// (<see cref="Redirect"/>) and answers 301 to the new one. Looking up only on a miss keeps the cost off every normal request.
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
        var target = await RedirectPaths.TargetOfAsync(db, path, context.RequestAborted);
        if (target is null) return;
        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
        context.Response.Headers.Location = target;
    }
}
