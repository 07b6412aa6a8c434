using Microsoft.AspNetCore.Diagnostics;

namespace Broadsheet.Features.Shared;

/// <summary>
/// The helpful 404: what was asked for, a search prefilled from the last part of the path, and ways on.
/// The status-code pages send every bodiless 4xx here; those other than 404 (a 401 or 403 from an
/// admin page, a 400) keep their own status and get a heading that says what happened.
/// </summary>
public sealed class NotFoundModel : PublicPageModel
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

    public void OnPost() => OnGet();

    public void OnGet()
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
