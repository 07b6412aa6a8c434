using System.Net;
using AngleSharp.Dom;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Search;
using Broadsheet.Tests.Api;
using Broadsheet.Tests.Import;
using Broadsheet.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Search;

/// <summary>
/// The ranking window (<c>Search:RankingWindow</c>): a search that matches more records than it ranks
/// ranks the most recently added ones, says so, and filters reach the others. Five posts and a window of
/// three stand in for tens of thousands of posts and a window of a thousand.
/// </summary>
public abstract class SearchRankingWindowTests(TestProvider provider)
{
    private static readonly DateTime Year2019 = new(2019, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    private BroadsheetFactory App(int window) =>
        new BroadsheetFactory(provider).With("Search:IndexOnStart", "false").With("Search:RankingWindow", window.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// The first post added is the best match by far (the word in its title), and the oldest; four
    /// later posts mention the word once in a long body.
    /// </summary>
    private static async Task AddLanternPostsAsync(BroadsheetFactory app)
    {
        await app.AddPostAsync("Lantern parade", "The lantern parade went round the park.", publishedAt: Year2019);
        var now = app.Clock.GetUtcNow().UtcDateTime;
        for (var i = 1; i <= 4; i++)
            await app.AddPostAsync($"Weekly notes {i}", $"Meeting notes, week {i}. Among much other business a lantern was mentioned, with the accounts, the rota and the newsletter.", publishedAt: now.AddDays(-10 + i));
    }

    private static List<string> Titles(IDocument page) =>
        [.. page.QuerySelectorAll(".search-result .result-title").Select(t => t.Text())];

    [Fact]
    public async Task A_search_matching_more_than_the_window_ranks_the_newest_and_says_so()
    {
        await using var app = App(window: 3);
        await AddLanternPostsAsync(app);
        var client = app.CreateClient();

        var page = await client.GetDocumentAsync("/search?q=lantern");

        // The three most recently added of the five matches; the oldest (the best match) is outside the window.
        Assert.Equal(["Weekly notes 2", "Weekly notes 3", "Weekly notes 4"], Titles(page).Order());
        var note = page.QuerySelector(".search-window")?.Text() ?? "";
        Assert.Contains("More than 3 records match", note);
        Assert.Contains("choose a year", note);

        // A year narrows the matches before the window counts them: the old post is found, and ranked first.
        var inYear = await client.GetDocumentAsync("/search?q=lantern&year=2019");
        Assert.Equal(["Lantern parade"], Titles(inYear));
        Assert.Null(inYear.QuerySelector(".search-window"));
    }

    [Fact]
    public async Task A_search_within_the_window_ranks_every_match_and_adds_no_note()
    {
        await using var app = App(window: 5);
        await AddLanternPostsAsync(app);

        var page = await app.CreateClient().GetDocumentAsync("/search?q=lantern");

        var titles = Titles(page);
        Assert.Equal(5, titles.Count);
        Assert.Equal("Lantern parade", titles[0]);
        Assert.Null(page.QuerySelector(".search-window"));
    }

    [Fact]
    public async Task A_window_of_zero_ranks_every_match()
    {
        await using var app = App(window: 0);
        await AddLanternPostsAsync(app);

        await using var scope = app.Scope();
        var results = await scope.ServiceProvider.GetRequiredService<ISearchIndex>().SearchAsync(new SearchRequest(SearchQuery.Parse("lantern")));

        Assert.Equal(5, results.Hits.Count);
        Assert.Equal("Lantern parade", results.Hits[0].Title);
        Assert.Null(results.RankedNewest);
    }

    [Fact]
    public async Task An_import_listed_newest_first_has_its_newest_posts_ranked()
    {
        // Blogger exports list the newest post first. Bulletin 1 (the oldest) is the best match by far.
        await using var app = App(window: 3);
        var entries = string.Concat(Enumerable.Range(1, 6).Reverse().Select(i => $"""
              <entry>
                <id>tag:blogger.com,1999:blog-4242.post-{i}</id>
                <published>2014-0{i}-10T12:00:00.000Z</published>
                <updated>2014-0{i}-10T12:00:00.000Z</updated>
                <category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#post'/>
                <title type='text'>{(i == 1 ? "Lantern lantern lantern" : $"Bulletin {i}")}</title>
                <content type='html'>Bulletin {i}: the rota, the accounts and, once, the lantern.</content>
                <link rel='alternate' type='text/html' href='https://lanterns.blogspot.com/2014/0{i}/bulletin-{i}.html' title='Bulletin {i}'/>
                <author><name>Mara Lind</name></author>
              </entry>
            """));
        var feed = $"""
            <?xml version='1.0' encoding='UTF-8'?>
            <feed xmlns='http://www.w3.org/2005/Atom'>
              <id>tag:blogger.com,1999:blog-4242</id>
              <title type='text'>Lantern committee</title>
              <generator version='7.00' uri='https://www.blogger.com'>Blogger</generator>
            {entries}
            </feed>
            """;
        await app.ImportAsync(Broadsheet.Features.Import.ImportFormat.Blogger, feed);

        var page = await app.CreateClient().GetDocumentAsync("/search?q=lantern");

        Assert.Equal(["Bulletin 4", "Bulletin 5", "Bulletin 6"], Titles(page).Order());
        Assert.Contains("More than 3 records match", page.QuerySelector(".search-window")?.Text() ?? "");
    }

    [Fact]
    public async Task A_reindex_ranks_the_newest_by_date_whatever_order_the_posts_were_written_in()
    {
        await using var app = App(window: 3);
        // Written newest first, as someone typing in an old archive might.
        for (var i = 6; i >= 1; i--)
            await app.AddPostAsync($"Bulletin {i}", $"Bulletin {i}: the rota, the accounts and, once, the lantern.", publishedAt: new DateTime(2014, i, 10, 12, 0, 0, DateTimeKind.Utc));
        var client = app.CreateClient();
        // Written one at a time, the window holds the posts most recently added: here the oldest.
        Assert.Equal(["Bulletin 1", "Bulletin 2", "Bulletin 3"], Titles(await client.GetDocumentAsync("/search?q=lantern")).Order());

        await using (var scope = app.Scope())
            Assert.Equal(6, await scope.ServiceProvider.GetRequiredService<ISearchIndex>().RebuildAsync());

        Assert.Equal(["Bulletin 4", "Bulletin 5", "Bulletin 6"], Titles(await client.GetDocumentAsync("/search?q=lantern")).Order());
    }

    [Fact]
    public async Task A_phrase_is_windowed_over_its_own_matches()
    {
        await using var app = App(window: 2);
        await AddLanternPostsAsync(app);
        await app.AddPostAsync("Parade route", "Lantern makers met; the parade route was agreed.");

        await using var scope = app.Scope();
        var index = scope.ServiceProvider.GetRequiredService<ISearchIndex>();
        // One record holds the phrase: fewer than the window, so there is no note.
        var phrase = await index.SearchAsync(new SearchRequest(SearchQuery.Parse("\"lantern parade\"")));
        Assert.Equal(["Lantern parade"], phrase.Hits.Select(h => h.Title));
        Assert.Null(phrase.RankedNewest);
        // The two words apart match six records: more than the window.
        var words = await index.SearchAsync(new SearchRequest(SearchQuery.Parse("lantern")));
        Assert.Equal(2, words.RankedNewest);
        Assert.Equal(["Parade route", "Weekly notes 4"], words.Hits.Select(h => h.Title).Order());
    }

    [Fact]
    public async Task The_admin_search_and_its_api_report_the_window()
    {
        await using var app = App(window: 3);
        await AddLanternPostsAsync(app);
        var editor = await app.SignedInAsync(Roles.Editor);

        var (_, page) = await editor.GetPageAsync("/admin/search?q=lantern");
        Assert.Contains("More than 3 records match", page.QuerySelector(".search-window")?.Text());
        Assert.Equal(3, page.QuerySelectorAll(".search-result").Length);

        var api = await app.ApiClientAsync();
        var json = await (await api.GetAsync("/api/admin/search?q=lantern")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(3, (int)json["rankedNewest"]!);
        Assert.Equal(3, json["items"]!.AsArray().Count);
        var narrow = await (await api.GetAsync("/api/admin/search?q=parade")).JsonAsync(HttpStatusCode.OK);
        Assert.Null(narrow["rankedNewest"]);
    }
}

public sealed class SqliteSearchRankingWindowTests() : SearchRankingWindowTests(TestProvider.Sqlite);

public sealed class PostgresSearchRankingWindowTests() : SearchRankingWindowTests(TestProvider.Postgres);
