using Broadsheet.Email;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Data.Sqlite;

/// <summary>
/// The delivery claim on SQLite: UPDATE … WHERE Id IN (SELECT … LIMIT n) RETURNING, atomic because SQLite has one writer.
/// Two statements rather than one with an OR, so each walks the (IssueId, Status, Id) index in order instead of every
/// row of a 100,000-recipient issue.
/// </summary>
internal sealed class SqliteDeliveryClaim : IDeliveryClaim
{
    public async Task<List<long>> ClaimAsync(BroadsheetDb db, int issueId, DateTime now, DateTime leaseUntil, int limit, CancellationToken cancellationToken)
    {
        var ids = await db.Database.SqlQuery<long>($"""
            UPDATE "Deliveries" SET "NextAttemptAt" = {leaseUntil}
            WHERE "Id" IN (
                SELECT "Id" FROM "Deliveries"
                WHERE "IssueId" = {issueId} AND "Status" = {(int)DeliveryStatus.Queued} AND ("NextAttemptAt" IS NULL OR "NextAttemptAt" <= {now})
                ORDER BY "Id" LIMIT {limit})
            RETURNING "Id" AS "Value"
            """).ToListAsync(cancellationToken);
        if (ids.Count < limit)
            ids.AddRange(await db.Database.SqlQuery<long>($"""
                UPDATE "Deliveries" SET "Uncertain" = ("Uncertain" OR "Status" = {(int)DeliveryStatus.InFlight}), "Status" = {(int)DeliveryStatus.Queued}, "NextAttemptAt" = {leaseUntil}
                WHERE "Id" IN (
                    SELECT "Id" FROM "Deliveries"
                    WHERE "IssueId" = {issueId} AND "Status" IN ({(int)DeliveryStatus.InFlight}, {(int)DeliveryStatus.Deferred}) AND "NextAttemptAt" <= {now}
                    ORDER BY "Id" LIMIT {limit - ids.Count})
                RETURNING "Id" AS "Value"
                """).ToListAsync(cancellationToken));
        ids.Sort();
        return ids;
    }

    public async Task<int> ReclaimAtStartAsync(BroadsheetDb db, CancellationToken cancellationToken) =>
        await db.Deliveries.Where(d => d.Status == DeliveryStatus.InFlight)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Queued).SetProperty(d => d.Uncertain, true).SetProperty(d => d.NextAttemptAt, (DateTime?)null), cancellationToken)
        + await db.Deliveries.Where(d => d.Status == DeliveryStatus.Queued && d.NextAttemptAt != null)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, (DateTime?)null), cancellationToken);

    // WAL with synchronous=NORMAL: a commit survives the process being killed (only a power cut can lose the last ones).
    public Task<int> MarkAsync(BroadsheetDb db, FormattableString update, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync(update, cancellationToken);
}
