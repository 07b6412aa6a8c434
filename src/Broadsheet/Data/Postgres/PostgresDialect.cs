using System.Net.Sockets;
using Broadsheet.Features.Search;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Broadsheet.Data;

/// <summary>PostgreSQL's side of <see cref="IDatabaseDialect"/>: a server that several nodes share.</summary>
public sealed class PostgresDialect : IDatabaseDialect
{
    public static readonly PostgresDialect Instance = new();

    private PostgresDialect() { }

    public DatabaseProvider Provider => DatabaseProvider.Postgres;

    public void AddContexts(IServiceCollection services, string connectionString)
    {
        DatabaseSetup.AddContexts<PostgresBroadsheetDb>(services, o => Configure(o, connectionString));
        services.AddSingleton<WorkQueue.IWorkQueueClaim, Postgres.PostgresWorkQueueClaim>();
        services.AddSingleton<Email.IDeliveryClaim, Postgres.PostgresDeliveryClaim>();
    }

    // Collections in queries (ids.Contains(p.Id)) go to PostgreSQL as one array parameter (= ANY): see DatabaseSetup.AddContexts.
    public void Configure(DbContextOptionsBuilder options, string connectionString, bool compiledModel = true)
    {
        options.UseNpgsql(connectionString, pg => pg.MigrationsHistoryTable(DatabaseSetup.MigrationsHistoryTable)
            .UseParameterizedCollectionMode(ParameterTranslationMode.Parameter));
        if (compiledModel) options.UseModel(CompiledModels.Postgres.PostgresBroadsheetDbModel.Instance);
    }

    public string Describe(string connectionString)
    {
        var where = new NpgsqlConnectionStringBuilder(connectionString);
        return $"the PostgreSQL database {where.Database} at {where.Host}:{where.Port}";
    }

    public string? Unreachable(Exception failure) => failure switch
    {
        // Not created yet, still starting or shutting down, or full: a container's database gets there.
        PostgresException { SqlState: "3D000" or "57P03" or "53300" } pg => pg.MessageText,
        PostgresException => null,
        // Refused, reset or timed out on the way to the server ("Failed to connect to …" around the socket's reason).
        NpgsqlException { IsTransient: true } npgsql => npgsql.InnerException?.Message ?? npgsql.Message,
        SocketException or TimeoutException => failure.Message,
        _ => null,
    };

    public async Task AfterExplicitIdsAsync(BroadsheetDb db, string table, CancellationToken cancellationToken)
    {
        // The table name comes from the EF model, never from input; it cannot be a parameter.
        var quoted = "\"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        var sql = $"SELECT setval(pg_get_serial_sequence('{quoted.Replace("'", "''", StringComparison.Ordinal)}', 'Id'), COALESCE(MAX(\"Id\"), 0) + 1, false) FROM {quoted}";
        await db.Database.ExecuteSqlRawAsync(sql, cancellationToken);
    }

    public async Task<IAsyncDisposable> LockAsync(BroadsheetDb db, long key, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(db.Database.GetConnectionString());
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", key);
            command.CommandTimeout = 0; // waits as long as another node holds it
            await command.ExecuteNonQueryAsync(cancellationToken);
            return new AdvisoryLock(connection, key);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public bool WritesBesideATransaction => true;

    public async Task WriteBlobAsync(BroadsheetDb db, string table, string idColumn, string column, long id, Stream content, CancellationToken cancellationToken)
    {
        await using var command = DbCommands.Create(db, $"UPDATE \"{table}\" SET \"{column}\" = @content WHERE \"{idColumn}\" = @id")
            .With("@content", content).With("@id", id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The channel of <see cref="NotifyWorkQueuedAsync"/>; channels are per database, so sites on one server do not hear each other.</summary>
    private const string WorkChannel = "broadsheet_work";

    public async Task NotifyWorkQueuedAsync(BroadsheetDb db, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlRawAsync($"NOTIFY {WorkChannel}", cancellationToken);

    public async Task<bool> ListenForWorkAsync(Func<string> connectionString, Action notified, CancellationToken cancellationToken)
    {
        // Not pooled: the session is the subscription. The keepalive notices a server that went away without a word.
        var where = new NpgsqlConnectionStringBuilder(connectionString()) { Pooling = false, KeepAlive = 30 };
        await using var connection = new NpgsqlConnection(where.ConnectionString);
        connection.Notification += (_, _) => notified();
        await connection.OpenAsync(cancellationToken);
        await using (var listen = new NpgsqlCommand($"LISTEN {WorkChannel}", connection))
            await listen.ExecuteNonQueryAsync(cancellationToken);
        // Whatever was queued while this node was not listening (starting, or reconnecting) is due now too.
        notified();
        while (true) await connection.WaitAsync(cancellationToken);
    }

    public ISearchIndex SearchIndex(BroadsheetDb db, TimeProvider clock, int rankingWindow) => new PostgresSearchIndex(db, clock, rankingWindow);

    /// <summary>A session advisory lock and the connection that holds it; a process that dies frees it with its session.</summary>
    private sealed class AdvisoryLock(NpgsqlConnection connection, long key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
                command.Parameters.AddWithValue("key", key);
                await command.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException)
            {
                // Closing the session releases it anyway.
            }
            await connection.DisposeAsync();
        }
    }
}
