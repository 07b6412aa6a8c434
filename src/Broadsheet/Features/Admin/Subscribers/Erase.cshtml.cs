using Broadsheet.Data;
using Broadsheet.Email;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Subscribers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Subscribers;

/// <summary>
/// Erases a subscriber (GDPR art. 17; Administrators, as with the site's other personal data): their row, with it their
/// subscriptions and consent records, and their address on the mail already sent to them. Suppressions stay (a hash,
/// no address); by default one for every newsletter is added, so a later import cannot mail them again. Mail still
/// waiting for them is skipped, not sent.
/// </summary>
[Authorize(Policy = Policies.Administer)]
public sealed class EraseModel(BroadsheetDb db, SubscriberErasure erasure) : AdminPageModel
{
    public Subscriber Subscriber { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(int id, CancellationToken cancellationToken)
    {
        var subscriber = await db.Subscribers.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (subscriber is null) return NotFound();
        Subscriber = subscriber;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(int id, bool suppress, CancellationToken cancellationToken)
    {
        if (!await erasure.EraseAsync(id, "erased by an admin", suppress, cancellationToken)) return NotFound();
        Notice = suppress ? "Erased the subscriber; their address stays suppressed (as a hash) so it is not mailed again." : "Erased the subscriber.";
        return Redirect("/admin/subscribers");
    }
}
