using Microsoft.AspNetCore.Diagnostics;

namespace Broadsheet.Features.Shared;

/// <summary>The helpful 404: what was asked for, a search prefilled from the last part of the path, and ways on.</summary>
public sealed class NotFoundModel : PublicPageModel
{
    public string RequestedPath { get; private set; } = "";
    public string Suggestion { get; private set; } = "";

    public void OnGet()
    {
        var original = HttpContext.Features.Get<IStatusCodeReExecuteFeature>();
        RequestedPath = original?.OriginalPath ?? Request.Path.Value ?? "/";
        if (RequestedPath.Length > 300) RequestedPath = RequestedPath[..300] + "…";
        var last = RequestedPath.TrimEnd('/').Split('/').LastOrDefault() ?? "";
        last = Path.GetFileNameWithoutExtension(last);
        Suggestion = last.Replace('-', ' ').Replace('_', ' ');
        Response.StatusCode = StatusCodes.Status404NotFound;
        Meta.Title = "Page not found";
        Meta.NoIndex = true;
    }
}
