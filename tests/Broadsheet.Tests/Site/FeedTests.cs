using System.Net;
using System.ServiceModel.Syndication;
using System.Xml.Linq;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Settings;
using Broadsheet.Tests.Api;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Site;

/// <summary>Atom and RSS feeds read by real feed parsers, the sitemap and robots.txt, on each database.</summary>
public abstract class FeedTests(TestProvider provider)
{
    // Absolute links are on the site's address, never the request's host; here it is the test host's.
    private BroadsheetFactory App() => new BroadsheetFactory(provider).With(SiteSettingsCache.BaseUrlKey, "http://localhost");

    private static async Task<BroadsheetFactory> SiteWithPostsAsync(BroadsheetFactory app)
    {
        await app.UpdateSettingsAsync(s => { s.Title = "Peace Campaign"; s.Description = "News & statements"; });
        var first = await app.AddPostAsync("First & foremost", body: "Opening words.\n\n<!--more-->\n\nThe **full** rest of it.",
            publishedAt: new DateTime(2015, 10, 24, 9, 0, 0, DateTimeKind.Utc), tags: ["News"], authors: ["Ada Byrne", "Kofi Mensah"]);
        await app.AddPostAsync("Vigil on Sunday", body: "Candles at six.", publishedAt: new DateTime(2015, 10, 25, 9, 0, 0, DateTimeKind.Utc),
            tags: ["Events", "News"], authors: ["Ada Byrne"]);
        await app.SetExcerptAsync(first, "A short excerpt for link previews.");
        await app.AddPostAsync("Secret draft", status: PostStatus.Draft, tags: ["News"]);
        await app.AddPostAsync("Embargoed report", status: PostStatus.Scheduled, publishedAt: app.Clock.GetUtcNow().UtcDateTime.AddDays(1), tags: ["News"]);
        return app;
    }

