using System.Diagnostics;
using Broadsheet.Data;

namespace Broadsheet.Features.Search;

/// <summary>
/// Every <c>Search:TidyEvery</c> (default ten minutes; zero turns it off), merges the SQLite search
/// index's pieces into one once writes have left <c>Search:TidyAtSegments</c> (default 4) or more (see
/// <see cref="SqliteSearchIndex"/>'s TidyCoreAsync). On 50,000 posts the search bench's p95 was 10.1 ms
/// with the 15 pieces many separate writes had left, and 4.9–6.4 ms after the merge. The merge holds the
/// database's write lock while it runs (2.5 s for 50,000 posts; writers wait, readers do not), so it
/// waits for a few pieces, and runs at most once a round: a site adding a post at a time gets there
/// after a handful of saves. PostgreSQL's GIN index needs nothing of the kind (autovacuum tidies it),
/// so there this does nothing.
/// </summary>
public sealed class SearchIndexUpkeep(IServiceScopeFactory scopes, IConfiguration configuration, TimeProvider clock, ILogger<SearchIndexUpkeep> logger) : NodeLoop(clock, logger)
{
    private readonly TimeSpan every = configuration.GetValue("Search:TidyEvery", TimeSpan.FromMinutes(10));
    private readonly int atSegments = configuration.GetValue("Search:TidyAtSegments", 4);

    // Searches work on an untidy index, only slower; a failed round is tried again later.
    protected override string What => "tidy the search index";
    protected override TimeSpan Interval => every;
    protected override TimeSpan MaxBackoff => TimeSpan.FromHours(1);
    protected override bool RunAtStart => false;

    protected override async Task<bool> RunOnceAsync(CancellationToken stoppingToken)
    {
        if (every <= TimeSpan.Zero) return false;
        await using var scope = scopes.CreateAsyncScope();
        var index = (SearchIndexBase)scope.ServiceProvider.GetRequiredService<ISearchIndex>();
        var watch = Stopwatch.StartNew();
        if (await index.TidyAsync(atSegments, stoppingToken) is { } pieces)
            Logger.Merged(pieces, watch.Elapsed.TotalSeconds);
        return true;
    }
}

/// <summary>The log lines above, source-generated so a disabled level costs nothing (CA1848).</summary>
internal static partial class SearchIndexUpkeepLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Merged the search index's {Pieces} pieces into one in {Seconds:0.0} s")]
    public static partial void Merged(this ILogger logger, int pieces, double seconds);
}
