using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Settings;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Site;

/// <summary>Every kind of public page as a reader (and a search engine) sees it, on each database.</summary>
public abstract class PublicPagesTests(TestProvider provider)
{
    // Absolute links are on the site's address, never the request's host; here it is the test host's.
    private BroadsheetFactory App() => new BroadsheetFactory(provider).With(SiteSettingsCache.BaseUrlKey, "http://localhost");
    private static DateTime Utc(int y, int m, int d, int h = 12, int min = 0) => new(y, m, d, h, min, 0, DateTimeKind.Utc);

    [Fact]
    public async Task A_post_shows_its_byline_tags_comments_and_neighbours()
    {
        await using var app = App();
        var older = await app.AddPostAsync("Leaflets printed", publishedAt: Utc(2015, 10, 20));
        var post = await app.AddPostAsync("March on the capital", body: "We marched **together**.", publishedAt: Utc(2015, 10, 25),
            tags: ["Marches", "News"], authors: ["Ada Byrne", "Kofi Mensah", "Lena Ortiz"]);
        var newer = await app.AddPostAsync("Thank you, marchers", publishedAt: Utc(2015, 11, 2));
        await app.AddPostAsync("Unpublished plans", status: PostStatus.Draft, publishedAt: Utc(2015, 10, 28));
        await app.AddCommentAsync(post, "Maria", "<p>Great day!</p><script>alert('x')</script>", authorUrl: "https://maria.example/");
        await app.AddCommentAsync(post, "Troll", "<p>Hidden</p>", status: CommentStatus.Spam);

        Assert.Equal("/2015/10/march-on-the-capital", post.Permalink);
        var page = await app.CreateClient().GetDocumentAsync(post.Permalink!);

        Assert.Equal("March on the capital", page.QuerySelector("h1").Text());
        Assert.Equal("Sunday 25 October 2015", page.QuerySelector(".date-header").Text());
        Assert.Equal("We marched together.", page.QuerySelector(".post-body").Text());
        var byline = page.QuerySelector(".byline")!;
        Assert.StartsWith("By Ada Byrne, Kofi Mensah and Lena Ortiz", Regex.Replace(byline.Text(), @"\s+", " "));
        Assert.Equal(["/author/ada-byrne", "/author/kofi-mensah", "/author/lena-ortiz"],
            byline.QuerySelectorAll("a[rel=author]").Select(a => a.GetAttribute("href")!));
        Assert.Equal(["/tag/marches", "/tag/news"], page.QuerySelectorAll(".tags a[rel=tag]").Select(a => a.GetAttribute("href")!));

        var comments = page.QuerySelectorAll(".comments li");
        Assert.Single(comments);
        Assert.Contains("Great day!", comments[0].Text());
        Assert.Equal("https://maria.example/", comments[0].QuerySelector(".comment-meta a")!.GetAttribute("href"));
        Assert.Empty(page.QuerySelectorAll(".comments script"));
        Assert.DoesNotContain("Hidden", page.QuerySelector(".comments")!.TextContent);

        Assert.Equal(newer.Permalink, page.QuerySelector(".pager a.newer")!.GetAttribute("href"));
        Assert.Equal(older.Permalink, page.QuerySelector(".pager a.older")!.GetAttribute("href"));
        Markup.AssertAccessible(page, post.Permalink!);
    }

