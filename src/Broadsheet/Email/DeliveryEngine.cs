using System.Diagnostics;
using Broadsheet.Data;
using Broadsheet.Data.WorkQueue;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Subscribers;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Broadsheet.Email;

/// <summary>
/// The "deliver" work: one time slice of an issue's send (each of the node's SMTP connections claims deliveries and
/// sends them, one after another), or one transactional message. See README.md beside this file for the lifecycle and
/// the crash-safety rule this code keeps: a delivery is marked in flight before its DATA and sent right after the
/// server's 250, before its connection starts the next message.
/// </summary>
public sealed class DeliverWork(DeliveryEngine engine) : IWorkHandler
{
    public const string Kind = "deliver";

    /// <summary>An issue's batch (<paramref name="IssueId"/>) or one transactional delivery (<paramref name="DeliveryId"/>); <paramref name="Failures"/>: connection failures in a row so far.</summary>
    public sealed record Payload(int? IssueId, long? DeliveryId, int Failures = 0);

    public Task RunAsync(WorkContext work, CancellationToken cancellationToken)
    {
        var payload = work.Read<Payload>();
        return payload.IssueId is not null ? engine.RunIssueAsync(payload, cancellationToken) : engine.RunOneAsync(payload, cancellationToken);
    }
}

/// <summary>At the first batch of this process, takes back what a dead run of this node left claimed (SQLite only; see <see cref="IDeliveryClaim.ReclaimAtStartAsync"/>).</summary>
public sealed class DeliveryRecovery : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile bool done;

    public async Task EnsureAsync(BroadsheetDb db, IDeliveryClaim claim, CancellationToken cancellationToken)
    {
        if (done) return;
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (done) return;
            await claim.ReclaimAtStartAsync(db, cancellationToken);
            done = true;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose() => gate.Dispose();
}

