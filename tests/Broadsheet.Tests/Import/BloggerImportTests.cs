using System.Net;
using Broadsheet.Features.Import;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Import;

/// <summary>Both Blogger export formats, checked as a reader of the new site would: pages, links, comments.</summary>
public abstract class BloggerImportTests(TestProvider provider)
{
    private BroadsheetFactory App() => new(provider);

    [Fact]
    public async Task Classic_export_brings_posts_pages_tags_authors_comments_and_the_blog_name()
    {
        await using var app = App();
        var summary = await app.ImportAsync(ImportFormat.Blogger, Samples.BloggerClassic);

        Assert.Equal((2, 1, 1, 1, 2, 1), (summary.Posts, summary.Pages, summary.Drafts, summary.Comments, summary.Tags, summary.Authors));
        Assert.Contains(summary.Skipped, s => s.What.Contains("template"));
        var client = app.CreateClient();
        var home = await client.GetDocumentAsync("/");
        Assert.Equal("Riverside Tenants", home.Title?.Split('|', '–', '-')[0].Trim() is { Length: > 0 } t ? t : home.Title);
        Assert.Contains("Fair rents on every street", home.Body!.TextContent);
        Assert.Equal(["The rent strike begins"], home.QuerySelectorAll(".post-title a").Select(a => a.Text()));

        var post = await client.GetDocumentAsync("/2015/10/rent-strike-begins");
        var paragraphs = post.QuerySelectorAll(".post-body p").Select(p => p.Text()).ToList();
        Assert.Equal(["Forty households on Mill Lane stopped paying rent this morning.", "They want the landlord to mend the damp.",
            "Below the fold: the full list of repairs.", "Second paragraph after the break."], paragraphs);
        Assert.Empty(post.QuerySelectorAll(".post-body div, .post-body br, .post-body script"));
        Assert.Contains("Mara Lind", post.Body!.TextContent);
        Assert.Equal(new[] { "News", "Rent Strike" }, post.QuerySelectorAll("a[href^='/tag/']").Select(a => a.Text()).Distinct().Order());
        var comment = post.QuerySelector(".comments li");
        Assert.Contains("Solidarity from Canal Street!", comment.Text());
        Assert.Null(comment!.QuerySelector("[onerror]"));
        Assert.Equal("Jo Reader", comment.QuerySelector(".comment-meta a").Text());

        var about = await client.GetDocumentAsync("/about-union");
        Assert.Contains("We are tenants who help each other.", about.Body!.TextContent);
        Assert.Null(about.QuerySelector("[onclick], a[href^='javascript']"));
    }

    [Fact]
    public async Task The_read_more_anchor_becomes_the_break_on_the_home_page()
    {
        await using var app = App();
        await app.ImportAsync(ImportFormat.Blogger, Samples.BloggerClassic);

        var home = await app.CreateClient().GetDocumentAsync("/");

        Assert.Contains("They want the landlord to mend the damp.", home.Body!.TextContent);
        Assert.DoesNotContain("Below the fold", home.Body.TextContent);
        Assert.StartsWith("/2015/10/rent-strike-begins", home.QuerySelector(".more a")?.GetAttribute("href"));
    }

    [Fact]
    public async Task Drafts_stay_drafts_and_are_never_public()
    {
        await using var app = App();
        await app.ImportAsync(ImportFormat.Blogger, Samples.BloggerClassic);
        var client = app.CreateClient();

        var home = await client.GetDocumentAsync("/");
        Assert.DoesNotContain("Unfinished thoughts", home.Body!.TextContent);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/2015/11/unfinished-thoughts-on-the-council-vote")).StatusCode);
        var feed = await client.GetStringAsync("/feed.atom");
        Assert.DoesNotContain("Unfinished thoughts", feed);
    }

