using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Broadsheet.Pipeline;

/// <summary>
/// Answers with a clear 4xx the requests anybody can send that would otherwise end in a 500 and a stack trace
/// in the log: a Host header Kestrel lets through but .NET cannot read, and a method a page has no handler for.
/// </summary>
public static class HostileRequests
{
    /// <summary>
    /// Refuses, before anything reads <see cref="HttpRequest.Host"/>, a Host header that reading would throw on
    /// (an invalid IDN label such as <c>xn--</c>: the output cache, antiforgery and logging all read it) or that
    /// is no address at all (port 99999). Links never come from the Host (<see cref="Settings.Site.Absolute"/>),
    /// so any readable one is served as before.
    /// </summary>
    public static IApplicationBuilder UseHostHeaderCheck(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (IsReadableHost(context.Request.Headers.Host.ToString()))
        {
            await next(context);
            return;
        }
        await Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad Host header",
            detail: "The request's Host header is not a valid host name and port. Ask for the site by its address.").ExecuteAsync(context);
    });

    private static bool IsReadableHost(string header)
    {
        if (header.Length == 0) return true; // no Host (HTTP/1.0) reads as an empty host, which throws nowhere
        try
        {
            // Exactly what Request.Host does; it throws ArgumentException on a label that is not valid punycode,
            // and IdnMapping has no non-throwing form.
            _ = HostString.FromUriComponent(header);
        }
        catch (ArgumentException)
        {
            return false;
        }
        return Uri.TryCreate($"http://{header}/", UriKind.Absolute, out _);
    }

    /// <summary>
    /// Razor Pages renders a page even when it has no handler for the request's method (TRACE, OPTIONS, or a POST
    /// with a valid antiforgery token to a page that only reads), skipping the handler that fills its model, so the
    /// view fails with a 500. Such a request gets 405 and the methods the page does answer. The status pages
    /// (/not-found, /error) are exempt while they stand in for another request's failure: they answer any method.
    /// </summary>
    public sealed class PageMethodFilter : IAsyncPageFilter
    {
        public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

        public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
        {
            var http = context.HttpContext;
            if (context.HandlerMethod is null && !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)
                && http.Features.Get<IStatusCodeReExecuteFeature>() is null && http.Features.Get<IExceptionHandlerFeature>() is null)
            {
                // Only real methods: Razor Pages also takes an override such as OnPageHandlerExecutionAsync for a "PAGE" handler.
                http.Response.Headers.Allow = string.Join(", ", context.ActionDescriptor.HandlerMethods
                    .Select(h => h.HttpMethod.ToUpperInvariant()).Where(m => m is "POST" or "PUT" or "PATCH" or "DELETE")
                    .Prepend("HEAD").Prepend("GET").Distinct());
                context.Result = new StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
                return;
            }
            await next();
        }
    }
}
