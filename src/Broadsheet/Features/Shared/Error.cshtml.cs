using System.Diagnostics;

namespace Broadsheet.Features.Shared;

/// <summary>The page shown for an unhandled error; it names a request id to quote, never the exception.</summary>
public sealed class ErrorModel : Microsoft.AspNetCore.Mvc.RazorPages.PageModel
{
    public string RequestId { get; private set; } = "";

    public void OnGet() => Show();
    public void OnPost() => Show();

    private void Show()
    {
        RequestId = Activity.Current?.Id ?? HttpContext.TraceIdentifier;
        Response.StatusCode = StatusCodes.Status500InternalServerError;
    }
}
