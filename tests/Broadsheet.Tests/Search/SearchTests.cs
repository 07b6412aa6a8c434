using System.Net;
using AngleSharp.Dom;
using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Search;
using Broadsheet.Features.Settings;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Search;

/// <summary>Search as a reader (the /search page) and as staff (the index's drafts mode) use it, on each database.</summary>
public abstract class SearchTests(TestProvider provider)
{
    private BroadsheetFactory App() => new BroadsheetFactory(provider).With("Search:IndexOnStart", "false");

    private static async Task<IDocument> SearchPageAsync(HttpClient client, string query) =>
        await client.GetDocumentAsync("/search?" + query);

    private static List<string> Titles(IDocument page) =>
        [.. page.QuerySelectorAll(".search-result .result-title").Select(t => t.Text())];

    private static async Task<List<string>> FindAsync(HttpClient client, string q) =>
        Titles(await SearchPageAsync(client, "q=" + Uri.EscapeDataString(q)));

    private static async Task<SearchResults> StaffSearchAsync(BroadsheetFactory app, string q)
    {
        await using var scope = app.Scope();
        var index = scope.ServiceProvider.GetRequiredService<ISearchIndex>();
        return await index.SearchAsync(new SearchRequest(SearchQuery.Parse(q), IncludeDrafts: true));
    }

    [Fact]
    public async Task A_word_that_appears_only_in_the_body_is_found_and_highlighted()
    {
        await using var app = App();
        await app.AddPostAsync("Report from the council", "The meeting heard from residents of Harrowgate about the bypass.\n\nOther business followed.");
        await app.AddPostAsync("Unrelated news", "Nothing about that town here.");
        var client = app.CreateClient();

        var page = await SearchPageAsync(client, "q=harrowgate");

        Assert.Equal(["Report from the council"], Titles(page));
        var marks = page.QuerySelectorAll(".search-result .snippet mark").Select(m => m.Text()).ToList();
        Assert.Equal(["Harrowgate"], marks);
        Assert.Contains("residents of", page.QuerySelector(".search-result .snippet").Text());
        Assert.StartsWith("/20", page.QuerySelector(".search-result .result-title a")!.GetAttribute("href"));
    }

    [Fact]
    public async Task A_match_in_the_title_ranks_above_matches_in_the_body()
    {
        await using var app = App();
        var now = app.Clock.GetUtcNow().UtcDateTime;
        await app.AddPostAsync("Ceasefire talks begin", "Delegations met in the capital.", publishedAt: now.AddDays(-30));
        await app.AddPostAsync("Weekly notes", "A ceasefire was discussed. Everyone wants a ceasefire. The ceasefire matters.", publishedAt: now.AddDays(-1));
        await app.AddPostAsync("Another week", "We talked about a ceasefire again.", publishedAt: now.AddDays(-2));

        var titles = await FindAsync(app.CreateClient(), "ceasefire");

        Assert.Equal(3, titles.Count);
        Assert.Equal("Ceasefire talks begin", titles[0]);
    }

    [Fact]
    public async Task Tags_and_authors_are_searchable_and_stemmed_words_match()
    {
        await using var app = App();
        await app.AddPostAsync("Spring planting", "Seeds went in.", tags: ["Allotments"], authors: ["Priya Ramanathan"]);
        await app.AddPostAsync("Campaigners gather", "Several groups were campaigning together.");
        var client = app.CreateClient();

        Assert.Equal(["Spring planting"], await FindAsync(client, "allotments"));
        Assert.Equal(["Spring planting"], await FindAsync(client, "Ramanathan"));
        Assert.Equal(["Campaigners gather"], await FindAsync(client, "campaign*"));
        Assert.Equal(["Campaigners gather"], await FindAsync(client, "campaigning"));
        Assert.Equal(["Campaigners gather"], await FindAsync(client, "group"));
    }

