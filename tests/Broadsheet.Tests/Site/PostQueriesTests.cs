using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Site;

/// <summary>"Visible now" has one definition: the database's answer and the in-memory one agree, and the status shown follows it.</summary>
public abstract class PostQueriesTests(TestProvider provider)
{
    [Fact]
    public async Task The_database_and_a_post_in_hand_agree_on_what_is_visible_and_its_status()
    {
        await using var app = new BroadsheetFactory(provider);
        var now = app.Clock.GetUtcNow().UtcDateTime;
        await app.AddPostAsync("Published", publishedAt: now.AddDays(-1));
        await app.AddPostAsync("Draft", status: PostStatus.Draft);
        await app.AddPostAsync("Scheduled, due in an hour", status: PostStatus.Scheduled, publishedAt: now.AddHours(1));
        await app.AddPostAsync("Scheduled, due in two days", status: PostStatus.Scheduled, publishedAt: now.AddDays(2));
        app.Clock.Advance(TimeSpan.FromHours(2)); // the first scheduled post is now due, though its row still says Scheduled
        var later = app.Clock.GetUtcNow().UtcDateTime;

        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var all = await db.Posts.AsNoTracking().ToListAsync();
        var visible = await db.Posts.Visible(later).Select(p => p.Title).ToListAsync();

        Assert.Equal(["Published", "Scheduled, due in an hour"], visible.Order(StringComparer.Ordinal));
        Assert.Equal(visible.Order(StringComparer.Ordinal), all.Where(p => p.IsVisible(later)).Select(p => p.Title).Order(StringComparer.Ordinal));
        Assert.Equal(PostStatus.Scheduled, all.Single(p => p.Title == "Scheduled, due in an hour").Status);
        Assert.Equal(
            ["Draft: Draft", "Published: Published", "Scheduled, due in an hour: Published", "Scheduled, due in two days: Scheduled"],
            all.Select(p => $"{p.Title}: {p.StatusAsOf(later)}").Order(StringComparer.Ordinal));
        Assert.Equal(["Scheduled, due in two days"], await db.Posts.Upcoming(later).Select(p => p.Title).ToListAsync());
    }

    [Fact]
    public async Task The_time_is_a_query_parameter_so_one_plan_serves_every_moment()
    {
        await using var app = new BroadsheetFactory(provider);
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var now = new DateTime(2026, 3, 14, 12, 34, 56, DateTimeKind.Utc);

        // Inside a navigation too, as the tag lists use it.
        var sql = db.Tags.Where(t => t.Posts.AsQueryable().Any(PostQueries.VisibleAt(now))).ToQueryString();

        // The parameter's declaration (SQLite's ".param set", PostgreSQL's "-- @p='…'") carries the time; the statement must not.
        var statement = string.Join('\n', sql.Split('\n').Where(l => !l.StartsWith(".param", StringComparison.Ordinal) && !l.StartsWith("-- ", StringComparison.Ordinal)));
        Assert.Contains("PublishedAt", statement);
        Assert.DoesNotContain("12:34:56", statement);
        Assert.Contains("12:34:56", sql);
    }
}

public sealed class SqlitePostQueriesTests() : PostQueriesTests(TestProvider.Sqlite);

public sealed class PostgresPostQueriesTests() : PostQueriesTests(TestProvider.Postgres);