    [Fact]
    public async Task A_post_has_canonical_link_opengraph_and_schema_org_json_ld()
    {
        await using var app = App();
        var post = await app.AddPostAsync("Vigil tonight", body: "Bring a candle.\n\n<!--more-->\n\nDetails.", publishedAt: Utc(2015, 10, 25, 17),
            tags: ["Events"], authors: ["Ada Byrne"]);

        var page = await app.CreateClient().GetDocumentAsync(post.Permalink!);

        var canonical = page.QuerySelector("link[rel=canonical]")!.GetAttribute("href");
        Assert.Equal("http://localhost/2015/10/vigil-tonight", canonical);
        string? Og(string property) => page.QuerySelector($"meta[property='{property}']")?.GetAttribute("content");
        Assert.Equal("Vigil tonight", Og("og:title"));
        Assert.Equal("article", Og("og:type"));
        Assert.Equal(canonical, Og("og:url"));
        Assert.Equal("Bring a candle.", Og("og:description"));
        Assert.Equal("2015-10-25T17:00:00+00:00", Og("article:published_time")); // London was on GMT again that day
        Assert.Equal("Events", Og("article:tag"));

        var scripts = page.QuerySelectorAll("script[type='application/ld+json']");
        Assert.Single(scripts);
        using var json = JsonDocument.Parse(scripts[0].TextContent);
        var ld = json.RootElement;
        Assert.Equal("https://schema.org", ld.GetProperty("@context").GetString());
        Assert.Equal("BlogPosting", ld.GetProperty("@type").GetString());
        Assert.Equal("Vigil tonight", ld.GetProperty("headline").GetString());
        Assert.Equal(canonical, ld.GetProperty("url").GetString());
        Assert.Equal(DateTimeOffset.Parse("2015-10-25T17:00:00Z", System.Globalization.CultureInfo.InvariantCulture), ld.GetProperty("datePublished").GetDateTimeOffset());
        Assert.Equal("Ada Byrne", ld.GetProperty("author")[0].GetProperty("name").GetString());
        Assert.Equal("Person", ld.GetProperty("author")[0].GetProperty("@type").GetString());
        Assert.Equal("Organization", ld.GetProperty("publisher").GetProperty("@type").GetString());
    }

    [Fact]
    public async Task A_page_lives_at_its_slug_and_is_not_in_the_dated_flow()
    {
        await using var app = App();
        await app.AddPostAsync("About the coalition", body: "We are many groups.", kind: PostKind.Page, slug: "about");
        var client = app.CreateClient();

        var page = await client.GetDocumentAsync("/about");
        Assert.Equal("About the coalition", page.QuerySelector("h1").Text());
        Assert.Equal("We are many groups.", page.QuerySelector(".post-body").Text());
        Assert.Equal("http://localhost/about", page.QuerySelector("link[rel=canonical]")!.GetAttribute("href"));
        Markup.AssertAccessible(page, "/about");

        var home = await client.GetDocumentAsync("/");
        Assert.DoesNotContain("About the coalition", home.QuerySelector("main")!.TextContent);
    }

