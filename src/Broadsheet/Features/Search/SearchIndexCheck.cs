using System.Data;
using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Search;

/// <summary>
/// On start, in the background, indexes every record that has no search document yet: a site that had
/// content before search existed, a database restored or imported without it, or a save whose indexing
/// was cut off by a crash. It works in short batches (<c>Search:FillBatchSize</c> records, one short
/// transaction each, <c>Search:FillPause</c> between them), so the site answers and writers get their
/// turn throughout; stopped half-way, the next start carries on with what is still missing. On
/// PostgreSQL several nodes may start at once: a session advisory lock lets one node fill while the
/// others wait for it and then find nothing left to do (and writes are upserts, so an overlap would
/// be harmless anyway). Off with <c>Search:IndexOnStart=false</c>.
/// </summary>
public sealed class SearchIndexCheck(IServiceScopeFactory scopes, IConfiguration configuration, ILogger<SearchIndexCheck> logger) : BackgroundService
{
    /// <summary>The advisory lock key of the fill on PostgreSQL ("bsearch" in ASCII).</summary>
    public const long FillLockKey = 0x62_73_65_61_72_63_68;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Search:IndexOnStart", true)) return;
        // Return to the host at once: start-up does not wait for the fill.
        await Task.Yield();
        var batchSize = Math.Clamp(configuration.GetValue("Search:FillBatchSize", 500), 1, 10_000);
        var pause = configuration.GetValue("Search:FillPause", TimeSpan.FromMilliseconds(20));
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            if (await db.Database.GetPendingMigrationsAsync(stoppingToken) is { } pending && pending.Any()) return;
            await using var fillLock = await FillLock.TakeAsync(db, stoppingToken);
            var index = (SearchIndexBase)scope.ServiceProvider.GetRequiredService<ISearchIndex>();
            var count = await index.FillMissingAsync(batchSize, pause, done =>
            {
                if (done == batchSize) logger.FillStarted(batchSize);
            }, stoppingToken);
            if (count > 0) logger.Filled(count);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Search works for everything saved from now on; the next start or `broadsheet search reindex` covers the rest.
            logger.FillFailed(e);
        }
    }

    /// <summary>On PostgreSQL, a session advisory lock on a connection of its own, held for the whole fill; nothing on SQLite.</summary>
    private sealed class FillLock(IDbConnection? connection) : IAsyncDisposable
    {
        public static async Task<FillLock> TakeAsync(BroadsheetDb db, CancellationToken cancellationToken)
        {
            if (db.Provider != DatabaseProvider.Postgres) return new FillLock(null);
            var connection = new Npgsql.NpgsqlConnection(db.Database.GetConnectionString());
            try
            {
                await connection.OpenAsync(cancellationToken);
                await using var command = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock({FillLockKey})", connection);
                command.CommandTimeout = 0; // waits while another node fills
                await command.ExecuteNonQueryAsync(cancellationToken);
                return new FillLock(connection);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (connection is not Npgsql.NpgsqlConnection npgsql) return;
            try
            {
                await using var command = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_unlock({FillLockKey})", npgsql);
                await command.ExecuteNonQueryAsync();
            }
            catch (Npgsql.NpgsqlException)
            {
                // Closing the session releases it anyway.
            }
            await npgsql.DisposeAsync();
        }
    }
}

/// <summary>The log lines above, source-generated so a disabled level costs nothing (CA1848).</summary>
internal static partial class SearchIndexCheckLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Indexing the posts and pages that are missing from search, {BatchSize} at a time")]
    public static partial void FillStarted(this ILogger logger, int batchSize);

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexed {Count} records for search")]
    public static partial void Filled(this ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fill the search index; it carries on at the next start, or run `broadsheet search reindex`")]
    public static partial void FillFailed(this ILogger logger, Exception e);
}
