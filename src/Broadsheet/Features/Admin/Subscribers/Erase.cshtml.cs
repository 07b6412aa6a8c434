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
public sealed class EraseModel(BroadsheetDb db, TimeProvider clock) : AdminPageModel
{
    /// <summary>What an erased subscriber's deliveries keep as their address: nothing of the person.</summary>
    public const string ErasedAddress = "erased";

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
        var subscriber = await db.Subscribers.FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (subscriber is null) return NotFound();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (suppress && !await db.Suppressions.AnyAsync(s => s.AddressHash == subscriber.AddressHash && s.NewsletterId == Suppression.EveryNewsletter, cancellationToken))
        {
            db.Suppressions.Add(new Suppression
            {
                AddressHash = subscriber.AddressHash,
                NewsletterId = Suppression.EveryNewsletter,
                Reason = SuppressionReason.Manual,
                Detail = "erased by an admin",
                At = clock.GetUtcNow().UtcDateTime,
            });
        }
        // Mail not yet handed to a server is not sent; what is in flight finishes as the engine records it.
        await db.Deliveries.Where(d => d.SubscriberId == id && (d.Status == DeliveryStatus.Queued || d.Status == DeliveryStatus.Deferred))
            .ExecuteUpdateAsync(d => d.SetProperty(x => x.Status, DeliveryStatus.Skipped).SetProperty(x => x.LastReply, "subscriber erased"), cancellationToken);
        await db.Deliveries.Where(d => d.SubscriberId == id && d.Status != DeliveryStatus.InFlight)
            .ExecuteUpdateAsync(d => d.SetProperty(x => x.ToAddress, ErasedAddress).SetProperty(x => x.ToName, (string?)null), cancellationToken);
        db.Subscribers.Remove(subscriber);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Notice = suppress ? "Erased the subscriber; their address stays suppressed (as a hash) so it is not mailed again." : "Erased the subscriber.";
        return Redirect("/admin/subscribers");
    }
}
