using Broadsheet.Data;

namespace Broadsheet.Email;

/// <summary>
/// The steps of the delivery engine that each database does its own way: <c>Data/Sqlite/DeliveryClaim.cs</c> and
/// <c>Data/Postgres/DeliveryClaim.cs</c>, registered with the provider. Everything else is SQL both speak, or EF.
/// </summary>
public interface IDeliveryClaim
{
    /// <summary>
    /// Takes up to <paramref name="limit"/> due deliveries of issue <paramref name="issueId"/> for this caller until
    /// <paramref name="leaseUntil"/>: queued ones not claimed by anyone (or whose claim lapsed), deferred ones whose time
    /// has come, and in-flight ones whose lease lapsed (their node died: they come back <see cref="Delivery.Uncertain"/>).
    /// A claimed row is <see cref="DeliveryStatus.Queued"/> with <see cref="Delivery.NextAttemptAt"/> at the lease's end.
    /// On PostgreSQL two nodes claiming at once never take the same row. Returns the ids, lowest first.
    /// </summary>
    Task<List<long>> ClaimAsync(BroadsheetDb db, int issueId, DateTime now, DateTime leaseUntil, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// At the first batch of a node's run: on SQLite (one process owns the file) every claim and in-flight row belongs to
    /// a run that is gone, so they are freed at once, the in-flight ones as uncertain. On PostgreSQL nothing: leases lapse.
    /// </summary>
    Task<int> ReclaimAtStartAsync(BroadsheetDb db, CancellationToken cancellationToken);

    /// <summary>Runs one per-message status update (in flight, sent), as cheaply as this database can make it durable enough.</summary>
    Task<int> MarkAsync(BroadsheetDb db, FormattableString update, CancellationToken cancellationToken);
}
