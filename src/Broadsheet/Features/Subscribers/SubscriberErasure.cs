using Broadsheet.Data;
using Broadsheet.Email;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Subscribers;

/// <summary>
/// Erases a subscriber on request (GDPR art. 17): the row, its subscriptions and consent records go (cascade), and the
/// address on its past deliveries is blanked. What stays is a <see cref="Suppression"/> of every newsletter, a hash of
/// the canonical address with nothing readable, so that an old list imported again does not mail the person who asked
/// to be forgotten. One transaction.
/// </summary>
public sealed class SubscriberErasure(BroadsheetDb db, TimeProvider clock)
{
    public const string ErasedAddress = "erased";

    /// <summary>False when there is no such subscriber.</summary>
    public async Task<bool> EraseAsync(int subscriberId, string detail, bool suppress, CancellationToken cancellationToken)
    {
        var subscriber = await db.Subscribers.FirstOrDefaultAsync(s => s.Id == subscriberId, cancellationToken);
        if (subscriber is null) return false;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (suppress && !await db.Suppressions.AnyAsync(s => s.AddressHash == subscriber.AddressHash && s.NewsletterId == Suppression.EveryNewsletter, cancellationToken))
            db.Suppressions.Add(new Suppression
            {
                AddressHash = subscriber.AddressHash, NewsletterId = Suppression.EveryNewsletter, Reason = SuppressionReason.Manual,
                Detail = detail.Length > 1000 ? detail[..1000] : detail, At = clock.GetUtcNow().UtcDateTime,
            });
        // Mail not yet handed to a server is not sent; what is in flight finishes as the engine records it.
        await db.Deliveries.Where(d => d.SubscriberId == subscriberId && (d.Status == DeliveryStatus.Queued || d.Status == DeliveryStatus.Deferred))
            .ExecuteUpdateAsync(d => d.SetProperty(x => x.Status, DeliveryStatus.Skipped).SetProperty(x => x.LastReply, "subscriber erased"), cancellationToken);
        await db.Deliveries.Where(d => d.SubscriberId == subscriberId && d.Status != DeliveryStatus.InFlight)
            .ExecuteUpdateAsync(d => d.SetProperty(x => x.ToAddress, ErasedAddress).SetProperty(x => x.ToName, (string?)null), cancellationToken);
        db.Subscribers.Remove(subscriber);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}