    [Fact]
    public async Task Old_blogger_addresses_answer_301_with_the_new_ones()
    {
        await using var app = App();
        await app.ImportAsync(ImportFormat.Blogger, Samples.BloggerClassic);
        var client = app.Visitor();

        await client.AssertRedirectsAsync("/2015/10/rent-strike-begins.html", "/2015/10/rent-strike-begins");
        await client.AssertRedirectsAsync("/2015/10/rent-strike-begins.html?m=1", "/2015/10/rent-strike-begins");
        await client.AssertRedirectsAsync("/p/about-union.html", "/about-union");
        await client.AssertRedirectsAsync("/p/about-union.html?m=0", "/about-union");
        await client.AssertRedirectsAsync("/search/label/Rent%20Strike", "/tag/rent-strike");
        await client.AssertRedirectsAsync("/feeds/posts/default", "/feed.atom");
        await client.AssertRedirectsAsync("/feeds/posts/default?alt=rss", "/feed.atom");
        await client.AssertRedirectsAsync("/rss.xml", "/feed.rss");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/2015/10/rent-strike-begins")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/tag/rent-strike")).StatusCode);
    }

    [Fact]
    public async Task Hostile_html_is_removed_and_counted()
    {
        await using var app = App();
        var summary = await app.ImportAsync(ImportFormat.Blogger, Samples.BloggerClassic);

        // The post (a script), the page (javascript: link, onclick) and the comment (onerror).
        Assert.Equal(3, summary.Sanitised);
        var client = app.CreateClient();
        foreach (var path in new[] { "/2015/10/rent-strike-begins", "/about-union" })
        {
            var html = await client.GetStringAsync(path);
            Assert.DoesNotContain("alert(", html);
            Assert.DoesNotContain("javascript:", html);
        }
    }

    [Fact]
    public async Task Importing_the_same_file_again_changes_nothing()
    {
        await using var app = App();
        await app.ImportAsync(ImportFormat.Blogger, Samples.BloggerClassic);
        var before = await app.BackupAsync();
        app.Clock.Advance(TimeSpan.FromHours(1));

        var again = await app.ImportAsync(ImportFormat.Blogger, Samples.BloggerClassic);

        Assert.Equal((0, 0, 0), (again.Posts, again.Pages, again.Comments));
        Assert.Equal(4, again.AlreadyImported);
        Assert.Equal(before, await app.BackupAsync());
    }

    [Fact]
    public async Task Takeout_feed_imports_posts_pages_drafts_and_live_comments_only()
    {
        await using var app = App();
        var summary = await app.ImportAsync(ImportFormat.Blogger, Samples.BloggerTakeout, "feed.atom");

        Assert.Equal((2, 1, 1, 1), (summary.Posts, summary.Pages, summary.Drafts, summary.Comments));
        Assert.Contains(summary.Skipped, s => s.What.Contains("Binned post"));
        Assert.Contains(summary.Skipped, s => s.What.StartsWith("comment", StringComparison.Ordinal));
        var client = app.CreateClient();
        var post = await client.GetDocumentAsync("/2019/04/harbour-clean-up-day");
        Assert.Contains("Sixty volunteers filled ninety bags of rubbish.", post.QuerySelector(".post-body").Text());
        Assert.Contains("Great work, see you next year.", post.QuerySelector(".comments").Text());
        Assert.DoesNotContain("Buy now", post.Body!.TextContent);
        Assert.Contains("Ade Okoro", post.Body.TextContent);
        // 10:00 at +02:00 is 08:00 UTC: the offset is honoured.
        Assert.Contains("\"publishedAt\": \"2019-04-06T08:00:00Z\"", await app.BackupAsync());
        var home = await client.GetDocumentAsync("/");
        Assert.DoesNotContain("ferry timetable", home.Body!.TextContent);
        var visitor = app.Visitor();
        await visitor.AssertRedirectsAsync("/2019/04/harbour-clean-up-day.html", "/2019/04/harbour-clean-up-day");
        await visitor.AssertRedirectsAsync("/p/contact.html", "/contact");
        await visitor.AssertRedirectsAsync("/search/label/Events", "/tag/events");
    }
}

public sealed class SqliteBloggerImportTests() : BloggerImportTests(TestProvider.Sqlite);

public sealed class PostgresBloggerImportTests() : BloggerImportTests(TestProvider.Postgres);
