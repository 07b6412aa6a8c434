using System.Runtime.CompilerServices;
using Broadsheet.Email;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Data.Postgres;

/// <summary>
/// The delivery claim on PostgreSQL, where several nodes send one issue: the inner SELECT locks the rows it picks and,
/// with SKIP LOCKED, passes over rows another node's claim is locking at that moment, so two claims never take one
/// recipient (and a row claimed and committed meanwhile no longer matches the WHERE when re-checked).
/// </summary>
internal sealed class PostgresDeliveryClaim : IDeliveryClaim
{
    public async Task<List<long>> ClaimAsync(BroadsheetDb db, int issueId, DateTime now, DateTime leaseUntil, int limit, CancellationToken cancellationToken)
    {
        var ids = await db.Database.SqlQuery<long>($"""
            UPDATE "Deliveries" SET "NextAttemptAt" = {leaseUntil}
            WHERE "Id" IN (
                SELECT "Id" FROM "Deliveries"
                WHERE "IssueId" = {issueId} AND "Status" = {(int)DeliveryStatus.Queued} AND ("NextAttemptAt" IS NULL OR "NextAttemptAt" <= {now})
                ORDER BY "Id" LIMIT {limit}
                FOR UPDATE SKIP LOCKED)
            RETURNING "Id" AS "Value"
            """).ToListAsync(cancellationToken);
        if (ids.Count < limit)
            ids.AddRange(await db.Database.SqlQuery<long>($"""
                UPDATE "Deliveries" SET "Uncertain" = ("Uncertain" OR "Status" = {(int)DeliveryStatus.InFlight}), "Status" = {(int)DeliveryStatus.Queued}, "NextAttemptAt" = {leaseUntil}
                WHERE "Id" IN (
                    SELECT "Id" FROM "Deliveries"
                    WHERE "IssueId" = {issueId} AND "Status" IN ({(int)DeliveryStatus.InFlight}, {(int)DeliveryStatus.Deferred}) AND "NextAttemptAt" <= {now}
                    ORDER BY "Id" LIMIT {limit - ids.Count}
                    FOR UPDATE SKIP LOCKED)
                RETURNING "Id" AS "Value"
                """).ToListAsync(cancellationToken));
        ids.Sort();
        return ids;
    }

    /// <summary>A node cannot tell whether another live node holds a claim, so nothing is taken back early: leases lapse.</summary>
    public Task<int> ReclaimAtStartAsync(BroadsheetDb db, CancellationToken cancellationToken) => Task.FromResult(0);

    /// <summary>
    /// Per-message marks commit with <c>synchronous_commit = off</c> (this transaction only): the commit returns before
    /// the WAL reaches the disk, so a connection's next message does not wait for an fsync (1–10 ms, which would cap a
    /// connection at a few hundred messages a second). What it risks: only a crash of the PostgreSQL server itself (not
    /// of a Broadsheet node, the case the guarantee is about) can lose the last ~0.6 s of marks, whose recipients may then
    /// get a second copy. The claim, the send's start and every other write stay fully durable.
    /// </summary>
    public async Task<int> MarkAsync(BroadsheetDb db, FormattableString update, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var changed = await db.Database.ExecuteSqlAsync(
            FormattableStringFactory.Create("SET LOCAL synchronous_commit = off; " + update.Format, update.GetArguments()), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return changed;
    }
}
