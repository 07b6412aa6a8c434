using System.Net;
using Broadsheet.Features.Posts;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Site;

/// <summary>Whatever a client sends, the site answers with a page or a 404, never a 500; hostile HTML never runs.</summary>
public abstract class BadInputTests(TestProvider provider)
{
    private static readonly string[] OddAddresses = [
        "/?page=abc", "/?page=%FF", "/?page=0", "/?page=99999999999999999999", "/?page=2147483647", "/?page=1&page=2", "/?page=1e3",
        "/?page=%00", "/?%FF=%FE", "/?page=", "/?&&&=&", "/tag/news?page=abc", "/tag/news?page=500", "/author/ada-byrne?page=-3",
        "/2015?page=abc", "/2015/10?page=999999", "/archive?page=zzz",
        "/2015/13/x", "/2015/00/x", "/9999/01/x", "/0000/01/x", "/2015/10/", "/2015/10/x%01y", "/%01", "/tag/%7F", "/author/%1B",
        "/tag/%FF%FE", "/2015/10/%F0%9F%92%A5", "/..%2F..%2Fetc%2Fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "/tag/a%2Fb/feed.atom",
        "/sitemap-0.xml", "/sitemap-999.xml", "/sitemap-99999999999.xml", "/feed.atom?page=%FF", "/robots.txt?x=%00",
        "/not-found", "/error", "/2015/10/x/feed.atom", "/tag//feed.atom", "/%20", "/a b c", "/Über-uns"];

    [Fact]
    public async Task Odd_addresses_get_a_normal_page_or_a_404()
    {
        await using var app = new BroadsheetFactory(provider);
        await app.AddPostAsync("A real post", tags: ["News"], authors: ["Ada Byrne"], publishedAt: new DateTime(2015, 10, 25, 12, 0, 0, DateTimeKind.Utc));
        var client = app.CreateClient();
        var wrong = new List<string>();
        foreach (var path in OddAddresses)
        {
            var response = await client.GetAsync(path);
            if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.NotFound or HttpStatusCode.MovedPermanently))
                wrong.Add($"{path} answered {(int)response.StatusCode}");
        }
        Assert.Empty(wrong);
    }

    [Fact]
    public async Task Very_long_addresses_are_a_404()
    {
        await using var app = new BroadsheetFactory(provider);
        await app.AddPostAsync("A real post");
        var client = app.CreateClient();
        var longSlug = new string('a', 5000);
        foreach (var path in new[] { "/" + longSlug, "/2015/10/" + longSlug, "/tag/" + longSlug, "/author/" + longSlug, "/tag/" + longSlug + "/feed.rss",
                     "/" + string.Join('/', Enumerable.Repeat("deep", 500)) })
        {
            var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path[..40]}… answered {(int)response.StatusCode}");
        }
        var query = await client.GetAsync("/?page=" + new string('9', 5000));
        Assert.Equal(HttpStatusCode.NotFound, query.StatusCode);
    }

    [Theory]
    [InlineData(BodyFormat.Html)]
    [InlineData(BodyFormat.Markdown)]
    public async Task Hostile_html_in_a_body_never_reaches_the_page_as_script(BodyFormat format)
    {
        const string hostile = """
            <p>Fine words.</p>
            <script>alert('body')</script>
            <img src="x.png" alt="x" onerror="alert('img')">
            <a href="javascript:alert('link')">click</a>
            <a href="JaVaScRiPt:alert('link2')">click2</a>
            <iframe src="https://evil.example/"></iframe>
            <iframe src="https://www.youtube.com/embed/abc123"></iframe>
            <style>body { display: none }</style>
            <svg onload="alert('svg')"><circle r="1"/></svg>
            <div style="background:url(javascript:alert('css'))" onclick="alert('div')">styled</div>
            <form action="https://evil.example/"><input name="password"></form>
            <object data="evil.swf"></object><embed src="evil.swf">
            <meta http-equiv="refresh" content="0;url=https://evil.example/">
            <base href="https://evil.example/">
            <p>More words.<!--more--></p>
            <p>After the break.</p>
            """;
        await using var app = new BroadsheetFactory(provider);
        var post = await app.AddPostAsync("</title><script>alert('title')</script>", body: hostile, format: format, tags: ["<b>tag</b>"], authors: ["<img src=x onerror=alert(1)>"]);
        var client = app.CreateClient();

        foreach (var path in new[] { post.Permalink!, "/", "/tag/b-tag-b", "/2026/03" })
        {
            var page = await client.GetDocumentAsync(path);
            Assert.All(page.QuerySelectorAll("script"), s => Assert.Equal("application/ld+json", s.GetAttribute("type")));
            Assert.Empty(page.QuerySelectorAll("main style, main object, main embed, main form, main base, main meta, head base"));
            Assert.Empty(page.QuerySelectorAll("meta[http-equiv]"));
            foreach (var element in page.All)
            {
                foreach (var attribute in element.Attributes)
                {
                    Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"{path}: {element.LocalName} has {attribute.Name}");
                    Assert.DoesNotContain("javascript:", attribute.Value.Replace(" ", ""), StringComparison.OrdinalIgnoreCase);
                }
            }
            Assert.All(page.QuerySelectorAll("iframe"), f =>
            {
                Assert.StartsWith("https://www.youtube.com/", f.GetAttribute("src"));
                Assert.NotNull(f.GetAttribute("sandbox"));
            });
            Assert.Contains("Fine words.", page.QuerySelector("main")!.TextContent);
        }
        var show = await client.GetDocumentAsync(post.Permalink!);
        Assert.Equal("</title><script>alert('title')</script>", show.QuerySelector("h1").Text());
        Assert.Single(show.QuerySelectorAll("main iframe"));

        // The feeds carry the same cleaned HTML.
        var feed = FeedReaders.Syndication(await client.GetByteArrayAsync("/feed.atom"));
        var html = ((System.ServiceModel.Syndication.TextSyndicationContent)feed.Items.Single().Content).Text;
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onerror", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Hostile_comments_and_commenter_links_are_defused()
    {
        await using var app = new BroadsheetFactory(provider);
        var post = await app.AddPostAsync("Open thread");
        await app.AddCommentAsync(post, "<script>alert('name')</script>", "<p onclick=\"alert(1)\">Hello <a href=\"javascript:alert(2)\">there</a></p><script>alert(3)</script>",
            authorUrl: "javascript:alert('url')");
        var page = await app.CreateClient().GetDocumentAsync(post.Permalink!);
        var comment = page.QuerySelector(".comments li")!;
        Assert.Contains("<script>alert('name')</script>", comment.QuerySelector(".comment-meta")!.TextContent);
        Assert.Empty(comment.QuerySelectorAll("script, [onclick]"));
        Assert.All(comment.QuerySelectorAll("a"), a => Assert.DoesNotContain("javascript:", a.GetAttribute("href") ?? ""));
        Assert.Contains("Hello", comment.QuerySelector(".comment-body")!.TextContent);
    }
}

public sealed class SqliteBadInputTests() : BadInputTests(TestProvider.Sqlite);

public sealed class PostgresBadInputTests() : BadInputTests(TestProvider.Postgres);
