using System.Net;
using Broadsheet.Features.Import;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Import;

/// <summary>A WordPress (WXR 1.2) export, checked on the imported site.</summary>
public abstract class WordPressImportTests(TestProvider provider)
{
    private BroadsheetFactory App() => new(provider);

    [Fact]
    public async Task Posts_pages_statuses_and_comments_map_as_a_reader_expects()
    {
        await using var app = App();
        var summary = await app.ImportAsync(ImportFormat.WordPress, Samples.WordPress);

        // publish, draft, private, pending, future, password-protected; one page; the attachment is skipped with its reason.
        Assert.Equal((6, 1, 4, 2), (summary.Posts, summary.Pages, summary.Drafts, summary.Comments));
        Assert.Contains(summary.Skipped, s => s.What.Contains("banner-photo") && s.Why.Contains("attachment"));
        Assert.Equal(2, summary.Skipped.Count(s => s.What.StartsWith("comment", StringComparison.Ordinal)));

        var client = app.CreateClient();
        var home = await client.GetDocumentAsync("/");
        Assert.Equal("March for peace on Saturday", home.QuerySelector(".pinned .post-title").Text());
        var titles = home.QuerySelectorAll(".post-title").Select(t => t.Text()).ToList();
        foreach (var hidden in new[] { "Letter to the minister", "Members-only minutes", "Pending guest post", "Anniversary vigil", "Committee notes" })
            Assert.DoesNotContain(hidden, titles);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/2014/03/members-minutes")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/2030/01/anniversary-vigil")).StatusCode);

        var post = await client.GetDocumentAsync("/2014/03/march-for-peace");
        var body = post.QuerySelector(".post-body");
        Assert.Equal(["Meet at the station at noon.", "Bring banners & friends — \"all welcome\".", "The route goes past the town hall."],
            body!.QuerySelectorAll("p").Select(p => p.Text()));
        Assert.Null(body.QuerySelector("iframe"));
        Assert.Contains("Sam Okafor", post.Body!.TextContent);
        var tags = post.QuerySelectorAll("a[href^='/tag/']").Select(a => a.GetAttribute("href")).Distinct().Order().ToList();
        Assert.Equal(["/tag/campaigns", "/tag/ceasefire"], tags);
        var comments = post.QuerySelectorAll(".comments li").Select(li => li.Text()).ToList();
        Assert.Equal(2, comments.Count);
        Assert.Contains(comments, c => c.Contains("I'll be there with the choir."));
        Assert.DoesNotContain(comments, c => c.Contains("Cheap watches") || c.Contains("Not yet moderated"));

        var contact = await client.GetDocumentAsync("/contact-us");
        Assert.Contains("Write to the secretary.", contact.Body!.TextContent);
    }

    [Fact]
    public async Task The_scheduled_post_appears_when_its_time_comes()
    {
        await using var app = App();
        // Due a minute after the test clock's "now" (a small step: the fake clock fires every timer period it passes).
        var soon = Samples.WordPress.Replace("2030-01-05 18:00:00", "2026-03-14 12:01:00");
        await app.ImportAsync(ImportFormat.WordPress, soon);
        var client = app.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync("/2026/03/anniversary-vigil")).StatusCode);

        app.Clock.Advance(TimeSpan.FromMinutes(2));

        var page = await client.GetDocumentAsync("/2026/03/anniversary-vigil");
        Assert.Contains("We will gather again.", page.Body!.TextContent);
    }

    [Fact]
    public async Task Excerpts_authors_and_missing_slugs_are_kept_in_the_backup()
    {
        await using var app = App();
        await app.ImportAsync(ImportFormat.WordPress, Samples.WordPress);
        var backup = System.Text.Json.JsonDocument.Parse(await app.BackupAsync()).RootElement;

        var posts = backup.GetProperty("posts").EnumerateArray().ToDictionary(p => p.GetProperty("title").GetString()!);
        Assert.Equal("Meet at noon for the march.", posts["March for peace on Saturday"].GetProperty("excerpt").GetString());
        Assert.Equal("letter-to-the-minister", posts["Letter to the minister"].GetProperty("slug").GetString());
        Assert.Equal("draft", posts["Members-only minutes"].GetProperty("status").GetString());
        Assert.Equal("scheduled", posts["Anniversary vigil"].GetProperty("status").GetString());
        Assert.Equal(["lee-park"], posts["Letter to the minister"].GetProperty("authors").EnumerateArray().Select(a => a.GetString()));
        var authors = backup.GetProperty("authors").EnumerateArray().Select(a => a.GetProperty("displayName").GetString()).ToList();
        Assert.Equal(["Lee Park", "Sam Okafor"], authors);
        var reply = backup.GetProperty("comments").EnumerateArray().Single(c => c.GetProperty("authorName").GetString() == "Sam Okafor");
        Assert.Equal(0, reply.GetProperty("parent").GetInt32());
    }

    [Fact]
    public async Task Old_wordpress_links_answer_301_with_the_new_ones()
    {
        await using var app = App();
        await app.ImportAsync(ImportFormat.WordPress, Samples.WordPress);
        var client = app.Visitor();

        await client.AssertRedirectsAsync("/2014/03/march-for-peace/", "/2014/03/march-for-peace");
        await client.AssertRedirectsAsync("/?p=11", "/2014/03/march-for-peace");
        await client.AssertRedirectsAsync("/?page_id=20", "/contact-us");
        // Drafts and private posts had no public address, and get none.
        Assert.NotEqual(HttpStatusCode.MovedPermanently, (await client.GetAsync("/?p=13")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/?p=999")).StatusCode);
    }

    [Fact]
    public async Task Importing_the_same_file_again_changes_nothing()
    {
        await using var app = App();
        await app.ImportAsync(ImportFormat.WordPress, Samples.WordPress);
        var before = await app.BackupAsync();
        app.Clock.Advance(TimeSpan.FromMinutes(1));

        var again = await app.ImportAsync(ImportFormat.WordPress, Samples.WordPress);

        Assert.Equal(0, again.Posts + again.Pages + again.Comments + again.Tags + again.Authors + again.Redirects);
        Assert.Equal(before, await app.BackupAsync());
    }

    [Fact]
    public async Task An_import_into_a_site_with_content_keeps_its_title_and_its_slugs()
    {
        await using var app = App();
        await app.UpdateSettingsAsync(s => { s.Title = "Our own name"; s.InitialisedAt = app.Clock.GetUtcNow().UtcDateTime; });
        await app.AddPostAsync("Written here first", slug: "march-for-peace", publishedAt: new DateTime(2014, 3, 1, 0, 0, 0, DateTimeKind.Utc));

        await app.ImportAsync(ImportFormat.WordPress, Samples.WordPress);

        var client = app.CreateClient();
        Assert.Contains("Written here first", (await client.GetDocumentAsync("/2014/03/march-for-peace")).Body!.TextContent);
        Assert.Contains("Meet at the station", (await client.GetDocumentAsync("/2014/03/march-for-peace-2")).Body!.TextContent);
        Assert.Contains("Our own name", (await client.GetDocumentAsync("/")).Title);
        await app.Visitor().AssertRedirectsAsync("/?p=11", "/2014/03/march-for-peace-2");
    }

    /// <summary>The sample export as if it came from a blog at this address (host, port, folder).</summary>
    private static string ExportFrom(string address) => Samples.WordPress.Replace("https://coalition.example.org", address, StringComparison.Ordinal);

    [Fact]
    public async Task Two_blogs_on_one_host_keep_their_own_posts_and_each_re_import_changes_nothing()
    {
        await using var app = App();
        var first = await app.ImportAsync(ImportFormat.WordPress, ExportFrom("https://example.org/siteA"));
        // The same post ids, on the same host, in another folder: another blog, not a re-import.
        var second = await app.ImportAsync(ImportFormat.WordPress, ExportFrom("https://example.org/siteB"));
        Assert.True(first.Posts > 0);
        Assert.Equal((first.Posts, first.Pages, first.Comments, 0), (second.Posts, second.Pages, second.Comments, second.AlreadyImported));

        var backup = await app.BackupAsync();
        var again = await app.ImportAsync(ImportFormat.WordPress, ExportFrom("https://example.org/siteA"));
        // An export taken after the blog moved from http to https is the same blog.
        var moved = await app.ImportAsync(ImportFormat.WordPress, ExportFrom("http://example.org/siteB/"));
        Assert.Equal((0, 0, 0), (again.Posts, again.Pages, again.Comments));
        Assert.Equal((0, 0, 0), (moved.Posts, moved.Pages, moved.Comments));
        Assert.True(again.AlreadyImported > 0 && moved.AlreadyImported > 0);
        Assert.Equal(backup, await app.BackupAsync());
    }

    [Fact]
    public async Task Blogs_on_two_ports_of_one_host_are_two_blogs()
    {
        await using var app = App();
        var first = await app.ImportAsync(ImportFormat.WordPress, ExportFrom("https://example.org"));
        var second = await app.ImportAsync(ImportFormat.WordPress, ExportFrom("https://example.org:8443"));
        Assert.Equal((first.Posts, 0), (second.Posts, second.AlreadyImported));
    }

    [Fact]
    public async Task A_password_protected_post_arrives_as_a_draft_and_the_report_says_so()
    {
        await using var app = App();
        // The same post scheduled as well as published: a password makes either a draft.
        var file = Samples.WordPress.Replace("</channel>", """
              <item>
                <title>Strategy for next year</title>
                <dc:creator>sam</dc:creator>
                <content:encoded><![CDATA[<p>Only for the committee.</p>]]></content:encoded>
                <wp:post_id>17</wp:post_id>
                <wp:post_date_gmt>2030-02-01 10:00:00</wp:post_date_gmt>
                <wp:post_name>strategy</wp:post_name>
                <wp:status>future</wp:status>
                <wp:post_password>committee</wp:post_password>
                <wp:post_type>post</wp:post_type>
              </item>
            </channel>
            """, StringComparison.Ordinal);

        var summary = await app.ImportAsync(ImportFormat.WordPress, file);

        Assert.Equal(2, summary.PasswordProtected);
        Assert.Equal(5, summary.Drafts);
        Assert.Matches(@"with password\s+2", summary.ToString());
        var backup = System.Text.Json.JsonDocument.Parse(await app.BackupAsync()).RootElement;
        var statuses = backup.GetProperty("posts").EnumerateArray().ToDictionary(p => p.GetProperty("title").GetString()!, p => p.GetProperty("status").GetString());
        Assert.Equal("draft", statuses["Committee notes"]);
        Assert.Equal("draft", statuses["Strategy for next year"]);
        var client = app.Visitor();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/2014/03/committee-notes")).StatusCode);
        // A draft gets no redirect from its old addresses either: they would lead readers to it.
        Assert.NotEqual(HttpStatusCode.MovedPermanently, (await client.GetAsync("/?p=16")).StatusCode);
        Assert.DoesNotContain("Notes for members", await app.CreateClient().GetStringAsync("/feed.atom"));
    }

    [Fact]
    public async Task An_element_the_sanitiser_does_not_allow_is_unwrapped_and_its_text_kept_but_scripts_go()
    {
        await using var app = App();
        var file = Samples.WordPress.Replace("<p>Write to the secretary.</p>",
            "<p>Write to <foo>the secretary</foo> or <custom-card data-x=\"1\"><span>the chair</span></custom-card>.</p><script>alert('owned')</script><svg><text>drawn</text></svg>",
            StringComparison.Ordinal);

        var summary = await app.ImportAsync(ImportFormat.WordPress, file);

        Assert.True(summary.Sanitised > 0);
        var body = (await app.CreateClient().GetDocumentAsync("/contact-us")).QuerySelector(".post-body")!;
        Assert.Equal("Write to the secretary or the chair.", body.TextContent.Trim());
        Assert.Equal("the chair", body.QuerySelector("p > span")!.TextContent);
        Assert.Empty(body.QuerySelectorAll("script, svg, foo, custom-card"));
    }
}

public sealed class SqliteWordPressImportTests() : WordPressImportTests(TestProvider.Sqlite);

public sealed class PostgresWordPressImportTests() : WordPressImportTests(TestProvider.Postgres);
