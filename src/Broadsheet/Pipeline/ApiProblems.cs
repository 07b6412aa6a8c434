using Microsoft.AspNetCore.Diagnostics;

namespace Broadsheet.Pipeline;

/// <summary>
/// API errors are always problem JSON: under <c>/api</c> a bare status (a binding failure, an unknown route,
/// 415 for a body that is not JSON) gets a problem body that says what to do, instead of the site's HTML
/// error pages (which it turns off for the request).
/// </summary>
public sealed class ApiProblems(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            await next(context);
            return;
        }
        if (context.Features.Get<IStatusCodePagesFeature>() is { } pages) pages.Enabled = false;
        await next(context);
        var response = context.Response;
        if (response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
            await context.RequestServices.GetRequiredService<IProblemDetailsService>()
                .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = { Status = response.StatusCode, Detail = BareStatusDetail(response.StatusCode) } });
    }

    private static string? BareStatusDetail(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "A value in the address could not be read; numbers such as page, pageSize, id and version must be whole numbers.",
        StatusCodes.Status404NotFound => "There is nothing at this address. The API is described at /openapi/v1.json.",
        StatusCodes.Status405MethodNotAllowed => "This address does not take that method. The API is described at /openapi/v1.json.",
        StatusCodes.Status415UnsupportedMediaType => "Send JSON with 'Content-Type: application/json' (uploads: multipart/form-data).",
        _ => null,
    };
}
