using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Shared;

/// <summary>The page shown for an unhandled error; it names a request id to quote, never the exception.</summary>
/// <remarks>
/// The exception handler re-runs a failed POST here as a POST: without <see cref="IgnoreAntiforgeryTokenAttribute"/> the
/// global antiforgery check refused it first, and a server fault in a form or API call was answered 400 ("the form could
/// not be accepted"), blaming the client. The page changes nothing and shows nothing without a failure behind it.
/// </remarks>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : Microsoft.AspNetCore.Mvc.RazorPages.PageModel
{
    public string RequestId { get; private set; } = "";

    public IActionResult OnGet() => Show();
    public IActionResult OnPost() => Show();

    private IActionResult Show()
    {
        // Asked for directly, with no failure behind it, /error is just an address that has no page.
        if (HttpContext.Features.Get<IExceptionHandlerFeature>() is null) return NotFound();
        RequestId = Activity.Current?.Id ?? HttpContext.TraceIdentifier;
        Response.StatusCode = StatusCodes.Status500InternalServerError;
        return Page();
    }
}
