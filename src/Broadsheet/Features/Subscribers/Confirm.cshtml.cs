using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Subscribers;

/// <summary>
/// /subscribe/confirm?s=&amp;d=&amp;t=, the link in a confirmation mail. A GET shows one button and changes nothing
/// (mail scanners follow links); the button's POST (with the page's antiforgery token) confirms. An expired link says
/// so and points back to the form; a forged one gets 400; a link used before says "already confirmed".
/// </summary>
public sealed class ConfirmModel(SubscriberLinks links, Subscribing subscribing) : SubscriberLinkPageModel
{
    public ConfirmOutcome? Outcome { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Meta.Title = "Confirm your subscription";
        await CheckAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        Meta.Title = "Confirm your subscription";
        if (await CheckAsync(cancellationToken) is not { } subscriber) return Page();
        Outcome = await subscribing.ConfirmAsync(subscriber, ClientAddress.Of(HttpContext)?.ToString(), cancellationToken);
        return Page();
    }

    private async Task<Subscriber?> CheckAsync(CancellationToken cancellationToken)
    {
        if (Number(Request.Query["s"]) is not { } id || Day(Request.Query["d"]) is not { } day)
        {
            BadLink(Invalid);
            return null;
        }
        if (links.ConfirmExpired(day))
        {
            BadLink("This confirmation link has expired (they work for a week). Please subscribe again and use the link in the new message.");
            return null;
        }
        var subscriber = await links.CheckAsync(SubscriberLinkPurpose.Confirm, id, 0, day, Request.Query["t"], cancellationToken);
        if (subscriber is null) BadLink(Invalid);
        return subscriber;
    }

    private const string Invalid = "This confirmation link is not valid. Check that you copied the whole link from the message, or subscribe again.";
}
