using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Broadsheet.Data.WorkQueue;

/// <summary>
/// This node's worker for the queue (one per process, a hosted service on <see cref="NodeLoop"/>): claims
/// due items of the kinds it has handlers for, runs each in a scope of its own while a heartbeat renews its
/// lease, and records the outcome: done; queued again after a back-off; failed for good with the last error.
/// Woken at once by work queued on this node, otherwise it looks every <c>WorkQueue:PollInterval</c>.
/// The CLI runs one item through the same code (<see cref="RunToEndAsync"/>). See README.md beside this file.
/// </summary>
public sealed class WorkQueueRunner(
    IServiceScopeFactory scopes, WorkQueue queue, IWorkQueueClaim claim, IOptions<WorkQueueOptions> options, TimeProvider time, ILogger<WorkQueueRunner> logger)
    : NodeLoop(time, logger)
{
    private readonly WorkQueueOptions settings = options.Value;
    private bool reclaimed;

    protected override string What => "run queued work";
    protected override TimeSpan Interval => settings.PollInterval;
    protected override TimeSpan MaxBackoff => TimeSpan.FromMinutes(1);
    private DateTime Now => Clock.GetUtcNow().UtcDateTime;

    protected override async Task<bool> RunOnceAsync(CancellationToken stoppingToken)
    {
        if (queue.Kinds.Count == 0) return false;
        if (!reclaimed)
        {
            await using var scope = scopes.CreateAsyncScope();
            var count = await claim.ReclaimAtStartAsync(scope.ServiceProvider.GetRequiredService<BroadsheetDb>(), Now, stoppingToken);
            if (count > 0) logger.TookBack(count);
            reclaimed = true;
        }
        await Task.WhenAll(Enumerable.Range(0, Math.Max(1, settings.Concurrency)).Select(async _ =>
        {
            while (await RunNextAsync(null, stoppingToken) is not null) { }
        }));
        return true;
    }

    protected override async Task WaitAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var timer = Task.Delay(delay, Clock, either.Token);
        var woken = queue.WaitAsync(Timeout.InfiniteTimeSpan, either.Token);
        await Task.WhenAny(timer, woken);
        await either.CancelAsync();
        await Task.WhenAll(timer, woken).ContinueWith(_ => { }, TaskScheduler.Default);
        stoppingToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Runs item <paramref name="id"/> here until it is done or has failed for good, waiting out its back-offs
    /// (and, if another node holds it, that node's run); returns it as it ended. The CLI's <c>--run</c>.
    /// </summary>
    public async Task<WorkItem> RunToEndAsync(long id, CancellationToken cancellationToken)
    {
        while (true)
        {
            await RunNextAsync(id, cancellationToken);
            await using var scope = scopes.CreateAsyncScope();
            var item = await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().WorkItems.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken)
                ?? throw new InvalidOperationException($"There is no work item {id}.");
            if (item.State is WorkState.Done or WorkState.Failed) return item;
            var due = item.State == WorkState.Queued ? item.RunAfter : item.LeaseUntil ?? Now;
            var wait = due - Now;
            await WaitAsync(wait < TimeSpan.FromMilliseconds(50) ? TimeSpan.FromMilliseconds(50) : wait < settings.PollInterval ? wait : settings.PollInterval, cancellationToken);
        }
    }

    /// <summary>Claims one due item (only <paramref name="onlyId"/>, when given) and runs one attempt of it; its id, or null when none was free.</summary>
    internal async Task<long?> RunNextAsync(long? onlyId, CancellationToken stoppingToken)
    {
        WorkItem item;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            var now = Now;
            if (await claim.ClaimAsync(db, queue.Kinds, settings.NodeId, now, now + settings.LeaseTime, onlyId, stoppingToken) is not { } id) return null;
            item = await db.WorkItems.AsNoTracking().SingleAsync(i => i.Id == id, stoppingToken);
        }
        if (item.Attempts > item.MaxAttempts)
        {
            // Its lease expired during its last attempt: the node died running it (perhaps because of it).
            await FinishAsync(item, WorkState.Failed, item.LastError ?? "The node running its last attempt stopped before it finished.");
            logger.NodeStoppedInLastAttempt(item.Id, item.Kind);
            return item.Id;
        }
        logger.Running(item.Id, item.Kind, item.Attempts, item.MaxAttempts);

        using var lease = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var beating = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(item, lease, beating.Token);
        string? error = null;
        var permanent = false;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var handler = scope.ServiceProvider.GetRequiredKeyedService<IWorkHandler>(item.Kind);
            await handler.RunAsync(new WorkContext(item, (checkpoint, ct) => SaveCheckpointAsync(item, checkpoint, ct)), lease.Token);
        }
        catch (OperationCanceledException) when (lease.IsCancellationRequested)
        {
            await beating.CancelAsync();
            await heartbeat;
            if (stoppingToken.IsCancellationRequested)
            {
                // Shutting down: hand the item back now (not after its lease), and do not count the attempt.
                await Claimed(item).ExecuteAsync(s => s.SetProperty(i => i.State, WorkState.Queued).SetProperty(i => i.LeaseUntil, (DateTime?)null)
                    .SetProperty(i => i.Attempts, i => i.Attempts - 1), CancellationToken.None);
                logger.HandedBack(item.Id, item.Kind);
            }
            return item.Id;
        }
        catch (WorkFailedException e)
        {
            error = e.Message;
            permanent = true;
        }
        catch (Exception e)
        {
            error = e.Message;
            logger.AttemptFailed(e, item.Id, item.Kind, item.Attempts, item.MaxAttempts);
        }
        await beating.CancelAsync();
        await heartbeat;

        if (error is null)
        {
            await FinishAsync(item, WorkState.Done, null);
            logger.Done(item.Id, item.Kind);
        }
        else if (permanent)
        {
            // The handler judged the work impossible (a bad file) and has told its user; not a fault of the node.
            await FinishAsync(item, WorkState.Failed, error);
            logger.FailedFinally(item.Id, item.Kind, error);
        }
        else if (item.Attempts >= item.MaxAttempts)
        {
            await FinishAsync(item, WorkState.Failed, error);
            logger.FailedAfterAttempts(item.Id, item.Kind, item.Attempts, error);
        }
        else
        {
            var runAfter = Now + settings.BackoffAfter(item.Attempts);
            await Claimed(item).ExecuteAsync(s => s.SetProperty(i => i.State, WorkState.Queued).SetProperty(i => i.RunAfter, runAfter)
                .SetProperty(i => i.LeaseUntil, (DateTime?)null).SetProperty(i => i.LastError, Cut(error)), CancellationToken.None);
        }
        return item.Id;
    }

    private async Task FinishAsync(WorkItem item, WorkState state, string? error)
    {
        var now = Now;
        var recorded = await Claimed(item).ExecuteAsync(s => s.SetProperty(i => i.State, state).SetProperty(i => i.FinishedAt, now)
            .SetProperty(i => i.LeaseUntil, (DateTime?)null).SetProperty(i => i.LastError, error == null ? null : Cut(error)), CancellationToken.None);
        if (recorded == 0) logger.ClaimedBeforeEnd(item.Id, item.Kind);
    }

    /// <summary>Renews the lease every third of its time; when another node has taken the item, cancels the handler.</summary>
    private async Task HeartbeatAsync(WorkItem item, CancellationTokenSource lease, CancellationToken stop)
    {
        var leaseUntil = item.LeaseUntil ?? Now;
        try
        {
            while (true)
            {
                await Task.Delay(settings.HeartbeatInterval, Clock, stop);
                try
                {
                    var until = Now + settings.LeaseTime;
                    if (await Claimed(item).ExecuteAsync(s => s.SetProperty(i => i.LeaseUntil, until), stop) == 0)
                    {
                        logger.ClaimedAfterLease(item.Id, item.Kind);
                        await lease.CancelAsync();
                        return;
                    }
                    leaseUntil = until;
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    // A beat missed while the database is busy (on SQLite, a long import holds the only write lock) costs
                    // nothing while the lease lasts; past it, another node may take the item and run it too.
                    if (Now >= leaseUntil) logger.LeaseLost(e, item.Id, item.Kind);
                    else logger.LeaseNotRenewedYet(e, item.Id, item.Kind);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> SaveCheckpointAsync(WorkItem item, string checkpoint, CancellationToken cancellationToken) =>
        await Claimed(item).ExecuteAsync(s => s.SetProperty(i => i.Checkpoint, checkpoint), cancellationToken) == 1;

    /// <summary>The item while this claim still holds it: the same node and the same attempt (a reclaim counts one more).</summary>
    private ClaimedItem Claimed(WorkItem item) => new(scopes, item.Id, settings.NodeId, item.Attempts);

    private static string Cut(string text) => text.Length <= 4000 ? text : text[..4000];

    private readonly record struct ClaimedItem(IServiceScopeFactory Scopes, long Id, string Owner, int Attempts)
    {
        // Outcomes are recorded with CancellationToken.None on purpose: a shutdown must not lose what an attempt did.
        public async Task<int> ExecuteAsync(Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<WorkItem>> set, CancellationToken cancellationToken)
        {
            await using var scope = Scopes.CreateAsyncScope();
            var (id, owner, attempts) = (Id, Owner, Attempts);
            return await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().WorkItems
                .Where(i => i.Id == id && i.LeaseOwner == owner && i.Attempts == attempts && i.State == WorkState.Running)
                .ExecuteUpdateAsync(set, cancellationToken);
        }
    }
}

/// <summary>The log lines above, source-generated so a disabled level costs nothing (CA1848).</summary>
internal static partial class WorkQueueRunnerLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Took back {Count} work item(s) left running by an earlier run of this site")]
    public static partial void TookBack(this ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Work item {Id} ({Kind}) failed: its node stopped during its last attempt")]
    public static partial void NodeStoppedInLastAttempt(this ILogger logger, long id, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Running work item {Id} ({Kind}), attempt {Attempt} of {MaxAttempts}")]
    public static partial void Running(this ILogger logger, long id, string kind, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Work item {Id} ({Kind}) handed back to the queue at shutdown")]
    public static partial void HandedBack(this ILogger logger, long id, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Work item {Id} ({Kind}) attempt {Attempt} of {MaxAttempts} failed")]
    public static partial void AttemptFailed(this ILogger logger, Exception e, long id, string kind, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Work item {Id} ({Kind}) done")]
    public static partial void Done(this ILogger logger, long id, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Work item {Id} ({Kind}) failed: {Error}")]
    public static partial void FailedFinally(this ILogger logger, long id, string kind, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Work item {Id} ({Kind}) failed after {Attempts} attempts: {Error}")]
    public static partial void FailedAfterAttempts(this ILogger logger, long id, string kind, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Work item {Id} ({Kind}) was claimed by another node before this one could record its end")]
    public static partial void ClaimedBeforeEnd(this ILogger logger, long id, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Work item {Id} ({Kind}) was claimed by another node after this one's lease expired; stopping this attempt")]
    public static partial void ClaimedAfterLease(this ILogger logger, long id, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the lease of work item {Id} ({Kind}), which has expired")]
    public static partial void LeaseLost(this ILogger logger, Exception e, long id, string kind);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not renew the lease of work item {Id} ({Kind}) yet")]
    public static partial void LeaseNotRenewedYet(this ILogger logger, Exception e, long id, string kind);
}
