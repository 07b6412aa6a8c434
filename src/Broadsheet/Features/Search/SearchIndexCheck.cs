using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Search;

/// <summary>
/// On start, in the background, indexes every record that has no search document yet: a site that had
/// content before search existed, a database restored or imported without it, or a save whose indexing
/// was cut off by a crash. It works in short batches (<c>Search:FillBatchSize</c> records, one short
/// transaction each, <c>Search:FillPause</c> between them), so the site answers and writers get their
/// turn throughout; stopped half-way, the next start carries on with what is still missing. Several
/// nodes may start at once: the fill lock (<see cref="DatabaseLocks.SearchFill"/>, taken like the
/// first-start lock through <see cref="IDatabaseDialect.LockAsync"/>) lets one node fill while the
/// others wait for it and then find nothing left to do (and writes are upserts, so an overlap would
/// be harmless anyway). Off with <c>Search:IndexOnStart=false</c>.
/// </summary>
public sealed class SearchIndexCheck(IServiceScopeFactory scopes, IConfiguration configuration, ILogger<SearchIndexCheck> logger) : BackgroundService
{
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
            await using var fillLock = await db.Dialect.LockAsync(db, DatabaseLocks.SearchFill, stoppingToken);
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
