using System.Net;
using Broadsheet.Features.Posts;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Site;

/// <summary>The home page as a reader sees it, on each database.</summary>
public abstract class HomePageTests(TestProvider provider)
{
    private BroadsheetFactory App() => new(provider);

    [Fact]
    public async Task Posts_are_grouped_under_long_date_headers_in_the_site_culture()
    {
        await using var app = App();
        await app.AddPostAsync("Vigil report", publishedAt: new DateTime(2015, 10, 25, 18, 0, 0, DateTimeKind.Utc));
        await app.AddPostAsync("March announced", publishedAt: new DateTime(2015, 10, 25, 9, 0, 0, DateTimeKind.Utc));
        await app.AddPostAsync("Letter to the minister", publishedAt: new DateTime(2015, 10, 24, 9, 0, 0, DateTimeKind.Utc));

        var page = await app.CreateClient().GetDocumentAsync("/");

        var headers = page.QuerySelectorAll("h2.date-header").Select(h => h.Text()).ToList();
        Assert.Equal(["Sunday 25 October 2015", "Saturday 24 October 2015"], headers);
        var titles = page.QuerySelectorAll(".post-title a").Select(a => a.Text()).ToList();
        Assert.Equal(["Vigil report", "March announced", "Letter to the minister"], titles);
    }

    [Fact]
    public async Task Pinned_item_comes_first_and_drafts_never_show()
    {
        await using var app = App();
        await app.AddPostAsync("Our statement", publishedAt: new DateTime(2015, 1, 1, 0, 0, 0, DateTimeKind.Utc), pinned: true);
        await app.AddPostAsync("Newest news");
        await app.AddPostAsync("Unfinished draft", status: PostStatus.Draft);

        var page = await app.CreateClient().GetDocumentAsync("/");

        Assert.Equal("Our statement", page.QuerySelector(".pinned .post-title").Text());
        var titles = page.QuerySelectorAll(".post-title").Select(a => a.Text()).ToList();
        Assert.DoesNotContain("Unfinished draft", titles);
        Assert.Equal(1, titles.Count(t => t == "Our statement"));
    }

    [Fact]
    public async Task A_post_is_cut_at_its_break_with_a_continue_reading_link()
    {
        await using var app = App();
        var post = await app.AddPostAsync("Long read", body: "First paragraph.\n\n<!--more-->\n\nThe secret second half.");

        var client = app.CreateClient();
        var home = await client.GetDocumentAsync("/");
        Assert.DoesNotContain("secret second half", home.Body!.TextContent);
        var more = home.QuerySelector(".more a");
        Assert.NotNull(more);
        Assert.StartsWith(post.Permalink!, more.GetAttribute("href"));

        var full = await client.GetDocumentAsync(post.Permalink!);
        Assert.Contains("The secret second half.", full.QuerySelector(".post-body").Text());
    }

    [Fact]
    public async Task Older_posts_pages_through_everything_and_past_the_end_is_404()
    {
        await using var app = App();
        await app.UpdateSettingsAsync(s => s.PostsPerPage = 2);
        for (var i = 1; i <= 5; i++)
            await app.AddPostAsync($"Post {i}", publishedAt: new DateTime(2020, 1, i, 0, 0, 0, DateTimeKind.Utc));
        var client = app.CreateClient();

        var seen = new List<string>();
        string? next = "/";
        while (next is not null)
        {
            var page = await client.GetDocumentAsync(next);
            seen.AddRange(page.QuerySelectorAll(".post-title a").Select(a => a.Text()));
            next = page.QuerySelector("a.older")?.GetAttribute("href");
        }

        Assert.Equal(["Post 5", "Post 4", "Post 3", "Post 2", "Post 1"], seen);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/?page=4")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/?page=-1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/?page=99999999999999")).StatusCode);
    }
}

public sealed class SqliteHomePageTests() : HomePageTests(TestProvider.Sqlite);

public sealed class PostgresHomePageTests() : HomePageTests(TestProvider.Postgres);

/// <summary>
/// One process serving both databases one after the other (as the test suite does): the home page's
/// compiled queries must not keep the first database's SQL for the second.
/// </summary>
public sealed class HomePageOnBothDatabasesTests
{
    [Fact]
    public async Task The_home_page_works_on_SQLite_and_PostgreSQL_in_one_process_in_either_order()
    {
        PostgresServer.SkipUnlessAvailable();
        await using var sqlite = new BroadsheetFactory(TestProvider.Sqlite);
        await using var postgres = new BroadsheetFactory(TestProvider.Postgres);
        foreach (var app in new[] { sqlite, postgres, sqlite, postgres })
        {
            await app.AddPostAsync($"Bulletin {app.GetHashCode()}-{Guid.NewGuid():N}", tags: ["Meetings"], authors: ["Ada Byrne"]);
            var page = await app.CreateClient().GetDocumentAsync("/");
            Assert.NotEmpty(page.QuerySelectorAll(".post-summary"));
            Assert.Equal("Ada Byrne", page.QuerySelector(".post-summary .byline a[rel=author]")!.Text());
            Assert.Equal("Meetings", page.QuerySelector(".post-summary .tags a[rel=tag]")!.Text());
        }
    }
}