    [Fact]
    public async Task Site_feeds_parse_in_feedparser_with_full_content()
    {
        FeedReaders.SkipUnlessFeedparser();
        await using var app = await SiteWithPostsAsync(App());
        var client = app.CreateClient();

        foreach (var (path, version, type) in new[] { ("/feed.atom", "atom10", "application/atom+xml"), ("/feed.rss", "rss20", "application/rss+xml") })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            var feed = await FeedReaders.FeedparserAsync(await response.Content.ReadAsByteArrayAsync());

            Assert.True(feed.GetProperty("bozo").GetInt32() == 0, $"{path}: {feed.GetProperty("problem")}");
            Assert.Equal(version, feed.GetProperty("version").GetString());
            Assert.Equal("Peace Campaign", feed.GetProperty("title").GetString());
            Assert.Equal("http://localhost/", feed.GetProperty("link").GetString());
            var entries = feed.GetProperty("entries").EnumerateArray().ToList();
            Assert.Equal(["Vigil on Sunday", "First & foremost"], entries.Select(e => e.GetProperty("title").GetString()));
            Assert.Equal("http://localhost/2015/10/first-foremost", entries[1].GetProperty("link").GetString());
            var content = entries[1].GetProperty("content").GetString()!;
            Assert.Contains("Opening words.", content);
            Assert.Contains("<strong>full</strong> rest of it.", content);
            Assert.Equal(["Ada Byrne", "Kofi Mensah"], entries[1].GetProperty("authors").Strings());
            Assert.Equal(["Events", "News"], entries[0].GetProperty("tags").Strings().Order());
            Assert.NotEqual(entries[0].GetProperty("id").GetString(), entries[1].GetProperty("id").GetString());
        }
    }

    [Fact]
    public async Task Tag_feeds_hold_only_that_tags_posts()
    {
        FeedReaders.SkipUnlessFeedparser();
        await using var app = await SiteWithPostsAsync(App());
        var client = app.CreateClient();

        foreach (var path in new[] { "/tag/events/feed.atom", "/tag/events/feed.rss" })
        {
            var feed = await FeedReaders.FeedparserAsync(await client.GetByteArrayAsync(path));
            Assert.True(feed.GetProperty("bozo").GetInt32() == 0, $"{path}: {feed.GetProperty("problem")}");
            Assert.Equal("Peace Campaign: Events", feed.GetProperty("title").GetString());
            Assert.Equal("http://localhost/tag/events", feed.GetProperty("link").GetString());
            Assert.Equal(["Vigil on Sunday"], feed.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("title").GetString()));
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/tag/nothing/feed.atom")).StatusCode);
    }

    [Fact]
    public async Task Feeds_load_in_dotnets_syndication_reader_without_drafts_or_scheduled_posts()
    {
        await using var app = await SiteWithPostsAsync(App());
        var client = app.CreateClient();

        foreach (var path in new[] { "/feed.atom", "/feed.rss", "/tag/news/feed.atom", "/tag/news/feed.rss" })
        {
            var feed = FeedReaders.Syndication(await client.GetByteArrayAsync(path));
            Assert.Equal(["Vigil on Sunday", "First & foremost"], feed.Items.Select(i => i.Title.Text));
            var first = feed.Items.Last();
            Assert.Equal(new Uri("http://localhost/2015/10/first-foremost"), first.Links.First(l => l.RelationshipType is null or "alternate").Uri);
            var html = (first.Content as TextSyndicationContent)?.Text ?? first.Summary?.Text ?? "";
            Assert.Contains("rest of it", html);
            Assert.Equal(new DateTimeOffset(2015, 10, 24, 9, 0, 0, TimeSpan.Zero), first.PublishDate.ToUniversalTime());
        }
    }

    [Fact]
    public async Task Every_page_advertises_the_site_feeds_in_its_head()
    {
        await using var app = await SiteWithPostsAsync(App());
        await app.AddPostAsync("About", kind: PostKind.Page, slug: "about");
        var client = app.CreateClient();

        foreach (var path in new[] { "/", "/2015/10/vigil-on-sunday", "/about", "/tag/news", "/author/ada-byrne", "/2015", "/2015/10", "/archive" })
        {
            var page = await client.GetDocumentAsync(path);
            var alternates = page.Head!.QuerySelectorAll("link[rel=alternate]").ToList();
            Assert.Contains(alternates, l => l.GetAttribute("type") == "application/atom+xml" && l.GetAttribute("href") == "/feed.atom");
            Assert.Contains(alternates, l => l.GetAttribute("type") == "application/rss+xml" && l.GetAttribute("href") == "/feed.rss");
            foreach (var link in alternates) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(link.GetAttribute("href"))).StatusCode);
        }
        var missing = await client.GetAsync("/nowhere");
        Assert.Contains("/feed.atom", await missing.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Sitemap_lists_public_posts_pages_and_tags_but_never_drafts_or_scheduled_posts()
    {
        await using var app = await SiteWithPostsAsync(App());
        await app.AddPostAsync("About", kind: PostKind.Page, slug: "about");
        await app.AddPostAsync("Draft page", kind: PostKind.Page, status: PostStatus.Draft);
        var client = app.CreateClient();

        var response = await client.GetAsync("/sitemap.xml");
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        XNamespace ns = "http://www.sitemaps.org/schemas/sitemap/0.9";
        Assert.Equal(ns + "urlset", xml.Root!.Name);
        var locs = xml.Descendants(ns + "loc").Select(l => l.Value).ToList();
        Assert.Contains("http://localhost/", locs);
        Assert.Contains("http://localhost/2015/10/first-foremost", locs);
        Assert.Contains("http://localhost/2015/10/vigil-on-sunday", locs);
        Assert.Contains("http://localhost/about", locs);
        Assert.Contains("http://localhost/tag/events", locs);
        Assert.DoesNotContain(locs, l => l.Contains("secret-draft") || l.Contains("embargoed") || l.Contains("draft-page"));
        Assert.Equal(locs.Count, locs.Distinct().Count());
        foreach (var loc in locs) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri(loc).PathAndQuery)).StatusCode);
    }

    [Fact]
    public async Task Robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_admin()
    {
        await using var app = App();
        await app.UpdateSettingsAsync(s => s.BaseUrl = "https://peace.example.org/");
        var response = await app.CreateClient().GetAsync("/robots.txt");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("User-agent: *", lines);
        Assert.Contains("Disallow: /admin/", lines);
        Assert.Contains("Sitemap: https://peace.example.org/sitemap.xml", lines);
    }

    /// <summary>Both feeds (and a tag's) answer 200 and read cleanly in feedparser and in .NET's reader; returns the site feed as feedparser read it.</summary>
    private static async Task<System.Text.Json.JsonElement> AssertFeedsReadAsync(HttpClient client, params string[] tagSlugs)
    {
        System.Text.Json.JsonElement atom = default;
        foreach (var path in new[] { "/feed.atom", "/feed.rss" }.Concat(tagSlugs.SelectMany(t => new[] { $"/tag/{t}/feed.atom", $"/tag/{t}/feed.rss" })))
        {
            var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}");
            var bytes = await response.Content.ReadAsByteArrayAsync();
            var feed = await FeedReaders.FeedparserAsync(bytes);
            Assert.True(feed.GetProperty("bozo").GetInt32() == 0, $"{path}: {feed.GetProperty("problem")}");
            Assert.NotEmpty(FeedReaders.Syndication(bytes).Items);
            if (path == "/feed.atom") atom = feed;
        }
        return atom;
    }

    public static TheoryData<string> CharactersXmlCannotHold => new() { "\u0001", "\u000B", "\uFFFE" };

    [Theory]
    [MemberData(nameof(CharactersXmlCannotHold))]
    public async Task A_character_xml_cannot_hold_typed_in_the_editor_or_the_api_never_breaks_the_feeds(string bad)
    {
        FeedReaders.SkipUnlessFeedparser();
        await using var app = App();
        var author = await app.SignedInAsync(Roles.Author);
        var saved = await author.SubmitAsync("/admin/posts/edit",
            new() { ["Input.Title"] = $"Edit{bad}or", ["Input.Body"] = $"Typed{bad} in the editor.", ["Input.Tags"] = $"Ta{bad}gged" }, "form[data-editor]", "act=publish");
        Assert.True(saved.StatusCode == HttpStatusCode.Redirect, $"the editor answered {(int)saved.StatusCode}");
        var api = await app.ApiClientAsync();
        var created = await api.PostJsonAsync("/api/admin/posts",
            new { title = $"Through the A{bad}PI", body = $"Sent{bad} by the API.", tags = new[] { $"Ta{bad}gged" }, authors = new[] { $"Ada{bad} Byrne" }, status = "published" });
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"the API answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        var settings = await api.PutJsonAsync("/api/admin/settings", new { title = $"Peace{bad} Campaign", description = $"News{bad} and statements" });
        Assert.True(settings.StatusCode == HttpStatusCode.OK, $"the settings API answered {(int)settings.StatusCode}");

        // A vertical tab (Word's line break) becomes a space; the others are left out.
        var gap = bad == "\u000B" ? " " : "";
        string tag;
        await using (var scope = app.Scope())
            tag = (await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Tags.SingleAsync()).Slug;
        var feed = await AssertFeedsReadAsync(app.CreateClient(), tag);
        Assert.Equal($"Peace{gap} Campaign", feed.GetProperty("title").GetString());
        var entries = feed.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal([$"Through the A{gap}PI", $"Edit{gap}or"], entries.Select(e => e.GetProperty("title").GetString()));
        Assert.Contains($"Sent{gap} by the API.", entries[0].GetProperty("content").GetString());
        Assert.Contains($"Typed{gap} in the editor.", entries[1].GetProperty("content").GetString());
        Assert.Equal([$"Ta{gap}gged"], entries[0].GetProperty("tags").Strings());
        Assert.Equal([$"Ada{gap} Byrne"], entries[0].GetProperty("authors").Strings());
    }

    [Fact]
    public async Task Rows_already_holding_characters_xml_cannot_hold_still_give_valid_feeds_and_pages()
    {
        FeedReaders.SkipUnlessFeedparser();
        await using var app = await SiteWithPostsAsync(App());
        await using (var scope = app.Scope())
        {
            // Written straight into the database, as rows saved before the editor cleaned its input were.
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            await db.Posts.Where(p => p.Slug == "vigil-on-sunday").ExecuteUpdateAsync(p => p
                .SetProperty(x => x.Title, "Vigil\u0001 on\u000BSunday\uFFFE")
                .SetProperty(x => x.BodyHtml, "<p>Candles\u0001 at\u000Bsix.\uFFFE</p>")
                .SetProperty(x => x.Excerpt, "Candles\u0001."));
            await db.Tags.Where(t => t.Slug == "news").ExecuteUpdateAsync(t => t.SetProperty(x => x.Name, "Ne\u0001ws\uFFFE"));
            await db.Authors.Where(a => a.Slug == "ada-byrne").ExecuteUpdateAsync(a => a.SetProperty(x => x.DisplayName, "Ada\u000BByrne"));
            await db.SiteSettings.ExecuteUpdateAsync(s => s.SetProperty(x => x.Title, "Peace\uFFFE Campaign").SetProperty(x => x.Description, "News\u0001"));
            await scope.ServiceProvider.GetRequiredService<ContentChanges>().PublishedAsync(db);
        }
        var client = app.CreateClient();

        var feed = await AssertFeedsReadAsync(client, "news", "events");
        Assert.Equal("Peace Campaign", feed.GetProperty("title").GetString());
        var vigil = feed.GetProperty("entries").EnumerateArray().First();
        Assert.Equal("Vigil on Sunday", vigil.GetProperty("title").GetString());
        Assert.Contains("Candles at six.", vigil.GetProperty("content").GetString());
        Assert.Contains("News", vigil.GetProperty("tags").Strings());
        Assert.Equal(["Ada Byrne"], vigil.GetProperty("authors").Strings());
        foreach (var path in new[] { "/2015/10/vigil-on-sunday", "/", "/tag/news", "/author/ada-byrne", "/2015/10", "/archive", "/search?q=vigil", "/search?q=%EF%BF%BE", "/search?q=vigil%01%EF%BF%BE", "/sitemap.xml", "/opensearch.xml", "/api/content/posts" })
        {
            var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}");
        }
        XDocument.Parse(await client.GetStringAsync("/opensearch.xml"));
    }
}

public sealed class SqliteFeedTests() : FeedTests(TestProvider.Sqlite);

public sealed class PostgresFeedTests() : FeedTests(TestProvider.Postgres);
