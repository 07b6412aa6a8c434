using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Search;

/// <summary>
/// On start, fills an empty search index when there are posts (a site that had content before search
/// existed, or a database restored without it). Everything later is kept in step by <see cref="SearchSync"/>.
/// Off with <c>Search:IndexOnStart=false</c>.
/// </summary>
public sealed class SearchIndexCheck(IServiceScopeFactory scopes, IConfiguration configuration, ILogger<SearchIndexCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Search:IndexOnStart", true)) return;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            if (await db.Database.GetPendingMigrationsAsync(stoppingToken) is { } pending && pending.Any()) return;
            var indexed = await db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM (SELECT 1 FROM search_documents LIMIT 1) AS x").SingleAsync(stoppingToken);
            if (indexed > 0 || !await db.Posts.AnyAsync(stoppingToken)) return;
            logger.LogInformation("The search index is empty; indexing every post and page");
            var count = await scope.ServiceProvider.GetRequiredService<ISearchIndex>().RebuildAsync(null, stoppingToken);
            logger.LogInformation("Indexed {Count} records for search", count);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Search works for everything saved from now on; `broadsheet search reindex` covers the rest.
            logger.LogWarning(e, "Could not check the search index; run `broadsheet search reindex` if search misses older posts");
        }
    }
}
