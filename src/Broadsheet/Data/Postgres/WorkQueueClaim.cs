using Broadsheet.Data.WorkQueue;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Data.Postgres;

/// <summary>
/// The work queue's claim on PostgreSQL, where several nodes share the work: the inner SELECT locks the one
/// row it picks and, with SKIP LOCKED, passes over rows another node's claim is locking at that moment, so
/// concurrent claims take different items instead of queueing on one or taking it twice. (Under READ
/// COMMITTED a row changed by a claim that committed meanwhile is checked against the WHERE again.)
/// A node cannot tell whether another running node holds a lease, so at start nothing is reclaimed early:
/// a dead node's items come back when their leases expire (<c>WorkQueue:LeaseTime</c>).
/// </summary>
internal sealed class PostgresWorkQueueClaim : IWorkQueueClaim
{
    public async Task<long?> ClaimAsync(BroadsheetDb db, IReadOnlyCollection<string> kinds, string owner, DateTime now, DateTime leaseUntil, long? onlyId, CancellationToken cancellationToken)
    {
        var kindList = kinds.ToArray();
        var ids = await db.Database.SqlQuery<long>($"""
            UPDATE "WorkItems" SET "State" = {(int)WorkState.Running}, "LeaseOwner" = {owner}, "LeaseUntil" = {leaseUntil},
                "Attempts" = "Attempts" + 1, "StartedAt" = COALESCE("StartedAt", {now})
            WHERE "Id" = (
                SELECT "Id" FROM "WorkItems"
                WHERE "Kind" = ANY({kindList})
                  AND (("State" = {(int)WorkState.Queued} AND "RunAfter" <= {now}) OR ("State" = {(int)WorkState.Running} AND "LeaseUntil" <= {now}))
                  AND (CAST({onlyId} AS bigint) IS NULL OR "Id" = {onlyId})
                ORDER BY "Priority", "RunAfter", "Id"
                LIMIT 1
                FOR UPDATE SKIP LOCKED)
            RETURNING "Id" AS "Value"
            """).ToListAsync(cancellationToken);
        return ids.Count == 0 ? null : ids[0];
    }

    public Task<int> ReclaimAtStartAsync(BroadsheetDb db, DateTime now, CancellationToken cancellationToken) => Task.FromResult(0);
}
