using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Broadsheet.Features.Shared;

/// <summary>
/// The helpful 404: what was asked for, a search prefilled from the last part of the path, and ways on.
/// The status-code pages send every bodiless 4xx here; those other than 404 (a 401 or 403 from an
/// admin page, a 400) keep their own status and get a heading that says what happened.
/// They re-execute the failed request with its own method, whatever it was (GET, POST, TRACE…), so this page does
/// its work for every method before any handler would run, and never checks an antiforgery token: it changes
/// nothing, and a form refused for a stale token must get this page, not a second, bare 400.
/// A failed POST (or other non-GET) from a client that does not ask for HTML gets problem details instead.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class NotFoundModel(IProblemDetailsService problems) : PublicPageModel
{
    public string RequestedPath { get; private set; } = "";
    public string Suggestion { get; private set; } = "";
    public int Status { get; private set; } = StatusCodes.Status404NotFound;

    public string Heading => Status switch
    {
        StatusCodes.Status401Unauthorized => "Please sign in",
        StatusCodes.Status403Forbidden => "Not allowed",
        StatusCodes.Status404NotFound => "Page not found",
        StatusCodes.Status405MethodNotAllowed => "Not allowed",
        _ => "That request could not be answered",
    };

    /// <summary>What went wrong beyond the heading, for the statuses that need a word more.</summary>
    public string? Explanation => Status switch
    {
        StatusCodes.Status400BadRequest when !HttpMethods.IsGet(Request.Method) =>
            "The form could not be accepted: it may have been open too long, or come from another site. Go back, reload the page and send it again.",
        StatusCodes.Status405MethodNotAllowed => $"This address does not answer {Request.Method} requests.",
        _ => null,
    };

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        Describe();
        var method = Request.Method;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !AcceptsHtml(Request)
            && await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = HttpContext, ProblemDetails = { Title = Heading, Detail = Explanation } }))
        {
            context.Result = new EmptyResult();
            return;
        }
        await base.OnPageHandlerExecutionAsync(context, next);
    }

    private static bool AcceptsHtml(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));

    private void Describe()
    {
        var original = HttpContext.Features.Get<IStatusCodeReExecuteFeature>();
        RequestedPath = original?.OriginalPath ?? Request.Path.Value ?? "/";
        if (RequestedPath.Length > 300) RequestedPath = RequestedPath[..300] + "…";
        var last = RequestedPath.TrimEnd('/').Split('/').LastOrDefault() ?? "";
        last = Path.GetFileNameWithoutExtension(last);
        Suggestion = last.Replace('-', ' ').Replace('_', ' ');
        if (original is not null && original.OriginalStatusCode is >= 400 and < 500) Status = original.OriginalStatusCode;
        Response.StatusCode = Status;
        Meta.Title = Heading;
        Meta.NoIndex = true;
    }
}
