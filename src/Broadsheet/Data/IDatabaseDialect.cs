using Broadsheet.Features.Search;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Data;

/// <summary>
/// What differs between SQLite and PostgreSQL, behind one interface with one implementation per provider:
/// <see cref="SqliteDialect"/> in <c>Data/Sqlite/</c> and <see cref="PostgresDialect"/> in <c>Data/Postgres/</c>,
/// the only folders (with search's two index files) that hold one provider's code. <see cref="DatabaseSetup"/>
/// picks the dialect from configuration and registers it; code elsewhere asks <see cref="BroadsheetDb.Dialect"/>
/// (or the registered <see cref="IDatabaseDialect"/>) to do the thing, and never asks which provider it is on.
/// A new provider-specific concern is a new member here, implemented in both folders.
/// <para>
/// The provider folders keep the namespace <c>Broadsheet.Data</c>: the generated migrations and compiled models
/// name the context types (and SQLite's <see cref="UtcDateTimeConverter"/>) from there.
/// </para>
/// </summary>
public interface IDatabaseDialect
{
    /// <summary>Which engine this is, for the few callers that still branch on it rather than ask the dialect.</summary>
    DatabaseProvider Provider { get; }

    /// <summary>Registers this provider's context (pooled, and as a factory) for <paramref name="connectionString"/>.</summary>
    void AddContexts(IServiceCollection services, string connectionString);

    /// <summary>EF options for this provider: migrations history table, collection parameters, interceptors, compiled model.</summary>
    void Configure(DbContextOptionsBuilder options, string connectionString, bool compiledModel = true);

    /// <summary>The database as a message names it to an operator ("the PostgreSQL database x at host:port"); never the password.</summary>
    string Describe(string connectionString);

    /// <summary>
    /// Why <paramref name="failure"/> means the database cannot be reached (yet): a refused or timed-out connection,
    /// a server still starting, a database not created yet, a file that cannot be opened. Null for any other error,
    /// which waiting would not mend.
    /// </summary>
    string? Unreachable(Exception failure);

    /// <summary>
    /// Takes the lock named <paramref name="key"/>, waiting while another process holds it, and holds it until
    /// disposed: on PostgreSQL a session advisory lock on a connection of its own (so it spans transactions and
    /// is freed if the process dies); on SQLite, whose file has one writer anyway, a lock within this process.
    /// Opening that connection is the first contact with the database, so it throws what <see cref="Unreachable"/> reads.
    /// </summary>
    Task<IAsyncDisposable> LockAsync(BroadsheetDb db, long key, CancellationToken cancellationToken);

    /// <summary>
    /// Whether another connection can write while a transaction holds uncommitted writes: on PostgreSQL yes (it
    /// locks rows); on SQLite no (one writer per file: the second waits until the first commits).
    /// </summary>
    bool WritesBesideATransaction { get; }

    /// <summary>
    /// Writes the rest of <paramref name="content"/> into the binary column <paramref name="column"/> of the row whose
    /// integer key <paramref name="idColumn"/> is <paramref name="id"/>, in the context's current transaction, a block
    /// at a time rather than as one array. The stream must be seekable: its length is the value's size. SQLite fills a
    /// <c>zeroblob</c> through its incremental blob I/O, which opens the row by its rowid, so the key must be the
    /// table's INTEGER PRIMARY KEY; Npgsql sends a stream parameter of known length as bytea without buffering it.
    /// </summary>
    Task WriteBlobAsync(BroadsheetDb db, string table, string idColumn, string column, long id, Stream content, CancellationToken cancellationToken);

    /// <summary>
    /// Tells every node that work was queued (<see cref="WorkQueue.WorkQueue.EnqueueAsync{T}"/>). PostgreSQL: a NOTIFY
    /// through <paramref name="db"/>, so inside its transaction it is delivered when that commits, and never if it rolls
    /// back. SQLite: nothing (one process, whose runner the queue wakes itself).
    /// </summary>
    Task NotifyWorkQueuedAsync(BroadsheetDb db, CancellationToken cancellationToken);

    /// <summary>
    /// Calls <paramref name="notified"/> whenever a node notifies (<see cref="NotifyWorkQueuedAsync"/>), and once when
    /// it starts listening, on a connection of its own to <paramref name="connectionString"/>, until cancelled; it throws
    /// when that connection fails (the caller listens again). False at once where there is nothing to listen to (SQLite).
    /// </summary>
    Task<bool> ListenForWorkAsync(Func<string> connectionString, Action notified, CancellationToken cancellationToken);

    /// <summary>The search index of this provider over <paramref name="db"/>.</summary>
    ISearchIndex SearchIndex(BroadsheetDb db, TimeProvider clock, int rankingWindow);

    /// <summary>
    /// After rows were inserted with their ids given (a restore keeps the ids mailed links carry), makes the table's next
    /// generated id follow the largest. SQLite does so by itself; PostgreSQL's identity sequence must be moved.
    /// </summary>
    Task AfterExplicitIdsAsync(BroadsheetDb db, string table, CancellationToken cancellationToken);
}

/// <summary>The keys of the locks taken through <see cref="IDatabaseDialect.LockAsync"/>, in one list so that two never collide.</summary>
public static class DatabaseLocks
{
    /// <summary>First-start work: migrations, the singleton rows and the demo site ("bstart" in ASCII).</summary>
    public const long FirstStart = 0x62_73_74_61_72_74;

    /// <summary>
    /// The search fill at start ("bsearch" in ASCII), one node at a time. Its own key, not <see cref="FirstStart"/>'s:
    /// a fill of a restored site can run for minutes, and a node starting meanwhile must not wait for it to serve.
    /// </summary>
    public const long SearchFill = 0x62_73_65_61_72_63_68;
}
