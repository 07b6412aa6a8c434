using System.Collections.Concurrent;
using Broadsheet.Features.Search;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Data;

/// <summary>SQLite's side of <see cref="IDatabaseDialect"/>: one file, one writer at a time, WAL for readers.</summary>
public sealed class SqliteDialect : IDatabaseDialect
{
    public static readonly SqliteDialect Instance = new();

    /// <summary>SQLite's SQLITE_CANTOPEN: the file or its folder is missing or not ours (yet), as with a volume not mounted.</summary>
    private const int CannotOpen = 14;

    private static readonly ConcurrentDictionary<(string File, long Key), SemaphoreSlim> Locks = new();

    private SqliteDialect() { }

    public DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public void AddContexts(IServiceCollection services, string connectionString)
    {
        DatabaseSetup.AddContexts<SqliteBroadsheetDb>(services, o => Configure(o, connectionString));
        services.AddSingleton<WorkQueue.IWorkQueueClaim, Sqlite.SqliteWorkQueueClaim>();
        services.AddSingleton<Email.IDeliveryClaim, Sqlite.SqliteDeliveryClaim>();
    }

    // Collections in queries (ids.Contains(p.Id)) go to SQLite as one json_each parameter: see DatabaseSetup.AddContexts.
    public void Configure(DbContextOptionsBuilder options, string connectionString, bool compiledModel = true)
    {
        options.UseSqlite(connectionString, sqlite => sqlite.MigrationsHistoryTable(DatabaseSetup.MigrationsHistoryTable)
                .UseParameterizedCollectionMode(ParameterTranslationMode.Parameter))
            .AddInterceptors(SqlitePragmas.Instance, SqliteIndexHints.Instance);
        if (compiledModel) options.UseModel(CompiledModels.Sqlite.SqliteBroadsheetDbModel.Instance);
    }

    public string Describe(string connectionString) => $"the SQLite database {FileOf(connectionString)}";

    public string? Unreachable(Exception failure) => failure switch
    {
        SqliteException { SqliteErrorCode: CannotOpen } sqlite => sqlite.Message,
        DirectoryNotFoundException missing => missing.Message,
        _ => null,
    };

    /// <summary>Nothing to do: an explicit id larger than the table's sequence moves it (AUTOINCREMENT's rule).</summary>
    public Task AfterExplicitIdsAsync(BroadsheetDb db, string table, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<IAsyncDisposable> LockAsync(BroadsheetDb db, long key, CancellationToken cancellationToken)
    {
        var connectionString = db.Database.GetConnectionString()!;
        var file = FileOf(connectionString);
        await CheckReachableAsync(connectionString, file, cancellationToken);
        var gate = Locks.GetOrAdd((file, key), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        return new Held(gate);
    }

    /// <summary>
    /// The first contact, as connecting is on PostgreSQL: an existing file must open, a new one needs its folder.
    /// Nothing is created here: EF's migrator tells a new database by its missing file, and an empty file made
    /// early would be taken for an existing one (opened read-only, where switching it to WAL fails).
    /// </summary>
    private static async Task CheckReachableAsync(string connectionString, string file, CancellationToken cancellationToken)
    {
        if (file == InMemory) return;
        if (!File.Exists(file))
        {
            if (!Directory.Exists(Path.GetDirectoryName(file))) throw new DirectoryNotFoundException($"its folder {Path.GetDirectoryName(file)} does not exist");
            return;
        }
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWrite }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
    }

    public bool WritesBesideATransaction => false;

    public async Task WriteBlobAsync(BroadsheetDb db, string table, string idColumn, string column, long id, Stream content, CancellationToken cancellationToken)
    {
        await using (var command = DbCommands.Create(db, $"UPDATE \"{table}\" SET \"{column}\" = zeroblob(@length) WHERE \"{idColumn}\" = @id")
                         .With("@length", content.Length - content.Position).With("@id", id))
            await command.ExecuteNonQueryAsync(cancellationToken);
        await using var blob = new SqliteBlob((SqliteConnection)db.Database.GetDbConnection(), table, column, id);
        await content.CopyToAsync(blob, cancellationToken);
    }

    public Task NotifyWorkQueuedAsync(BroadsheetDb db, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<bool> ListenForWorkAsync(Func<string> connectionString, Action notified, CancellationToken cancellationToken) => Task.FromResult(false);

    public ISearchIndex SearchIndex(BroadsheetDb db, TimeProvider clock, int rankingWindow) => new SqliteSearchIndex(db, clock, rankingWindow);

    private const string InMemory = ":memory:";

    private static string FileOf(string connectionString) =>
        new SqliteConnectionStringBuilder(connectionString).DataSource is { Length: > 0 } file && file != InMemory ? Path.GetFullPath(file) : InMemory;

    private sealed class Held(SemaphoreSlim gate) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            gate.Release();
            return ValueTask.CompletedTask;
        }
    }
}
