using Broadsheet.Data;
using Broadsheet.Data.WorkQueue;
using Broadsheet.Email;
using Broadsheet.Features.Settings;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Subscribers;

/// <summary>
/// "Send confirmation requests" (the import page's button, the Admin API): mails every pending subscriber of a newsletter
/// one link to confirm, through <see cref="IEmailSender"/> as <see cref="MailClass.Confirmation"/> mail. Until they click
/// it they get no issue. Queued as one <c>confirmation-requests</c> work item (the outbox: the click only writes it); the
/// handler works through the pending subscribers in id order and checkpoints after each batch, so a crash resumes without
/// mailing anyone twice but for the few of the batch it died in. Subscribers already asked since the request are skipped,
/// so two clicks do not mail twice.
/// </summary>
public sealed class ConfirmationRequests(WorkQueue queue, TimeProvider clock)
{
    public const string WorkKind = "confirmation-requests";

    public sealed record Payload(int NewsletterId, DateTime RequestedAt);

    /// <summary>How many would be asked now: pending subscriptions of the newsletter.</summary>
    public static Task<int> PendingCountAsync(BroadsheetDb db, int newsletterId, CancellationToken cancellationToken) =>
        db.Subscriptions.CountAsync(s => s.NewsletterId == newsletterId && s.Status == SubscriptionStatus.Pending, cancellationToken);

    /// <summary>Queues the requests; returns the work item's id (the same item while one for this newsletter is still queued).</summary>
    public async Task<long> QueueAsync(BroadsheetDb db, int newsletterId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var id = await queue.EnqueueAsync(db, WorkKind, new Payload(newsletterId, now), dedupeKey: $"confirm:{newsletterId}:{now.Ticks / TimeSpan.TicksPerMinute}",
            priority: WorkPriority.ConfirmationMail, cancellationToken: cancellationToken);
        queue.Wake();
        return id;
    }
}

internal sealed class ConfirmationRequestWork(BroadsheetDb db, IEmailSender sender, Subscribing subscribing, SiteSettingsCache sites, TimeProvider clock) : IWorkHandler
{
    private const int BatchSize = 200;

    public async Task RunAsync(WorkContext work, CancellationToken cancellationToken)
    {
        var payload = work.Read<ConfirmationRequests.Payload>();
        var newsletter = await db.Newsletters.AsNoTracking().FirstOrDefaultAsync(n => n.Id == payload.NewsletterId, cancellationToken)
            ?? throw new WorkFailedException($"Newsletter {payload.NewsletterId} is not there any more.");
        var site = await sites.GetAsync(cancellationToken);
        if (!site.HasAddress) throw new WorkFailedException(Site.AddressNotSet);
        var after = int.TryParse(work.Checkpoint, out var last) ? last : 0;
        while (true)
        {
            var batch = await db.Subscribers
                .Where(s => s.Id > after && s.Subscriptions.Any(x => x.NewsletterId == newsletter.Id && x.Status == SubscriptionStatus.Pending)
                            && (s.ConfirmationSentAt == null || s.ConfirmationSentAt < payload.RequestedAt))
                .Where(s => !db.Suppressions.Any(x => x.AddressHash == s.AddressHash && (x.NewsletterId == Suppression.EveryNewsletter || x.NewsletterId == newsletter.Id)))
                .OrderBy(s => s.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0) return;
            foreach (var subscriber in batch)
            {
                await sender.SendAsync(await subscribing.ConfirmationRequestAsync(site, subscriber, newsletter, cancellationToken), cancellationToken);
                subscriber.ConfirmationSentAt = clock.GetUtcNow().UtcDateTime;
            }
            await db.SaveChangesAsync(cancellationToken);
            after = batch[^1].Id;
            await work.SaveCheckpointAsync(after.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        }
    }
}
