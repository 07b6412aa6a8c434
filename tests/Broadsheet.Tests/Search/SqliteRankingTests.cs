using System.Globalization;
using System.Net;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Search;
using Broadsheet.Tests.Api;
using Broadsheet.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Search;

/// <summary>
/// <c>broadsheet_rank</c> (Features/Search/SqliteRanking.cs) is FTS5's bm25 with document counts taken
/// from the vocabulary: these tests put the two side by side on the same rows of a real index.
/// </summary>
public sealed class SqliteRankingTests
{
    private static async Task<BroadsheetFactory> SiteAsync()
    {
        var app = new BroadsheetFactory(TestProvider.Sqlite).With("Search:IndexOnStart", "false");
        var now = app.Clock.GetUtcNow().UtcDateTime;
        // "parade" only ever follows "lantern", so the phrase "lantern parade" is in exactly as many posts as its rarer word.
        string[] bodies =
        [
            "The lantern parade went round the park twice.",
            "A lantern parade, a lantern workshop and a lantern sale: lanterns everywhere.",
            "Lantern makers met in the park.",
            "The park keeper locked the gates early.",
            "Notes on the lantern fund, the park, the rota and the newsletter, with much else besides that ran long.",
            "Lanterns were lit along the river path for the lantern parade.",
            "The newsletter went out late this week.",
            "Park benches were repainted by volunteers in the spring.",
        ];
        for (var i = 0; i < bodies.Length; i++)
            await app.AddPostAsync($"Post {i}", bodies[i], publishedAt: now.AddDays(-20 + i), tags: i % 3 == 0 ? ["Park life"] : null);
        await app.AddPostAsync("Lantern parade", "Pictures from the evening.", publishedAt: now.AddDays(-1));
        return app;
    }

