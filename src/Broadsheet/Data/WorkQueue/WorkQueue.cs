using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Broadsheet.Data.WorkQueue;

/// <summary>
/// Puts work on the queue. <see cref="EnqueueAsync{T}"/> writes the item through the caller's own context,
/// so inside the caller's transaction the work is queued exactly when the caller's change commits (an
/// outbox: no "saved but never queued", no "queued but rolled back"). It also wakes this node's runner, and
/// on PostgreSQL notifies the other nodes (when the caller's transaction commits), whose
/// <see cref="WorkQueueListener"/> wakes theirs; a notification missed is made up by the next poll.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is a queue, and the folder and the README call it one.")]
public sealed class WorkQueue(IEnumerable<WorkKind> kinds, IOptions<WorkQueueOptions> options, TimeProvider clock) : IDisposable
{
    private readonly HashSet<string> known = [.. kinds.Select(k => k.Name)];
    private readonly SemaphoreSlim wake = new(0);

    /// <summary>
    /// Queues <paramref name="payload"/> (written as JSON) for the handler of <paramref name="kind"/>, saving
    /// it at once. With a <paramref name="dedupeKey"/>, an item of that kind and key already queued (in any
    /// state) is returned instead of a second one. Returns the item's id.
    /// </summary>
    public async Task<long> EnqueueAsync<T>(BroadsheetDb db, string kind, T payload, string? dedupeKey = null, int? maxAttempts = null, DateTime? runAfter = null, int priority = WorkPriority.Normal, CancellationToken cancellationToken = default)
    {
        if (!known.Contains(kind)) throw new ArgumentException($"No handler is registered for work of kind '{kind}' (services.AddWork<THandler>(\"{kind}\")).", nameof(kind));
        if (dedupeKey is not null && await db.WorkItems.Where(i => i.Kind == kind && i.DedupeKey == dedupeKey).Select(i => (long?)i.Id).FirstOrDefaultAsync(cancellationToken) is { } existing)
            return existing;
        var now = clock.GetUtcNow().UtcDateTime;
        var item = new WorkItem
        {
            Kind = kind,
            Payload = WorkContext.Write(payload),
            DedupeKey = dedupeKey,
            State = WorkState.Queued,
            MaxAttempts = Math.Max(1, maxAttempts ?? options.Value.MaxAttempts),
            RunAfter = runAfter ?? now,
            Priority = priority,
            CreatedAt = now,
        };
        db.WorkItems.Add(item);
        await db.SaveChangesAsync(cancellationToken);
        await db.Dialect.NotifyWorkQueuedAsync(db, cancellationToken);
        Wake();
        return item.Id;
    }

    /// <summary>Wakes this node's runner now rather than at its next poll (call again after committing a transaction that queued work).</summary>
    public void Wake()
    {
        // One pending wake is enough: the runner claims until nothing is left.
        if (wake.CurrentCount == 0) wake.Release();
    }

    /// <summary>Waits for a wake or <paramref name="timeout"/>, whichever is first.</summary>
    internal async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => await wake.WaitAsync(timeout, cancellationToken);

    /// <summary>The kinds this node has handlers for (and so claims).</summary>
    internal IReadOnlyCollection<string> Kinds => known;

    public void Dispose() => wake.Dispose();
}

/// <summary>A kind of work with its handler registered (<see cref="WorkQueueSetup.AddWork{THandler}"/>).</summary>
public sealed record WorkKind(string Name);
