using Broadsheet.Data;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Subscribers;

/// <summary>
/// /unsubscribe?s=&amp;n=&amp;t=, the List-Unsubscribe link of every newsletter mail (n=0: leave everything).
/// RFC 8058: a mail client POSTs <c>List-Unsubscribe=One-Click</c> to it with no cookie and no token of ours, and that
/// POST must unsubscribe at once, so this page checks no antiforgery token: the link's own HMAC is the authority, and
/// a forged post without it is refused. A repeated POST succeeds too. A GET shows one button and changes nothing
/// (link scanners follow GETs); the button posts the same form a mail client does.
/// </summary>
[IgnoreAntiforgeryToken] // RFC 8058 one-click: no cookie or antiforgery token comes with the mail client's POST
[SmallForm]
public sealed class UnsubscribeModel(BroadsheetDb db, SubscriberLinks links, Subscribing subscribing) : SubscriberLinkPageModel
{
    public string What { get; private set; } = "";
    public bool Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        await CheckAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await CheckAsync(cancellationToken) is not var (subscriber, newsletterId)) return Page();
        var fromPage = Request.HasFormContentType && Request.Form["via"] == "page";
        await subscribing.UnsubscribeAsync(subscriber, newsletterId, ConsentSource.Email,
            fromPage ? "unsubscribe page" : "one-click unsubscribe (RFC 8058)", ClientAddress.Of(HttpContext)?.ToString(), cancellationToken);
        Done = true;
        return Page();
    }

    private async Task<(Subscriber, int)?> CheckAsync(CancellationToken cancellationToken)
    {
        Meta.Title = "Unsubscribe";
        if (Number(Request.Query["s"]) is not { } id || Number(Request.Query["n"]) is not { } newsletterId
            || await links.CheckAsync(SubscriberLinkPurpose.Unsubscribe, id, newsletterId, 0, Request.Query["t"], cancellationToken) is not { } subscriber)
        {
            BadLink("This unsubscribe link is not valid. Check that you copied the whole link from the message; every newsletter we send has a working one at its foot.");
            return null;
        }
        What = newsletterId == Suppression.EveryNewsletter
            ? $"every newsletter from {Site.Title}"
            : await db.Newsletters.Where(n => n.Id == newsletterId).Select(n => n.Name).FirstOrDefaultAsync(cancellationToken) ?? "this newsletter";
        return (subscriber, newsletterId);
    }
}
