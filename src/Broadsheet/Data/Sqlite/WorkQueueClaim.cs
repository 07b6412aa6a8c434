using System.Text.Json;
using Broadsheet.Data.WorkQueue;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Data.Sqlite;

/// <summary>
/// The work queue's claim on SQLite. One statement (UPDATE … WHERE Id = (SELECT … LIMIT 1) RETURNING) is
/// atomic there: SQLite takes one writer at a time, so two runners never take the same item.
/// A SQLite site is one process owning its database file (one node), so at start every running item
/// belongs to a run of this site that is gone (killed, crashed, the machine lost power): they are made
/// claimable at once instead of after their leases.
/// </summary>
internal sealed class SqliteWorkQueueClaim : IWorkQueueClaim
{
    public async Task<long?> ClaimAsync(BroadsheetDb db, IReadOnlyCollection<string> kinds, string owner, DateTime now, DateTime leaseUntil, long? onlyId, CancellationToken cancellationToken)
    {
        var kindList = JsonSerializer.Serialize(kinds);
        var ids = await db.Database.SqlQuery<long>($"""
            UPDATE "WorkItems" SET "State" = {(int)WorkState.Running}, "LeaseOwner" = {owner}, "LeaseUntil" = {leaseUntil},
                "Attempts" = "Attempts" + 1, "StartedAt" = COALESCE("StartedAt", {now})
            WHERE "Id" = (
                SELECT "Id" FROM "WorkItems"
                WHERE "Kind" IN (SELECT value FROM json_each({kindList}))
                  AND (("State" = {(int)WorkState.Queued} AND "RunAfter" <= {now}) OR ("State" = {(int)WorkState.Running} AND "LeaseUntil" <= {now}))
                  AND ({onlyId} IS NULL OR "Id" = {onlyId})
                ORDER BY "Priority", "RunAfter", "Id"
                LIMIT 1)
            RETURNING "Id" AS "Value"
            """).ToListAsync(cancellationToken);
        return ids.Count == 0 ? null : ids[0];
    }

    public Task<int> ReclaimAtStartAsync(BroadsheetDb db, DateTime now, CancellationToken cancellationToken) =>
        db.WorkItems.Where(i => i.State == WorkState.Running && i.LeaseUntil > now)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.LeaseUntil, now), cancellationToken);
}