    [Fact]
    public async Task Snippets_escape_the_post_text_and_mark_only_the_matches()
    {
        await using var app = App();
        await app.AddPostAsync("Fish & <chips> night", "Bring `<script>alert(1)</script>` and a zebra costume to the hall.");

        var page = await SearchPageAsync(app.CreateClient(), "q=zebra");

        var result = page.QuerySelector(".search-result")!;
        // Text that looks like markup stays text (PostgreSQL's ts_headline leaves tag-like text out of fragments; SQLite keeps it, escaped).
        Assert.Empty(result.QuerySelectorAll("script"));
        Assert.Contains("costume to the hall", result.QuerySelector(".snippet").Text());
        Assert.Equal(["zebra"], result.QuerySelectorAll("mark").Select(m => m.Text()));
        Assert.Equal("Fish & <chips> night", result.QuerySelector(".result-title").Text());
    }

    [Fact]
    public async Task Quoted_words_must_appear_together_in_order()
    {
        await using var app = App();
        await app.AddPostAsync("Saturday", "A peace march crossed the park.");
        await app.AddPostAsync("Sunday", "We march again for peace next week.");
        var client = app.CreateClient();

        Assert.Equal(["Saturday"], await FindAsync(client, "\"peace march\""));
        Assert.Equal(["Saturday", "Sunday"], (await FindAsync(client, "peace march")).Order());
    }

    [Fact]
    public async Task Results_narrow_by_kind_tag_and_year()
    {
        await using var app = App();
        await app.AddPostAsync("Harvest fair 2019", "The lantern parade.", publishedAt: new DateTime(2019, 9, 1, 12, 0, 0, DateTimeKind.Utc), tags: ["Events"]);
        await app.AddPostAsync("Harvest fair 2021", "The lantern parade returns.", publishedAt: new DateTime(2021, 9, 1, 12, 0, 0, DateTimeKind.Utc));
        await app.AddPostAsync("About the lantern group", "Who we are.", kind: PostKind.Page);
        var client = app.CreateClient();

        Assert.Equal(3, (await SearchPageAsync(client, "q=lantern")).QuerySelectorAll(".search-result").Length);
        Assert.Equal(["About the lantern group"], Titles(await SearchPageAsync(client, "q=lantern&kind=page")));
        Assert.Equal(["Harvest fair 2019"], Titles(await SearchPageAsync(client, "q=lantern&year=2019")));
        Assert.Equal(["Harvest fair 2019"], Titles(await SearchPageAsync(client, "q=lantern&tag=events")));
        // A tag link on a result narrows the search to that tag.
        var tagged = await SearchPageAsync(client, "q=lantern");
        var tagLink = tagged.QuerySelector(".search-result .tags a")!.GetAttribute("href")!;
        Assert.Equal(["Harvest fair 2019"], Titles(await client.GetDocumentAsync(tagLink)));
        // Nonsense filters are ignored rather than failing.
        Assert.Equal(3, Titles(await SearchPageAsync(client, "q=lantern&kind=%27%3B--&year=abc&tag=%3Cx%3E")).Count);
    }

    [Fact]
    public async Task Results_page_through_every_match_once()
    {
        await using var app = App();
        for (var i = 1; i <= 23; i++)
            await app.AddPostAsync($"Bulletin {i}", "Notes from the picket line.", publishedAt: new DateTime(2020, 1, i, 0, 0, 0, DateTimeKind.Utc));
        var client = app.CreateClient();

        var seen = new List<string>();
        string? next = "/search?q=picket";
        var pages = 0;
        while (next is not null)
        {
            var page = await client.GetDocumentAsync(next);
            seen.AddRange(Titles(page));
            next = page.QuerySelector(".pager a.older")?.GetAttribute("href");
            pages++;
        }

        Assert.Equal(3, pages);
        Assert.Equal(23, seen.Count);
        Assert.Equal(23, seen.Distinct().Count());
        var past = await SearchPageAsync(client, "q=picket&page=9");
        Assert.Empty(Titles(past));
        Assert.Contains("no more results", past.QuerySelector(".search-empty").Text());
    }

