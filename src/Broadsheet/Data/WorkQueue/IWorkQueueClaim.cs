namespace Broadsheet.Data.WorkQueue;

/// <summary>
/// The two steps of the queue that each database does its own way; everything else about the queue is
/// plain EF and the same on both. Implemented in <c>Data/Sqlite/WorkQueueClaim.cs</c> and
/// <c>Data/Postgres/WorkQueueClaim.cs</c>, chosen with the provider in <see cref="DatabaseSetup"/>.
/// </summary>
public interface IWorkQueueClaim
{
    /// <summary>
    /// Atomically takes one due item of <paramref name="kinds"/> (queued and due, or running with an expired
    /// lease) for <paramref name="owner"/> until <paramref name="leaseUntil"/>, counting an attempt; only the
    /// item <paramref name="onlyId"/> when given. Returns its id, or null when there is none free.
    /// </summary>
    Task<long?> ClaimAsync(BroadsheetDb db, IReadOnlyCollection<string> kinds, string owner, DateTime now, DateTime leaseUntil, long? onlyId, CancellationToken cancellationToken);

    /// <summary>
    /// At a node's start: makes claimable at once the running items whose node is known to be gone, rather
    /// than after their leases expire. Returns how many.
    /// </summary>
    Task<int> ReclaimAtStartAsync(BroadsheetDb db, DateTime now, CancellationToken cancellationToken);
}
