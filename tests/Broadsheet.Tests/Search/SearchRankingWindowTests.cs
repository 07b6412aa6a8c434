using System.Net;
using AngleSharp.Dom;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Search;
using Broadsheet.Tests.Api;
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
