using System.Data.Common;
using Broadsheet.Data;
using Broadsheet.Features.Archive;
using Broadsheet.Features.Posts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Database;

/// <summary>
/// SQLite has no statistics here, so it picks indexes by rule of thumb. These pin the two plans that
/// matter on a big site (measured on 100,000 posts): the archive counts read a narrow index end to end
/// (a whole-table read took ~1.6 s), and the home page's newest posts never go through that index
/// (when they did, each uncached home page took 2.4 s instead of 4 ms).
/// </summary>
public sealed class SqliteQueryPlanTests
{
    [Fact]
    public async Task The_archive_counts_read_only_their_covering_index()
    {
        await using var app = new BroadsheetFactory();
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();

        var plan = await PlanAsync(db, ArchiveCounts.CountsQuery(db, DateTime.UtcNow));

        Assert.Contains($"USING COVERING INDEX {PostConfiguration.ArchiveCountsIndex}", plan);
        Assert.DoesNotContain("TEMP B-TREE FOR GROUP BY", plan);
    }

    [Fact]
    public async Task The_newest_posts_keep_their_own_index_and_never_take_the_archive_one()
    {
        await using var app = new BroadsheetFactory();
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        int[] pinned = [1, 2];

        var plan = await PlanAsync(db, db.VisiblePosts(DateTime.UtcNow).Where(p => !pinned.Contains(p.Id)).NewestFirst().Take(21));

        Assert.Contains("USING INDEX IX_Posts_Kind_Status_PublishedAt ", plan);
        Assert.DoesNotContain(PostConfiguration.ArchiveCountsIndex, plan);
    }

    [Fact]
    public async Task The_archive_counts_answer_through_the_hint_with_the_right_numbers()
    {
        await using var app = new BroadsheetFactory();
        await app.AddPostAsync("A march in May", publishedAt: new DateTime(2015, 5, 3, 10, 0, 0, DateTimeKind.Utc));
        await app.AddPostAsync("A vigil in May", publishedAt: new DateTime(2015, 5, 20, 10, 0, 0, DateTimeKind.Utc));
        await app.AddPostAsync("A draft from May", publishedAt: new DateTime(2015, 5, 21, 10, 0, 0, DateTimeKind.Utc), status: PostStatus.Draft);
        await app.AddPostAsync("A page from May", publishedAt: new DateTime(2015, 5, 22, 10, 0, 0, DateTimeKind.Utc), kind: PostKind.Page);
        await app.AddPostAsync("A meeting in October", publishedAt: new DateTime(2015, 10, 25, 10, 0, 0, DateTimeKind.Utc));
        await using var scope = app.Scope();

        var tree = await scope.ServiceProvider.GetRequiredService<ArchiveCounts>().GetAsync();

        var year = Assert.Single(tree.Years, y => y.Year == 2015);
        Assert.Equal(3, year.Count);
        Assert.Equal([new MonthCount(10, 1), new MonthCount(5, 2)], year.Months);
    }

    /// <summary>The plan of the query as it runs, the index-hint interceptor applied.</summary>
    private static async Task<string> PlanAsync<T>(BroadsheetDb db, IQueryable<T> query)
    {
        await using DbCommand command = query.CreateDbCommand();
        SqliteIndexHints.Apply(command);
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        await db.Database.OpenConnectionAsync();
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(3));
        var plan = string.Join("\n", lines);
        TestContext.Current.TestOutputHelper?.WriteLine(plan);
        return plan;
    }
}