public sealed class DeliveryEngine(
    BroadsheetDb db, IDbContextFactory<BroadsheetDb> contexts, IDeliveryClaim claim, DeliveryRecovery recovery, MailConnections pool,
    IssueMessages messages, MessageSigning signing, SendRate rate, WorkQueue queue, IDataProtectionProvider protection,
    IOptions<SmtpOptions> smtpOptions, IOptions<DeliveryOptions> deliveryOptions, TimeProvider clock, ILogger<DeliveryEngine> logger)
{
    private const int NoRow = -1;
    private const int DeliverAttempts = 10;
    private readonly SmtpOptions smtp = smtpOptions.Value;
    private readonly DeliveryOptions options = deliveryOptions.Value;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Queues <paramref name="count"/> batch items for an issue (its send began or resumed), through the caller's context and transaction.</summary>
    public static async Task QueueBatchesAsync(WorkQueue queue, BroadsheetDb db, int issueId, int count, DateTime? runAfter, CancellationToken cancellationToken)
    {
        for (var i = 0; i < Math.Max(1, count); i++)
            await queue.EnqueueAsync(db, DeliverWork.Kind, new DeliverWork.Payload(issueId, null), maxAttempts: DeliverAttempts, runAfter: runAfter,
                priority: WorkPriority.BulkMail, cancellationToken: cancellationToken);
    }

    // ---------------------------------------------------------------- an issue's batch

    public async Task RunIssueAsync(DeliverWork.Payload payload, CancellationToken stop)
    {
        var issueId = payload.IssueId!.Value;
        await recovery.EnsureAsync(db, claim, stop);
        var issue = await db.NewsletterIssues.AsNoTracking().Where(i => i.Id == issueId)
            .Select(i => new { i.SendStatus, i.NewsletterId, i.PausedReason }).FirstOrDefaultAsync(stop);
        if (issue is null || issue.SendStatus != IssueSendStatus.Sending) return;

        PreparedIssue prepared;
        try
        {
            prepared = await messages.PrepareAsync(db, issueId, stop);
        }
        catch (IssueNotReadyException notReady)
        {
            // Nothing a retry can fix (no site address for the links, a sender that does not parse): the admin must act,
            // so the send waits paused with the reason in words, as for a refused password, and resumes when asked.
            await db.NewsletterIssues.Where(i => i.Id == issueId && i.SendStatus == IssueSendStatus.Sending)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.SendStatus, IssueSendStatus.Paused).SetProperty(i => i.PausedReason, Cut(notReady.Message, 2000))
                    .SetProperty(i => i.Version, i => i.Version + 1), CancellationToken.None);
            logger.SendPaused(issueId);
            return;
        }
        await signing.LoadAsync(db, stop);
        var run = new IssueRun(issueId, issue.NewsletterId, prepared, options.Slice);
        await Task.WhenAll(Enumerable.Range(0, pool.Size).Select(_ => LaneAsync(run, stop)));
        await using (var lane = await contexts.CreateDbContextAsync(CancellationToken.None))
            await run.FlushRefusalsAsync(this, lane);
        logger.BatchRan(issueId, run.Sent, run.Elapsed.TotalMilliseconds);

        if (run.PauseReason is { } reason)
        {
            await db.NewsletterIssues.Where(i => i.Id == issueId && i.SendStatus == IssueSendStatus.Sending)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.SendStatus, IssueSendStatus.Paused).SetProperty(i => i.PausedReason, Cut(reason, 2000))
                    .SetProperty(i => i.Version, i => i.Version + 1), CancellationToken.None);
            logger.SendPaused(issueId);
            return;
        }
        if (run.Sent > 0 && issue.PausedReason is not null)
            await db.NewsletterIssues.Where(i => i.Id == issueId && i.SendStatus == IssueSendStatus.Sending)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.PausedReason, (string?)null), CancellationToken.None);

        var failures = run.ConnectionError is null ? 0 : payload.Failures + 1;
        DateTime? next;
        if (run.ConnectionError is { } error)
        {
            next = Now + Backoff(options.ConnectionRetry, failures);
            // Still sending: the note tells the send page and the CLI why nothing moves, and when it tries again.
            var note = Cut($"Retrying: {error} Next try at {next:yyyy-MM-dd HH:mm:ss} UTC.", 2000);
            await db.NewsletterIssues.Where(i => i.Id == issueId && i.SendStatus == IssueSendStatus.Sending)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.PausedReason, note), CancellationToken.None);
            logger.ConnectionFailed(issueId, failures);
        }
        else next = run.RateLimitedUntil ?? await NextDueAsync(issueId);

        if (next is null)
        {
            var open = Open(db.Deliveries.Where(d => d.IssueId == issueId));
            var finished = await db.NewsletterIssues.Where(i => i.Id == issueId && i.SendStatus == IssueSendStatus.Sending && !open.Any())
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.SendStatus, IssueSendStatus.Sent).SetProperty(i => i.SendFinishedAt, Now)
                    .SetProperty(i => i.PausedReason, (string?)null).SetProperty(i => i.Version, i => i.Version + 1), CancellationToken.None);
            if (finished > 0) logger.SendFinished(issueId);
            return;
        }
        await queue.EnqueueAsync(db, DeliverWork.Kind, payload with { Failures = failures }, maxAttempts: DeliverAttempts,
            runAfter: next <= Now ? null : next, priority: WorkPriority.BulkMail, cancellationToken: CancellationToken.None);
    }

    private static IQueryable<Delivery> Open(IQueryable<Delivery> deliveries) =>
        deliveries.Where(d => d.Status == DeliveryStatus.Queued || d.Status == DeliveryStatus.InFlight || d.Status == DeliveryStatus.Deferred);

    /// <summary>When the issue has work again: now while unclaimed rows wait, else the earliest retry or lease end; null when nothing is open.</summary>
    private async Task<DateTime?> NextDueAsync(int issueId)
    {
        var now = Now;
        var open = Open(db.Deliveries.Where(d => d.IssueId == issueId));
        if (await open.AnyAsync(d => d.Status == DeliveryStatus.Queued && (d.NextAttemptAt == null || d.NextAttemptAt <= now))) return now;
        return await open.MinAsync(d => d.NextAttemptAt);
    }

    private async Task LaneAsync(IssueRun run, CancellationToken stop)
    {
        await using var lane = await contexts.CreateDbContextAsync(CancellationToken.None);
        IMailConnection? connection = null;
        try
        {
            while (!run.ShouldStop(stop))
            {
                if (!await lane.NewsletterIssues.AnyAsync(i => i.Id == run.IssueId && i.SendStatus == IssueSendStatus.Sending, CancellationToken.None))
                {
                    run.Stop();
                    break;
                }
                var now = Now;
                var ids = await claim.ClaimAsync(lane, run.IssueId, now, now + options.ClaimLease, options.ClaimSize, CancellationToken.None);
                if (ids.Count == 0) break;
                var recipients = await ClaimedRecipientsAsync(lane, run.NewsletterId, ids);

                var (granted, retryAt) = await rate.TakeAsync(lane, recipients.Count, CancellationToken.None);
                if (granted < recipients.Count)
                {
                    await ReleaseAsync(lane, recipients.Skip(granted).Select(r => r.Id).ToList());
                    recipients = recipients.Take(granted).ToList();
                    if (retryAt is { } until) run.RateLimited(until);
                }
                if (recipients.Count == 0) break;

                if (connection is null)
                {
                    try
                    {
                        connection = await pool.TakeAsync(CancellationToken.None);
                    }
                    catch (Exception e) when (IsConnectionFailure(e))
                    {
                        await ReleaseAsync(lane, recipients.Select(r => r.Id).ToList());
                        if (AccountRefusal(e) is { } refusal) run.Pause(refusal);
                        else run.ConnectionFailed(Describe(e));
                        break;
                    }
                }
                if (!await SendClaimedAsync(lane, run, connection, recipients, stop))
                {
                    await pool.ReturnAsync(connection);
                    connection = null;
                    if (run.ConnectionError is not null || run.PauseReason is not null) break;
                }
                if (retryAt is not null) break;
            }
        }
        finally
        {
            if (connection is not null) await pool.ReturnAsync(connection);
        }
    }

    private sealed record Recipient(long Id, int SubscriberId, string Address, string? Name, string LinkSecret, string AddressHash, int Attempts);

    /// <summary>The claimed rows' recipients, after leaving out (as skipped) those who left or were suppressed since the send began.</summary>
    private static async Task<List<Recipient>> ClaimedRecipientsAsync(BroadsheetDb lane, int newsletterId, List<long> ids)
    {
        await lane.Deliveries.Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Queued
                && (!lane.Subscriptions.Any(s => s.SubscriberId == d.SubscriberId && s.NewsletterId == newsletterId && s.Status == SubscriptionStatus.Confirmed)
                    || lane.Suppressions.Any(p => (p.NewsletterId == newsletterId || p.NewsletterId == Suppression.EveryNewsletter)
                        && lane.Subscribers.Any(b => b.Id == d.SubscriberId && b.AddressHash == p.AddressHash))))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Skipped).SetProperty(d => d.NextAttemptAt, (DateTime?)null), CancellationToken.None);
        return await (from d in lane.Deliveries
                      where ids.Contains(d.Id) && d.Status == DeliveryStatus.Queued
                      join b in lane.Subscribers on d.SubscriberId equals b.Id
                      orderby d.Id
                      select new Recipient(d.Id, b.Id, d.ToAddress, d.ToName, b.LinkSecret, b.AddressHash, d.Attempts)).ToListAsync(CancellationToken.None);
    }

    /// <summary>Sends claimed recipients over one connection; false when the connection broke (the rest are released).</summary>
    private async Task<bool> SendClaimedAsync(BroadsheetDb lane, IssueRun run, IMailConnection connection, List<Recipient> recipients, CancellationToken stop)
    {
        (long Id, string MessageId, string Reply)? sent = null;
        for (var i = 0; i < recipients.Count; i++)
        {
            var r = recipients[i];
            if (run.ShouldStop(stop))
            {
                await MarkAsync(lane, sent, null);
                await ReleaseAsync(lane, recipients.Skip(i).Select(x => x.Id).ToList());
                return true;
            }
            var message = messages.Build(run.Prepared, new IssueRecipient(r.Id, r.SubscriberId, r.Address, r.Name, r.LinkSecret));
            signing.Sign(message);
            // The previous message's "sent" and this one's "in flight" in one statement: both before this DATA.
            await MarkAsync(lane, sent, r.Id);
            sent = null;
            try
            {
                // Not the stop token: a clean stop lets the message in hand finish, so nothing is left uncertain.
                var reply = await connection.SendAsync(message, Sender(message), new MailboxAddress(r.Name ?? "", r.Address), CancellationToken.None);
                sent = (r.Id, message.MessageId ?? "", reply);
                run.Accepted();
            }
            catch (SmtpCommandException e)
            {
                var code = (int)e.StatusCode;
                var reply = Cut($"{code} {e.Message}", 1000);
                if (code < 500)
                {
                    await DeferAsync(lane, r.Id, r.Attempts + 1, reply);
                    if (!connection.IsUsable)
                    {
                        await ReleaseAsync(lane, recipients.Skip(i + 1).Select(x => x.Id).ToList());
                        return false;
                    }
                    continue;
                }
                if (e.ErrorCode == SmtpErrorCode.SenderNotAccepted || code is 530 or 535)
                {
                    await ReleaseAsync(lane, recipients.Skip(i).Select(x => x.Id).ToList(), wasInFlight: true);
                    run.Pause($"The SMTP server refused the sender ({reply}): check Email:Smtp (account, password, Return-Path), then resume.");
                    return false;
                }
                var hard = e.ErrorCode == SmtpErrorCode.RecipientNotAccepted && code is 550 or 551 or 553 || e.Message.StartsWith("5.1.", StringComparison.Ordinal);
                await FailAsync(lane, r.Id, reply);
                if (await run.RefusedAsync(lane, r.Id, r.AddressHash, code, reply, hard, options.SameRefusalsPause))
                {
                    await ReleaseAsync(lane, recipients.Skip(i + 1).Select(x => x.Id).ToList());
                    return false;
                }
                if (!connection.IsUsable)
                {
                    await ReleaseAsync(lane, recipients.Skip(i + 1).Select(x => x.Id).ToList());
                    return false;
                }
            }
            catch (Exception e) when (IsConnectionFailure(e))
            {
                // Dropped mid-message, or stalled past the timeout: the server did not say 250, so it is tried again.
                await DeferAsync(lane, r.Id, r.Attempts + 1, Cut($"Connection lost: {Describe(e)}", 1000), connectionOnly: true);
                await ReleaseAsync(lane, recipients.Skip(i + 1).Select(x => x.Id).ToList());
                run.ConnectionFailed(Describe(e));
                return false;
            }
        }
        await MarkAsync(lane, sent, null);
        return true;
    }

    private MailboxAddress Sender(MimeMessage message) =>
        smtp.ReturnPath is { Length: > 0 } returnPath ? MailboxAddress.Parse(returnPath) : message.From.Mailboxes.First();

    // ---------------------------------------------------------------- the per-message marks (SQL both databases speak)

    /// <summary>
    /// Marks <paramref name="sent"/> sent (its Message-ID, the reply) and <paramref name="next"/> in flight (an attempt
    /// counted, its lease set) in one statement, so a connection writes once per message.
    /// </summary>
    private Task MarkAsync(BroadsheetDb lane, (long Id, string MessageId, string Reply)? sent, long? next)
    {
        if (sent is null && next is null) return Task.CompletedTask;
        var now = Now;
        var lease = now + options.ClaimLease;
        var sentId = sent?.Id ?? NoRow;
        var nextId = next ?? NoRow;
        var messageId = sent?.MessageId ?? "";
        var reply = Cut(sent?.Reply ?? "", 1000);
        return claim.MarkAsync(lane, $"""
            UPDATE "Deliveries" SET
                "Status" = CASE WHEN "Id" = {sentId} THEN {(int)DeliveryStatus.Sent} ELSE {(int)DeliveryStatus.InFlight} END,
                "SentAt" = CASE WHEN "Id" = {sentId} THEN {now} ELSE "SentAt" END,
                "MessageId" = CASE WHEN "Id" = {sentId} THEN {messageId} ELSE "MessageId" END,
                "LastReply" = CASE WHEN "Id" = {sentId} THEN {reply} ELSE "LastReply" END,
                "ProtectedMessage" = CASE WHEN "Id" = {sentId} THEN NULL ELSE "ProtectedMessage" END,
                "Attempts" = CASE WHEN "Id" = {sentId} THEN "Attempts" ELSE "Attempts" + 1 END,
                "NextAttemptAt" = CASE WHEN "Id" = {sentId} THEN NULL ELSE {lease} END
            WHERE "Id" IN ({sentId}, {nextId})
            """, CancellationToken.None);
    }

    /// <summary>A 4xx (or a lost connection): tried again after a back-off; failed once deferred for longer than GiveUpAfter.</summary>
    private Task<int> DeferAsync(BroadsheetDb lane, long id, int attempts, string reply, bool connectionOnly = false)
    {
        var now = Now;
        var next = now + Backoff(connectionOnly ? options.ConnectionRetry : options.FirstRetry, attempts);
        var giveUpBefore = now - options.GiveUpAfter;
        var failed = Cut("Deferred too long: " + reply, 1000);
        return lane.Database.ExecuteSqlAsync($"""
            UPDATE "Deliveries" SET
                "Status" = CASE WHEN "FirstDeferredAt" IS NOT NULL AND "FirstDeferredAt" <= {giveUpBefore} THEN {(int)DeliveryStatus.Failed} ELSE {(int)DeliveryStatus.Deferred} END,
                "NextAttemptAt" = CASE WHEN "FirstDeferredAt" IS NOT NULL AND "FirstDeferredAt" <= {giveUpBefore} THEN NULL ELSE {next} END,
                "LastReply" = CASE WHEN "FirstDeferredAt" IS NOT NULL AND "FirstDeferredAt" <= {giveUpBefore} THEN {failed} ELSE {reply} END,
                "ProtectedMessage" = CASE WHEN "FirstDeferredAt" IS NOT NULL AND "FirstDeferredAt" <= {giveUpBefore} THEN NULL ELSE "ProtectedMessage" END,
                "FirstDeferredAt" = COALESCE("FirstDeferredAt", {now})
            WHERE "Id" = {id}
            """, CancellationToken.None);
    }

    private static Task<int> FailAsync(BroadsheetDb lane, long id, string reply) =>
        lane.Deliveries.Where(d => d.Id == id).ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Failed).SetProperty(d => d.LastReply, reply)
            .SetProperty(d => d.NextAttemptAt, (DateTime?)null).SetProperty(d => d.ProtectedMessage, (string?)null), CancellationToken.None);

    /// <summary>Hands claimed rows back (queued, unclaimed); <paramref name="wasInFlight"/> also takes back the first, marked in flight but refused before its DATA.</summary>
    private static async Task ReleaseAsync(BroadsheetDb lane, List<long> ids, bool wasInFlight = false)
    {
        if (ids.Count == 0) return;
        if (wasInFlight)
        {
            var first = ids[0];
            await lane.Deliveries.Where(d => d.Id == first && d.Status == DeliveryStatus.InFlight)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Queued).SetProperty(d => d.Attempts, d => d.Attempts - 1), CancellationToken.None);
        }
        await lane.Deliveries.Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, (DateTime?)null), CancellationToken.None);
    }

    /// <summary>A pause on the same refusal for many recipients in a row: those were not about the addresses, so they go back to the queue.</summary>
    internal static Task<int> RequeueAsync(BroadsheetDb lane, List<long> ids) =>
        lane.Deliveries.Where(d => ids.Contains(d.Id) && d.Status == DeliveryStatus.Failed)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Queued).SetProperty(d => d.NextAttemptAt, (DateTime?)null), CancellationToken.None);

    internal Task<int> SuppressAsync(BroadsheetDb lane, string addressHash, string reply)
    {
        var now = Now;
        return lane.Database.ExecuteSqlAsync($"""
            INSERT INTO "Suppressions" ("AddressHash", "NewsletterId", "Reason", "Detail", "At")
            VALUES ({addressHash}, {Suppression.EveryNewsletter}, {(int)SuppressionReason.HardBounce}, {reply}, {now})
            ON CONFLICT ("AddressHash", "NewsletterId") DO NOTHING
            """, CancellationToken.None);
    }

    // ---------------------------------------------------------------- one transactional message

    public async Task RunOneAsync(DeliverWork.Payload payload, CancellationToken stop)
    {
        var id = payload.DeliveryId!.Value;
        var now = Now;
        var lease = now + options.ClaimLease;
        var claimed = await db.Database.ExecuteSqlAsync($"""
            UPDATE "Deliveries" SET "Uncertain" = ("Uncertain" OR "Status" = {(int)DeliveryStatus.InFlight}), "Status" = {(int)DeliveryStatus.Queued}, "NextAttemptAt" = {lease}
            WHERE "Id" = {id} AND "ProtectedMessage" IS NOT NULL
              AND (("Status" = {(int)DeliveryStatus.Queued} AND ("NextAttemptAt" IS NULL OR "NextAttemptAt" <= {now}))
                OR ("Status" IN ({(int)DeliveryStatus.InFlight}, {(int)DeliveryStatus.Deferred}) AND "NextAttemptAt" <= {now}))
            """, stop);
        var row = await db.Deliveries.AsNoTracking().Where(d => d.Id == id).Select(d => new { d.Status, d.NextAttemptAt, d.ProtectedMessage, d.ToAddress, d.ToName, d.Attempts, d.Class })
            .FirstOrDefaultAsync(CancellationToken.None);
        if (row is null || row.ProtectedMessage is null) return;
        if (claimed == 0)
        {
            // Someone else's claim, or a retry not due yet: look again when it is.
            if (row.NextAttemptAt is { } due) await FollowUpAsync(payload, 0, due, row.Class);
            return;
        }
        MimeMessage message;
        try
        {
            var bytes = Convert.FromBase64String(protection.CreateProtector(EngineEmailSender.Purpose).Unprotect(row.ProtectedMessage));
            using var stream = new MemoryStream(bytes);
            message = await MimeMessage.LoadAsync(stream, CancellationToken.None);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            await FailAsync(db, id, "The message could not be decrypted (the site's data protection keys changed); it was not sent.");
            return;
        }
        await signing.LoadAsync(db, CancellationToken.None);
        signing.Sign(message);

        IMailConnection connection;
        try
        {
            connection = await pool.TakeAsync(CancellationToken.None);
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            await ReleaseAsync(db, [id]);
            var failures = payload.Failures + 1;
            await db.Deliveries.Where(d => d.Id == id).ExecuteUpdateAsync(s => s.SetProperty(d => d.LastReply, Cut(Describe(e), 1000)), CancellationToken.None);
            await FollowUpAsync(payload, failures, Now + Backoff(options.ConnectionRetry, failures), row.Class);
            return;
        }
        try
        {
            await MarkAsync(db, null, id);
            try
            {
                var reply = await connection.SendAsync(message, Sender(message), new MailboxAddress(row.ToName ?? "", row.ToAddress), CancellationToken.None);
                await MarkAsync(db, (id, message.MessageId ?? "", reply), null);
                logger.OneSent(id, row.Class);
            }
            catch (SmtpCommandException e) when ((int)e.StatusCode >= 500)
            {
                await FailAsync(db, id, Cut($"{(int)e.StatusCode} {e.Message}", 1000));
            }
            catch (Exception e) when (e is SmtpCommandException || IsConnectionFailure(e))
            {
                var reply = e is SmtpCommandException c ? $"{(int)c.StatusCode} {c.Message}" : $"Connection lost: {Describe(e)}";
                await DeferAsync(db, id, row.Attempts + 1, Cut(reply, 1000), connectionOnly: e is not SmtpCommandException);
                var due = await db.Deliveries.Where(d => d.Id == id && d.Status == DeliveryStatus.Deferred).Select(d => d.NextAttemptAt).FirstOrDefaultAsync(CancellationToken.None);
                if (due is { } at) await FollowUpAsync(payload, 0, at, row.Class);
            }
        }
        finally
        {
            await pool.ReturnAsync(connection);
        }
    }

    private Task<long> FollowUpAsync(DeliverWork.Payload payload, int failures, DateTime at, MailClass mailClass) =>
        queue.EnqueueAsync(db, DeliverWork.Kind, payload with { Failures = failures }, maxAttempts: DeliverAttempts, runAfter: at,
            priority: EngineEmailSender.PriorityOf(mailClass), cancellationToken: CancellationToken.None);

    // ---------------------------------------------------------------- replies and failures

    private TimeSpan Backoff(TimeSpan first, int attempt)
    {
        var ticks = first.Ticks * Math.Pow(2, Math.Clamp(attempt - 1, 0, 20));
        return ticks >= options.MaxRetry.Ticks ? options.MaxRetry : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Failures of the way to the server (not answers about one message): the batch backs off and tries again.</summary>
    private static bool IsConnectionFailure(Exception e) => e is IOException or System.Net.Sockets.SocketException or TimeoutException
        or SmtpProtocolException or SslHandshakeException or AuthenticationException or NotSupportedException or ServiceNotConnectedException
        or ServiceNotAuthenticatedException or SmtpCommandException or OperationCanceledException;

    /// <summary>A refusal of the account or the whole service, which retrying cannot mend: the send pauses for the admin.</summary>
    private static string? AccountRefusal(Exception e) => e switch
    {
        AuthenticationException => $"The SMTP server refused the username and password ({e.Message}): check Email:Smtp:Username and Password, then resume.",
        SmtpCommandException { StatusCode: var code } c when (int)code >= 500 => $"The SMTP server refused the connection ({(int)code} {c.Message}): check Email:Smtp, then resume.",
        _ => null,
    };

    private string Describe(Exception e) => e switch
    {
        System.Net.Sockets.SocketException s => $"could not reach {smtp.Host}:{smtp.Port} ({s.SocketErrorCode}).",
        TimeoutException or OperationCanceledException => $"{smtp.Host}:{smtp.Port} did not answer within {smtp.Timeout.TotalSeconds:0} s.",
        NotSupportedException => $"{smtp.Host}:{smtp.Port} does not offer STARTTLS, which Email:Smtp:Security requires.",
        SmtpCommandException c => $"{smtp.Host}:{smtp.Port} answered {(int)c.StatusCode} {c.Message}",
        _ => $"{smtp.Host}:{smtp.Port}: {e.Message}",
    };

    private static string Cut(string text, int length) => text.Length <= length ? text : text[..length];

    /// <summary>What the connections of one batch share: the clock of its slice, why it stopped, the refusals in a row.</summary>
    private sealed class IssueRun(int issueId, int newsletterId, PreparedIssue prepared, TimeSpan slice)
    {
        private readonly Stopwatch watch = Stopwatch.StartNew();
        private readonly Lock gate = new();
        private readonly List<(long Id, string Hash, string Reply, bool Hard, int Code)> inARow = [];
        private readonly List<(string Hash, string Reply)> toSuppress = [];
        private int sent;
        private volatile bool stopped;

        public int IssueId => issueId;
        public int NewsletterId => newsletterId;
        public PreparedIssue Prepared => prepared;
        public TimeSpan Elapsed => watch.Elapsed;
        public int Sent => sent;
        public string? PauseReason { get; private set; }
        public string? ConnectionError { get; private set; }
        public DateTime? RateLimitedUntil { get; private set; }

        public bool ShouldStop(CancellationToken stop) => stopped || stop.IsCancellationRequested || watch.Elapsed >= slice;

        public void Stop() => stopped = true;

        public void Pause(string reason)
        {
            lock (gate) PauseReason ??= reason;
            stopped = true;
        }

        public void ConnectionFailed(string error)
        {
            lock (gate) ConnectionError ??= error;
            stopped = true;
        }

        public void RateLimited(DateTime until)
        {
            // Not a stop: the connection sends what it was granted, then its lane ends.
            lock (gate) RateLimitedUntil = RateLimitedUntil is { } other && other > until ? other : until;
        }

        public void Accepted()
        {
            Interlocked.Increment(ref sent);
            lock (gate)
            {
                // A success after them shows the refusals in a row were about their addresses: their hard bounces are suppressed.
                toSuppress.AddRange(inARow.Where(r => r.Hard).Select(r => (r.Hash, r.Reply)));
                inARow.Clear();
            }
        }

        /// <summary>
        /// Counts a 5xx refusal of one recipient. When the last <paramref name="pauseAfter"/> refusals since a success all
        /// carry the same code, the refusal is about the account or the server: the send pauses, those recipients go back
        /// to the queue unsuppressed, and true is returned.
        /// </summary>
        public async Task<bool> RefusedAsync(BroadsheetDb lane, long id, string hash, int code, string reply, bool hard, int pauseAfter)
        {
            List<long>? requeue = null;
            lock (gate)
            {
                // Another connection paused the send meanwhile: this refusal is the same story, not this address's.
                if (PauseReason is not null) requeue = [id];
                else inARow.Add((id, hash, reply, hard, code));
                var n = Math.Max(2, pauseAfter);
                if (requeue is null && inARow.Count >= n && inARow.Skip(inARow.Count - n).All(r => r.Code == code))
                {
                    requeue = inARow.Select(r => r.Id).ToList();
                    inARow.Clear();
                    PauseReason ??= $"The SMTP server refused {n} recipients in a row with the same answer ({reply}). That is about the account or the server, not the addresses, so none was suppressed: check Email:Smtp, then resume.";
                    stopped = true;
                }
            }
            if (requeue is null) return false;
            await RequeueAsync(lane, requeue);
            return true;
        }

        /// <summary>Suppresses the hard bounces held back: those a success followed, and at the batch's end those short of a pause.</summary>
        public async Task FlushRefusalsAsync(DeliveryEngine engine, BroadsheetDb lane)
        {
            List<(string Hash, string Reply)> flush;
            lock (gate)
            {
                flush = PauseReason is null ? [.. toSuppress, .. inARow.Where(r => r.Hard).Select(r => (r.Hash, r.Reply))] : [.. toSuppress];
                toSuppress.Clear();
                inARow.Clear();
            }
            foreach (var (hash, reply) in flush) await engine.SuppressAsync(lane, hash, reply);
        }
    }
}

/// <summary>The log lines above, source-generated so a disabled level costs nothing (CA1848). Never addresses, bodies or server replies about a recipient.</summary>
internal static partial class DeliveryEngineLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Issue {IssueId}: a batch sent {Sent} message(s) in {Milliseconds} ms")]
    public static partial void BatchRan(this ILogger logger, int issueId, int sent, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Issue {IssueId}: sending paused on an account or server refusal; the issue's page says why")]
    public static partial void SendPaused(this ILogger logger, int issueId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Issue {IssueId}: could not reach the SMTP server ({Failures} time(s) in a row); retrying later")]
    public static partial void ConnectionFailed(this ILogger logger, int issueId, int failures);

    [LoggerMessage(Level = LogLevel.Information, Message = "Issue {IssueId}: every delivery reached an end")]
    public static partial void SendFinished(this ILogger logger, int issueId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery {Id} ({Class}) sent")]
    public static partial void OneSent(this ILogger logger, long id, MailClass @class);
}