    [Fact]
    public async Task Tag_and_author_pages_list_only_their_posts()
    {
        await using var app = App();
        await app.AddPostAsync("Rally report", tags: ["Rallies"], authors: ["Ada Byrne"], publishedAt: Utc(2016, 2, 1));
        await app.AddPostAsync("Second rally", tags: ["Rallies", "News"], authors: ["Kofi Mensah"], publishedAt: Utc(2016, 3, 1));
        await app.AddPostAsync("Budget news", tags: ["News"], authors: ["Ada Byrne"], publishedAt: Utc(2016, 4, 1));
        var client = app.CreateClient();

        var tag = await client.GetDocumentAsync("/tag/rallies");
        Assert.Contains("Rallies", tag.QuerySelector("h1").Text());
        Assert.Equal(["Second rally", "Rally report"], tag.QuerySelectorAll(".post-title a").Select(a => a.Text()));
        Assert.Contains(tag.QuerySelectorAll("link[rel=alternate]"), l => l.GetAttribute("href") == "/tag/rallies/feed.atom");
        Assert.Contains(tag.QuerySelectorAll("link[rel=alternate]"), l => l.GetAttribute("href") == "/tag/rallies/feed.rss");
        Markup.AssertAccessible(tag, "/tag/rallies");

        var author = await client.GetDocumentAsync("/author/ada-byrne");
        Assert.Contains("Ada Byrne", author.QuerySelector("h1").Text());
        Assert.Equal(["Budget news", "Rally report"], author.QuerySelectorAll(".post-title a").Select(a => a.Text()));
        Markup.AssertAccessible(author, "/author/ada-byrne");

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/tag/no-such-tag")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/author/nobody")).StatusCode);
    }

    [Fact]
    public async Task Year_and_month_archives_and_the_archive_tree_count_published_posts()
    {
        await using var app = App();
        await app.AddPostAsync("Winter appeal", publishedAt: Utc(2015, 1, 10));
        await app.AddPostAsync("New year statement", publishedAt: Utc(2015, 1, 2));
        await app.AddPostAsync("Autumn march", publishedAt: Utc(2015, 10, 25));
        await app.AddPostAsync("Spring news", publishedAt: Utc(2016, 4, 3));
        await app.AddPostAsync("Draft in 2015", status: PostStatus.Draft, publishedAt: Utc(2015, 10, 26));
        await app.AddPostAsync("Not a post", kind: PostKind.Page, publishedAt: Utc(2015, 10, 27));
        var client = app.CreateClient();

        var year = await client.GetDocumentAsync("/2015");
        Assert.Equal("2015", year.QuerySelector("h1").Text());
        Assert.Equal(["Autumn march", "Winter appeal", "New year statement"], year.QuerySelectorAll(".post-title a").Select(a => a.Text()));
        Markup.AssertAccessible(year, "/2015");

        var month = await client.GetDocumentAsync("/2015/01");
        Assert.Equal("January 2015", month.QuerySelector("h1").Text());
        Assert.Equal(["Winter appeal", "New year statement"], month.QuerySelectorAll(".post-title a").Select(a => a.Text()));

        var empty = await client.GetAsync("/2015/02");
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode); // a quiet month is a normal page, not an error

        var archive = await client.GetDocumentAsync("/archive");
        Markup.AssertAccessible(archive, "/archive");
        var years = archive.QuerySelectorAll(".archive-year").Select(y => y.QuerySelector("h2").Text()).ToList();
        Assert.Equal(["2016 (1)", "2015 (3)"], years);
        var months2015 = archive.QuerySelectorAll(".archive-year")[1].QuerySelectorAll("li").Select(li => li.Text()).ToList();
        Assert.Equal(["October 2015 (1)", "January 2015 (2)"], months2015);

        // The sidebar on every page shows the same tree.
        var home = await client.GetDocumentAsync("/");
        var sidebar = home.QuerySelector("aside .archive-tree")!;
        Assert.Equal(["2016 (1)", "2015 (3)"], sidebar.QuerySelectorAll("summary").Select(s => s.Text()));
        Assert.Contains("January (2)", sidebar.QuerySelectorAll("li li").Select(li => li.Text()));
        Assert.Contains(sidebar.QuerySelectorAll("a"), a => a.GetAttribute("href") == "/2015/01");
    }

    [Fact]
    public async Task An_unknown_address_gets_a_helpful_404_that_suggests_a_search()
    {
        await using var app = App();
        await app.AddPostAsync("Something real");
        var client = app.CreateClient();

        foreach (var path in new[] { "/no-such-page", "/2015/10/peace-march-report", "/tag/nothing/here", "/2015/10/x/y/z" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
            Assert.Equal("Page not found", page.QuerySelector("h1").Text());
            Assert.Equal("noindex", page.QuerySelector("meta[name=robots]")?.GetAttribute("content"));
            Assert.NotNull(page.QuerySelector("main a[href='/archive']"));
            Markup.AssertAccessible(page, path);
        }
        var miss = await client.GetAsync("/2015/10/peace-march-report");
        var missPage = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await miss.Content.ReadAsStringAsync());
        Assert.Equal("peace march report", missPage.QuerySelector("main form[role=search] input[name=q]")!.GetAttribute("value"));
        Assert.Equal("/search", missPage.QuerySelector("main form[role=search]")!.GetAttribute("action"));
    }

    [Fact]
    public async Task The_home_page_is_sound_markup()
    {
        await using var app = App();
        await app.AddPostAsync("Our statement", pinned: true, tags: ["Statements"], authors: ["The Editors"]);
        await app.AddPostAsync("Newest news", authors: ["Ada Byrne"]);
        var page = await app.CreateClient().GetDocumentAsync("/");
        Markup.AssertAccessible(page, "/");
        Assert.Equal("en-GB", page.DocumentElement.GetAttribute("lang"));
    }
}

public sealed class SqlitePublicPagesTests() : PublicPagesTests(TestProvider.Sqlite);

public sealed class PostgresPublicPagesTests() : PublicPagesTests(TestProvider.Postgres);
