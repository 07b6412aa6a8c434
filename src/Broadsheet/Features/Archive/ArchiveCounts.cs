using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Archive;

public sealed record MonthCount(int Month, int Count);
public sealed record YearCount(int Year, int Count, IReadOnlyList<MonthCount> Months);
public sealed record ArchiveTree(IReadOnlyList<YearCount> Years);

/// <summary>
/// Published posts per year and month (Blogger's archive widget), shown in every page's sidebar.
/// One GROUP BY over the archive-month index, kept in memory until content changes or, because a
/// scheduled post changes the counts when its time comes, until that time.
/// </summary>
public sealed class ArchiveCounts
{
    private readonly IServiceScopeFactory scopes;
    private readonly TimeProvider clock;
    private volatile Cached? cached;

    private sealed record Cached(ArchiveTree Tree, DateTime ValidUntilUtc);

    public ArchiveCounts(IServiceScopeFactory scopes, TimeProvider clock, ContentChanges changes)
    {
        this.scopes = scopes;
        this.clock = clock;
        changes.Evicted += () => cached = null;
    }

    public async ValueTask<ArchiveTree> GetAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (cached is { } hit && hit.ValidUntilUtc > now) return hit.Tree;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var counts = await CountsQuery(db, now).ToListAsync(cancellationToken);
        var nextScheduled = await db.Posts.Upcoming(now)
            .MinAsync(p => p.PublishedAt, cancellationToken);
        var tree = new ArchiveTree([.. counts.Where(c => c.Month is not null)
            .GroupBy(c => c.Month!.Value / 100)
            .OrderByDescending(y => y.Key)
            .Select(y => new YearCount(y.Key, y.Sum(m => m.Count),
                [.. y.OrderByDescending(m => m.Month).Select(m => new MonthCount(m.Month!.Value % 100, m.Count))]))]);
        cached = new Cached(tree, nextScheduled ?? now.AddMinutes(10));
        return tree;
    }

    /// <summary>Visible posts per archive month, read from the narrow archive-counts index alone.</summary>
    internal static IQueryable<MonthTotal> CountsQuery(BroadsheetDb db, DateTime nowUtc) =>
        db.VisiblePosts(nowUtc)
            .UsingIndex("Posts", PostConfiguration.ArchiveCountsIndex)
            .GroupBy(p => p.ArchiveMonth)
            .Select(g => new MonthTotal(g.Key, g.Count()));

    internal sealed record MonthTotal(int? Month, int Count);
}