    [Fact]
    public async Task Drafts_and_scheduled_posts_are_never_public_but_staff_find_them()
    {
        await using var app = App();
        var now = app.Clock.GetUtcNow().UtcDateTime;
        await app.AddPostAsync("Draft about the quarry", "The quarry plan is secret.", status: PostStatus.Draft);
        await app.AddPostAsync("Embargoed quarry story", "The quarry decision.", publishedAt: now.AddDays(2), status: PostStatus.Scheduled);
        var client = app.CreateClient();

        Assert.Empty(await FindAsync(client, "quarry"));
        var staff = await StaffSearchAsync(app, "quarry");
        Assert.Equal(["Draft about the quarry", "Embargoed quarry story"], staff.Hits.Select(h => h.Title).Order());

        app.Clock.Advance(TimeSpan.FromDays(3));
        Assert.Equal(["Embargoed quarry story"], await FindAsync(client, "quarry"));
    }

    [Fact]
    public async Task Edited_and_deleted_posts_are_reindexed()
    {
        await using var app = App();
        var post = await app.AddPostAsync("Meeting at the library", "Bring your placards.", tags: ["Meetings"]);
        var other = await app.AddPostAsync("Second meeting", "More placards.", tags: ["Meetings"]);
        var client = app.CreateClient();

        await app.ChangePostAsync(new PostChange(PostKind.Post) { Id = post.Id, Title = "Meeting at the town hall", Body = "Bring your banners." });
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            var tag = await db.Tags.SingleAsync(t => t.Slug == "meetings");
            tag.Name = "Assemblies";
            await db.SaveChangesAsync();
        }