    private static async Task<List<(long Id, double Bm25, double Rank)>> ScoresAsync(BroadsheetFactory app, string match, long prefixMask = 0)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        await db.Database.OpenConnectionAsync();
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        Assert.True(SqliteRanking.IsRegistered(connection), "the ranking function is registered on the app's connections");
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT rowid, bm25(search_fts, 10.0, 1.0, 4.0, 4.0), {SqliteRanking.FunctionName}(search_fts, @prefixes, 10.0, 1.0, 4.0, 4.0)
            FROM search_fts WHERE search_fts MATCH @match
            """;
        command.Parameters.AddWithValue("@match", match);
        command.Parameters.AddWithValue("@prefixes", prefixMask);
        var rows = new List<(long, double, double)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt64(0), reader.GetDouble(1), reader.GetDouble(2)));
        return rows;
    }

    private static void AssertSameScores(List<(long Id, double Bm25, double Rank)> rows)
    {
        Assert.NotEmpty(rows);
        foreach (var row in rows)
            Assert.True(Math.Abs(row.Bm25 - row.Rank) <= 1e-9 * Math.Max(1, Math.Abs(row.Bm25)),
                string.Create(CultureInfo.InvariantCulture, $"row {row.Id}: bm25 {row.Bm25}, broadsheet_rank {row.Rank}"));
    }

    private static void AssertSameOrder(List<(long Id, double Bm25, double Rank)> rows)
    {
        Assert.True(rows.Count > 2);
        Assert.Equal(rows.OrderBy(r => r.Bm25).ThenBy(r => r.Id).Select(r => r.Id), rows.OrderBy(r => r.Rank).ThenBy(r => r.Id).Select(r => r.Id));
    }

    [Fact]
    public async Task Several_words_score_exactly_as_bm25()
    {
        await using var app = await SiteAsync();
        AssertSameScores(await ScoresAsync(app, "\"lantern\" \"park\""));
        AssertSameScores(await ScoresAsync(app, "\"the\" \"park\" \"newsletter\""));
    }

    [Fact]
    public async Task A_prefix_among_other_terms_is_counted_as_bm25_counts_it()
    {
        await using var app = await SiteAsync();
        // Phrase 0 is the prefix: its count must include every word that starts with it (lantern, lanterns).
        AssertSameScores(await ScoresAsync(app, "\"lant\"* \"park\"", prefixMask: 1));
    }

    [Fact]
    public async Task A_phrase_takes_the_count_of_its_rarest_word()
    {
        await using var app = await SiteAsync();
        // "parade" is in exactly the posts that hold "lantern parade", so here the estimate is the exact count.
        AssertSameScores(await ScoresAsync(app, "\"lantern parade\" \"park\""));
    }

    [Fact]
    public async Task One_term_alone_ranks_in_bm25s_order()
    {
        await using var app = await SiteAsync();
        AssertSameOrder(await ScoresAsync(app, "\"lantern\""));
        AssertSameOrder(await ScoresAsync(app, "\"the\""));
        AssertSameOrder(await ScoresAsync(app, "\"lant\"*", prefixMask: 1));
    }

    [Fact]
    public async Task The_best_match_comes_first_through_the_search_index()
    {
        await using var app = await SiteAsync();
        await using var scope = app.Scope();
        var results = await scope.ServiceProvider.GetRequiredService<ISearchIndex>().SearchAsync(new SearchRequest(SearchQuery.Parse("lantern parade")));
        Assert.Equal("Lantern parade", results.Hits[0].Title);
        Assert.Equal(4, results.Hits.Count);
    }
}

/// <summary>The background upkeep merges the SQLite index's segments once writes have left several.</summary>
public sealed class SearchIndexUpkeepTests
{
    private static async Task<long> SegmentsAsync(BroadsheetFactory app)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "SELECT count(DISTINCT segid) FROM search_fts_idx";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Segments_left_by_separate_writes_are_merged_on_the_next_round_and_search_still_finds_everything()
    {
        await using var app = new BroadsheetFactory(TestProvider.Sqlite)
            .With("Search:IndexOnStart", "false").With("Search:TidyAtSegments", "3").With("Search:TidyEvery", "00:10:00");
        // Each post is saved in its own transaction, and each transaction writes a segment of its own.
        for (var i = 0; i < 3; i++) await app.AddPostAsync($"Allotment diary {i}", $"Week {i}: the beans, the compost and the rota.");
        Assert.True(await SegmentsAsync(app) >= 3);

        app.Clock.Advance(TimeSpan.FromMinutes(10));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await SegmentsAsync(app) > 1 && DateTime.UtcNow < deadline) await Task.Delay(50);

        Assert.Equal(1, await SegmentsAsync(app));
        var page = await app.CreateClient().GetDocumentAsync("/search?q=compost");
        Assert.Equal(3, page.QuerySelectorAll(".search-result").Length);
    }

    [Fact]
    public async Task Fewer_segments_than_the_threshold_are_left_alone()
    {
        await using var app = new BroadsheetFactory(TestProvider.Sqlite).With("Search:IndexOnStart", "false");
        await app.AddPostAsync("Allotment diary", "The beans.");
        await app.AddPostAsync("Allotment diary again", "The compost.");
        var before = await SegmentsAsync(app);

        await using var scope = app.Scope();
        var index = (SearchIndexBase)scope.ServiceProvider.GetRequiredService<ISearchIndex>();
        Assert.Null(await index.TidyAsync(mergeAtPieces: 8, CancellationToken.None));
        Assert.Equal(before, await SegmentsAsync(app));
        Assert.Equal((int)before, await index.TidyAsync(mergeAtPieces: 2, CancellationToken.None));
        Assert.Equal(1, await SegmentsAsync(app));
    }
}

/// <summary>
/// A phrase made only of words that are in most records is looked for in the newest records only (see
/// SearchIndexBase.PhraseScanPerWindow), and the reader is told; a phrase with a rarer word is searched everywhere.
/// </summary>
public sealed class SqlitePhraseOfCommonWordsTests
{
    [Fact]
    public async Task A_phrase_of_common_words_is_looked_for_in_the_newest_records_and_the_page_says_so()
    {
        // A window of 2 ranks two matches; a phrase whose words are each in more than 2 x 4 = 8 records is
        // looked for in the newest 2 x 4 = 8 records.
        await using var app = new BroadsheetFactory(TestProvider.Sqlite).With("Search:IndexOnStart", "false").With("Search:RankingWindow", "2");
        await app.AddPostAsync("The first meeting", "Whether to march or to have a picnic was the question.", publishedAt: new DateTime(2019, 5, 1, 12, 0, 0, DateTimeKind.Utc));
        var now = app.Clock.GetUtcNow().UtcDateTime;
        for (var i = 0; i < 20; i++)
            await app.AddPostAsync($"Meeting {i}", $"Minutes {i}: to have the hall, or the church, we need to ask early. Have a look at the rota or write to us.", publishedAt: now.AddDays(-30 + i));
        var client = app.CreateClient();

        var page = await client.GetDocumentAsync("/search?q=" + Uri.EscapeDataString("\"or to have\""));
        Assert.Empty(page.QuerySelectorAll(".search-result"));
        Assert.Contains("only the newest 8 were searched for the phrase", page.QuerySelector(".search-window")?.Text());

        // Staff are told the same, on the admin page and through the API.
        var editor = await app.SignedInAsync(Roles.Editor);
        var (_, admin) = await editor.GetPageAsync("/admin/search?q=" + Uri.EscapeDataString("\"or to have\""));
        Assert.Empty(admin.QuerySelectorAll(".search-result"));
        Assert.Contains("only the newest 8 were searched for the phrase", admin.QuerySelector(".search-window")?.Text());
        var json = await (await (await app.ApiClientAsync()).GetAsync("/api/admin/search?q=" + Uri.EscapeDataString("\"or to have\""))).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(8, (int)json["searchedNewest"]!);
        Assert.Empty(json["items"]!.AsArray());

        // A year narrows the records first: the phrase is found in 2019.
        var inYear = await client.GetDocumentAsync("/search?year=2019&q=" + Uri.EscapeDataString("\"or to have\""));
        Assert.Equal(["The first meeting"], inYear.QuerySelectorAll(".search-result .result-title").Select(t => t.Text()));
        Assert.Null(inYear.QuerySelector(".search-window"));

        // "picnic" is in one record: the phrase is searched for everywhere.
        var rare = await client.GetDocumentAsync("/search?q=" + Uri.EscapeDataString("\"have a picnic\""));
        Assert.Equal(["The first meeting"], rare.QuerySelectorAll(".search-result .result-title").Select(t => t.Text()));
        Assert.Null(rare.QuerySelector(".search-window"));
    }
}
