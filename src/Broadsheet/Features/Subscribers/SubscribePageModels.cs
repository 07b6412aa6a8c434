using System.Globalization;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Broadsheet.Features.Subscribers;

/// <summary>What the subscribe form partial (<c>_SubscribeForm.cshtml</c>) draws.</summary>
/// <param name="Action">Where it posts (its own origin: the embed posts to itself).</param>
/// <param name="Newsletters">One: a hidden field. Several: a tick box each, none ticked (consent is chosen, not assumed).</param>
/// <param name="Place">Which form it is, kept in the consent record ("sidebar", "newsletter page").</param>
public sealed record SubscribeForm(string Action, IReadOnlyList<NewsletterChoice> Newsletters, string Token, string Place, string IdPrefix = "subscribe");

/// <summary>
/// A page with a public subscribe form that it answers itself (/subscribe, and the embed, which must answer inside its
/// frame). The form's antiforgery is <see cref="SubscribeFormToken"/>, not ASP.NET's cookie-paired one (see there why).
/// Every answer that took the request reads the same, "check your email", whoever the address belongs to.
/// </summary>
[IgnoreAntiforgeryToken] // replaced by SubscribeFormToken and the Origin check in SubscribeAsync
[SmallForm]
public abstract class SubscribeFormPageModel : PublicPageModel
{
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty(Name = "newsletter")] public List<int> NewsletterIds { get; set; } = [];
    [BindProperty(Name = SubscribeFormToken.FieldName)] public string? FormToken { get; set; }
    [BindProperty] public string? Place { get; set; }

    /// <summary>Set once the request was taken: the page says to check the inbox.</summary>
    public bool Accepted { get; private set; }

    /// <summary>What to tell the person when it was not (a bad address, no newsletter chosen, a stale form).</summary>
    public string? Error { get; private set; }

    protected async Task<IActionResult> SubscribeAsync(ConsentSource source, string detail)
    {
        var services = HttpContext.RequestServices;
        var tokens = services.GetRequiredService<SubscribeFormToken>();
        if (!SubscribeFormToken.OriginIsOurs(Request, Site) || !await tokens.IsValidAsync(FormToken, HttpContext.RequestAborted))
            return Refuse(StatusCodes.Status400BadRequest, "This form was open too long, or was sent from another site. Reload the page and try again.");
        if (await services.GetRequiredService<SubscribeThrottle>().WaitAsync(HttpContext) is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            var minutes = (int)Math.Ceiling(seconds / 60.0);
            return Refuse(StatusCodes.Status429TooManyRequests,
                $"Too many subscribe requests have come from your network. Please try again in {(seconds < 120 ? $"{seconds} seconds" : $"{minutes} minutes")}.");
        }
        var outcome = await services.GetRequiredService<Subscribing>().SubscribeAsync(
            new SubscribeRequest(Email, Name, NewsletterIds, source)
            {
                Detail = detail,
                IpAddress = ClientAddress.Of(HttpContext)?.ToString(),
            }, Site, HttpContext.RequestAborted);
        switch (outcome)
        {
            case SubscribeOutcome.Accepted:
                Accepted = true;
                return Page();
            case SubscribeOutcome.InvalidAddress:
                return Refuse(StatusCodes.Status400BadRequest, "Please give an email address we can write to, such as name@example.org.");
            case SubscribeOutcome.NoNewsletter:
                return Refuse(StatusCodes.Status400BadRequest, "Please choose a newsletter that is open for subscription.");
            default:
                return Refuse(StatusCodes.Status503ServiceUnavailable, "This site cannot send email yet, so nobody can subscribe at the moment. Please try again later.");
        }
    }

    /// <summary>The place a form said it was, as one of the words the consent record keeps (not free text from the client).</summary>
    protected string PlaceWord(params string[] known) => known.Contains(Place) ? Place! : known[0];

    private PageResult Refuse(int status, string error)
    {
        Response.StatusCode = status;
        Error = error;
        return Page();
    }
}

/// <summary>
/// The pages a subscriber's emailed link opens (confirm, unsubscribe, preferences): their address holds a token, so
/// they are never stored by a browser or proxy, never indexed, and never in the public page cache
/// (<see cref="Pipeline.PrivatePaths"/>).
/// </summary>
public abstract class SubscriberLinkPageModel : PublicPageModel
{
    public override Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        Response.Headers.CacheControl = "no-store";
        Meta.NoIndex = true;
        return base.OnPageHandlerExecutionAsync(context, next);
    }

    /// <summary>A link that is not valid: 400 with a page that says so (never a 500, never a hint of who is subscribed).</summary>
    protected PageResult BadLink(string message)
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        Problem = message;
        return Page();
    }

    public string? Problem { get; private set; }

    protected static int? Number(string? raw) =>
        int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    protected static long? Day(string? raw) =>
        long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
}