        Assert.Empty(await FindAsync(client, "library"));
        Assert.Equal(["Meeting at the town hall"], await FindAsync(client, "banners"));
        // Renaming a tag re-indexes every post that carries it.
        Assert.Equal(["Meeting at the town hall", "Second meeting"], (await FindAsync(client, "assemblies")).Order());

        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            db.Posts.Remove(await db.Posts.SingleAsync(p => p.Id == post.Id));
            await db.SaveChangesAsync();
            // Deleting behind EF's back (bulk delete) takes the post out of the index too.
            await db.Posts.Where(p => p.Id == other.Id).ExecuteDeleteAsync();
        }

        Assert.Empty(await FindAsync(client, "banners"));
        Assert.Empty((await StaffSearchAsync(app, "placards")).Hits);
    }

    [Fact]
    public async Task Rebuilding_refills_an_emptied_index()
    {
        await using var app = App();
        await app.AddPostAsync("Orchard day", "Apples pressed into juice.");
        await app.AddPostAsync("Draft orchard plan", "More apples.", status: PostStatus.Draft);
        var client = app.CreateClient();
        await using (var scope = app.Scope())
            await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Database.ExecuteSqlRawAsync("DELETE FROM search_documents");
        Assert.Empty(await FindAsync(client, "apples"));

        await using (var scope = app.Scope())
        {
            var progress = new List<SearchProgress>();
            var count = await scope.ServiceProvider.GetRequiredService<ISearchIndex>().RebuildAsync(new Collect(progress));
            Assert.Equal(2, count);
            Assert.Equal(new SearchProgress(2, 2), progress[^1]);
        }

        Assert.Equal(["Orchard day"], await FindAsync(client, "apples"));
        Assert.Equal(2, (await StaffSearchAsync(app, "apples")).Hits.Count);
    }

    [Fact]
    public async Task Arabic_text_is_found()
    {
        await using var app = App();
        await app.AddPostAsync("بيان من أجل السلام", "نطالب بوقف فوري لإطلاق النار وفتح ممرات آمنة.");
        await app.AddPostAsync("In English", "Nothing to see.");
        var client = app.CreateClient();

        Assert.Equal(["بيان من أجل السلام"], await FindAsync(client, "السلام"));
        Assert.Equal(["بيان من أجل السلام"], await FindAsync(client, "ممرات"));
        Assert.Equal(["بيان من أجل السلام"], await FindAsync(client, "\"فوري لإطلاق\""));
    }

    public static TheoryData<string> BadQueries => new()
    {
        "",
        "   ",
        "\"",
        "\"unbalanced quote",
        "*",
        "a*",
        "NEAR",
        "NEAR(picket line)",
        "picket AND",
        "AND OR NOT",
        "-picket",
        "picket -line",
        "title:picket",
        "^picket",
        "(picket",
        "picket)",
        "\"\"",
        "'; DROP TABLE search_documents; --",
        "picket' OR '1'='1",
        "\\",
        "{picket}",
        "picket:*",
        "!!! ??? ...",
        "\u0001\u0002",
        new string('x', 5000),
        string.Join(' ', Enumerable.Repeat("picket line", 400)),
        "😀 picket",
        "漢字 picket",
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Any_input_gives_a_normal_page(string q)
    {
        await using var app = App();
        await app.AddPostAsync("Bulletin", "Notes from the picket line.");
        var client = app.CreateClient();

        var response = await client.GetAsync("/search?q=" + Uri.EscapeDataString(q));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        Assert.Equal("Search", page.QuerySelector("main h1").Text());
        Assert.Equal("noindex", page.QuerySelector("meta[name=robots]")?.GetAttribute("content"));
    }

    [Fact]
    public async Task Nothing_found_suggests_searches_that_would_find_something()
    {
        await using var app = App();
        await app.AddPostAsync("Bulletin", "Notes from the picket line.", tags: ["Strikes"]);
        await app.AddPostAsync("Other", "An unrelated item.", tags: ["Misc"]);
        var client = app.CreateClient();

        var phrase = await SearchPageAsync(client, "q=" + Uri.EscapeDataString("\"line picket\""));
        Assert.Empty(Titles(phrase));
        var suggestion = phrase.QuerySelector(".search-suggestions a")!.GetAttribute("href")!;
        Assert.Equal(["Bulletin"], Titles(await client.GetDocumentAsync(suggestion)));

        var filtered = await SearchPageAsync(client, "q=picket&tag=misc");
        Assert.Empty(Titles(filtered));
        Assert.Equal(["Bulletin"], Titles(await client.GetDocumentAsync(filtered.QuerySelector(".search-suggestions a")!.GetAttribute("href")!)));

        var words = await SearchPageAsync(client, "q=picket+zeppelin");
        Assert.Equal(["only picket"], words.QuerySelectorAll(".search-suggestions a").Select(a => a.Text()));
    }

    [Fact]
    public async Task Browsers_can_add_the_site_search()
    {
        await using var app = App();
        var client = app.CreateClient();

        var home = await client.GetDocumentAsync("/");
        Assert.Equal("/opensearch.xml", home.QuerySelector("link[rel=search]")?.GetAttribute("href"));
        Assert.Equal("/search", home.QuerySelector("form[role=search]")?.GetAttribute("action"));
        var description = System.Xml.Linq.XDocument.Parse(await client.GetStringAsync("/opensearch.xml"));
        System.Xml.Linq.XNamespace ns = "http://a9.com/-/spec/opensearch/1.1/";
        var template = description.Root!.Element(ns + "Url")!.Attribute("template")!.Value;
        Assert.EndsWith("/search?q={searchTerms}", template);
    }

    private sealed class Collect(List<SearchProgress> into) : IProgress<SearchProgress>
    {
        public void Report(SearchProgress value) => into.Add(value);
    }
}

public sealed class SqliteSearchTests() : SearchTests(TestProvider.Sqlite);

public sealed class PostgresSearchTests() : SearchTests(TestProvider.Postgres);
