using Broadsheet.Data;
using Broadsheet.Data.WorkQueue;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Subscribers;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Email;

/// <summary>Counts of an issue's deliveries by status, and the rate so far: the send page's progress view, the API's status and the CLI's.</summary>
public sealed record SendProgress(
    int IssueId,
    IssueSendStatus Status,
    int Total,
    int Queued,
    int InFlight,
    int Sent,
    int Deferred,
    int Failed,
    int Skipped,
    int Cancelled,
    int Uncertain,
    double? MessagesPerSecond,
    TimeSpan? TimeLeft,
    string? PausedReason);

/// <summary>How asking for a send ended.</summary>
public enum SendStartOutcome
{
    Started,
    NotFound,

    /// <summary>It is already sending, paused, sent or cancelled; nothing changed.</summary>
    AlreadyStarted,

    /// <summary>Its post is not published (an issue is mailed with the web page it links to).</summary>
    NotPublished,

    /// <summary>No confirmed subscriber would receive it.</summary>
    NoRecipients,
}

public sealed record SendStartResult(SendStartOutcome Outcome, int Recipients = 0);

/// <summary>
/// The admin's, API's and CLI's one door to sending an issue (the delivery engine's front). Starting writes every
/// recipient's delivery in one set-based statement, marks the issue sending and queues its batches, all in one
/// transaction; the batches (<see cref="DeliveryEngine"/>) do the rest on any node. See README.md beside this file.
/// </summary>
public sealed class IssueSending(BroadsheetDb db, WorkQueue queue, Microsoft.Extensions.Options.IOptions<DeliveryOptions> options, TimeProvider clock)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>How many would receive it now: confirmed subscribers of its newsletter, less suppressed addresses.</summary>
    public async Task<int> RecipientCountAsync(int issueId, CancellationToken cancellationToken = default)
    {
        var newsletterId = await db.NewsletterIssues.Where(i => i.Id == issueId).Select(i => (int?)i.NewsletterId).FirstOrDefaultAsync(cancellationToken);
        return newsletterId is null ? 0 : await Recipients(newsletterId.Value).CountAsync(cancellationToken);
    }

    private IQueryable<Subscriber> Recipients(int newsletterId) =>
        from s in db.Subscriptions
        where s.NewsletterId == newsletterId && s.Status == SubscriptionStatus.Confirmed
        join b in db.Subscribers on s.SubscriberId equals b.Id
        where !db.Suppressions.Any(p => p.AddressHash == b.AddressHash && (p.NewsletterId == newsletterId || p.NewsletterId == Suppression.EveryNewsletter))
        select b;

    /// <summary>In one transaction: one delivery row per recipient, the issue marked sending, and its first batches queued.</summary>
    public async Task<SendStartResult> StartAsync(int issueId, string by, CancellationToken cancellationToken = default)
    {
        var issue = await db.NewsletterIssues.AsNoTracking().Where(i => i.Id == issueId)
            .Select(i => new { i.NewsletterId, i.SendStatus, PostStatus = i.Post!.Status }).FirstOrDefaultAsync(cancellationToken);
        if (issue is null) return new(SendStartOutcome.NotFound);
        if (issue.SendStatus != IssueSendStatus.NotSent) return new(SendStartOutcome.AlreadyStarted);
        if (issue.PostStatus != PostStatus.Published) return new(SendStartOutcome.NotPublished);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = Now;
        // Claims the issue first: a second StartAsync at the same moment changes no row and writes nothing.
        var claimed = await db.NewsletterIssues.Where(i => i.Id == issueId && i.SendStatus == IssueSendStatus.NotSent)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.SendStatus, IssueSendStatus.Sending).SetProperty(i => i.SendRequestedAt, now)
                .SetProperty(i => i.SentBy, by).SetProperty(i => i.PausedReason, (string?)null).SetProperty(i => i.Version, i => i.Version + 1), cancellationToken);
        if (claimed == 0) return new(SendStartOutcome.AlreadyStarted);
        var newsletterId = issue.NewsletterId;
        // One INSERT … SELECT for every recipient (100,000 rows in seconds), in SQL both databases speak.
        var recipients = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "Deliveries" ("Class", "IssueId", "SubscriberId", "ToAddress", "ToName", "Status", "Attempts", "CreatedAt", "Uncertain")
            SELECT {(int)MailClass.Newsletter}, {issueId}, b."Id", b."Email", b."Name", {(int)DeliveryStatus.Queued}, 0, {now}, FALSE
            FROM "Subscriptions" s JOIN "Subscribers" b ON b."Id" = s."SubscriberId"
            WHERE s."NewsletterId" = {newsletterId} AND s."Status" = {(int)SubscriptionStatus.Confirmed}
              AND NOT EXISTS (SELECT 1 FROM "Suppressions" p WHERE p."AddressHash" = b."AddressHash" AND p."NewsletterId" IN ({newsletterId}, {Suppression.EveryNewsletter}))
            """, cancellationToken);
        if (recipients == 0) return new(SendStartOutcome.NoRecipients); // rolled back: the issue stays unsent
        await DeliveryEngine.QueueBatchesAsync(queue, db, issueId, options.Value.ParallelBatches, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        queue.Wake();
        return new(SendStartOutcome.Started, recipients);
    }

    public async Task<bool> PauseAsync(int issueId, string reason, CancellationToken cancellationToken = default) =>
        await db.NewsletterIssues.Where(i => i.Id == issueId && i.SendStatus == IssueSendStatus.Sending)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.SendStatus, IssueSendStatus.Paused).SetProperty(i => i.PausedReason, reason)
                .SetProperty(i => i.Version, i => i.Version + 1), cancellationToken) > 0;

    public async Task<bool> ResumeAsync(int issueId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await db.NewsletterIssues.Where(i => i.Id == issueId && i.SendStatus == IssueSendStatus.Paused)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.SendStatus, IssueSendStatus.Sending).SetProperty(i => i.PausedReason, (string?)null)
                    .SetProperty(i => i.Version, i => i.Version + 1), cancellationToken) == 0)
            return false;
        await DeliveryEngine.QueueBatchesAsync(queue, db, issueId, options.Value.ParallelBatches, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        queue.Wake();
        return true;
    }

    /// <summary>Stops for good: the deliveries not yet sent are cancelled (one in flight finishes; its answer is recorded).</summary>
    public async Task<bool> CancelAsync(int issueId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = Now;
        if (await db.NewsletterIssues.Where(i => i.Id == issueId && (i.SendStatus == IssueSendStatus.Sending || i.SendStatus == IssueSendStatus.Paused))
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.SendStatus, IssueSendStatus.Cancelled).SetProperty(i => i.SendFinishedAt, now)
                    .SetProperty(i => i.Version, i => i.Version + 1), cancellationToken) == 0)
            return false;
        await db.Deliveries.Where(d => d.IssueId == issueId && (d.Status == DeliveryStatus.Queued || d.Status == DeliveryStatus.Deferred))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Cancelled).SetProperty(d => d.NextAttemptAt, (DateTime?)null), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Queues again the issue's failed deliveries (not the skipped or cancelled); returns how many.</summary>
    public async Task<int> ResendFailedAsync(int issueId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var status = await db.NewsletterIssues.Where(i => i.Id == issueId).Select(i => (IssueSendStatus?)i.SendStatus).FirstOrDefaultAsync(cancellationToken);
        if (status is not (IssueSendStatus.Sent or IssueSendStatus.Sending or IssueSendStatus.Paused)) return 0;
        // Addresses suppressed since (hard bounces) are skipped when their batch re-checks them.
        var count = await db.Deliveries.Where(d => d.IssueId == issueId && d.Status == DeliveryStatus.Failed)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Queued).SetProperty(d => d.NextAttemptAt, (DateTime?)null)
                .SetProperty(d => d.FirstDeferredAt, (DateTime?)null), cancellationToken);
        if (count == 0) return 0;
        if (status == IssueSendStatus.Sent)
        {
            await db.NewsletterIssues.Where(i => i.Id == issueId && i.SendStatus == IssueSendStatus.Sent)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.SendStatus, IssueSendStatus.Sending).SetProperty(i => i.SendFinishedAt, (DateTime?)null)
                    .SetProperty(i => i.Version, i => i.Version + 1), cancellationToken);
            await DeliveryEngine.QueueBatchesAsync(queue, db, issueId, options.Value.ParallelBatches, null, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        queue.Wake();
        return count;
    }

    public async Task<SendProgress?> ProgressAsync(int issueId, CancellationToken cancellationToken = default)
    {
        var issue = await db.NewsletterIssues.AsNoTracking().Where(i => i.Id == issueId)
            .Select(i => new { i.SendStatus, i.PausedReason }).FirstOrDefaultAsync(cancellationToken);
        if (issue is null) return null;
        var deliveries = db.Deliveries.Where(d => d.IssueId == issueId);
        var counts = await deliveries.GroupBy(d => d.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        int Count(DeliveryStatus status) => counts.FirstOrDefault(c => c.Status == status)?.Count ?? 0;
        var uncertain = await deliveries.CountAsync(d => d.Uncertain, cancellationToken);
        var (queued, inFlight, sent, deferred) = (Count(DeliveryStatus.Queued), Count(DeliveryStatus.InFlight), Count(DeliveryStatus.Sent), Count(DeliveryStatus.Deferred));
        double? rate = null;
        TimeSpan? left = null;
        if (sent >= 2)
        {
            var span = await deliveries.Where(d => d.SentAt != null).GroupBy(_ => 1)
                .Select(g => new { First = g.Min(d => d.SentAt), Last = g.Max(d => d.SentAt) }).FirstAsync(cancellationToken);
            var seconds = (span.Last!.Value - span.First!.Value).TotalSeconds;
            if (seconds > 0) rate = (sent - 1) / seconds;
            if (rate > 0 && issue.SendStatus == IssueSendStatus.Sending) left = TimeSpan.FromSeconds((queued + inFlight + deferred) / rate.Value);
        }
        return new SendProgress(issueId, issue.SendStatus, counts.Sum(c => c.Count), queued, inFlight, sent, deferred, Count(DeliveryStatus.Failed),
            Count(DeliveryStatus.Skipped), Count(DeliveryStatus.Cancelled), uncertain, rate, left, issue.PausedReason);
    }
}
