using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Site;

/// <summary>
/// Requests anybody can send with curl: an odd method, a Host header .NET cannot read, a form without its token, a
/// return address that is not plain ASCII. Each gets a 4xx that says what was wrong, and none leaves an exception
/// (a stack trace) or an error in the log.
/// </summary>
public abstract class HostileRequestTests(TestProvider provider)
{
    private static readonly string[] PublicPaths = ["/", "/2015/10/a-real-post", "/tag/news", "/about", "/feed.atom", "/feed.rss",
        "/tag/news/feed.atom", "/sitemap.xml", "/robots.txt", "/opensearch.xml", "/search?q=real", "/no-such-page"];

    private async Task<BroadsheetFactory> SiteAsync(bool kestrel = false)
    {
        var app = new BroadsheetFactory(provider);
        if (kestrel)
        {
            app.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            app.StartServer();
        }
        await app.AddPostAsync("A real post", tags: ["News"], publishedAt: new DateTime(2015, 10, 25, 12, 0, 0, DateTimeKind.Utc));
        await app.AddPostAsync("About", kind: Features.Posts.PostKind.Page, slug: "about");
        return app;
    }

    [Fact]
    public async Task Trace_and_options_on_any_page_are_405_with_the_methods_it_answers()
    {
        await using var app = await SiteAsync();
        var log = CapturedLog.Of(app);
        var client = app.CreateClient();
        foreach (var method in new[] { "TRACE", "OPTIONS" })
        {
            foreach (var path in PublicPaths.Append("/admin/login").Append("/admin/forgot-password"))
            {
                var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
                Assert.True(response.StatusCode == HttpStatusCode.MethodNotAllowed, $"{method} {path} answered {(int)response.StatusCode}");
                var problem = await ProblemAsync(response);
                Assert.Contains($"does not answer {method} requests", problem.GetProperty("detail").GetString());
            }
        }
        var page = await client.SendAsync(new HttpRequestMessage(HttpMethod.Trace, "/admin/login") { Headers = { Accept = { new("text/html") } } });
        Assert.Equal(HttpStatusCode.MethodNotAllowed, page.StatusCode);
        Assert.Equal("GET, HEAD, POST", string.Join(", ", page.Content.Headers.Allow));
        Assert.Contains("does not answer TRACE requests", await page.Content.ReadAsStringAsync());
        Assert.Empty(log.Failures);
    }

    [Theory]
    [InlineData("xn--")]
    [InlineData("xn--zz")]
    [InlineData("evil.example:99999")]
    public async Task A_host_header_that_is_no_address_is_a_400_on_every_page(string host)
    {
        // Through a real socket: neither HttpClient nor the in-memory test server lets such a Host through.
        await using var app = await SiteAsync(kestrel: true);
        var log = CapturedLog.Of(app);
        var port = KestrelAddress(app).Port;
        foreach (var path in PublicPaths.Append("/admin/login"))
        {
            var response = await RawGetAsync(port, path, host);
            Assert.True(response.StartsWith("HTTP/1.1 400 ", StringComparison.Ordinal), $"{path} with Host: {host} answered {response[..Math.Min(60, response.Length)]}");
            Assert.Contains("Content-Type: application/problem+json", response);
            Assert.Contains("Host header is not a valid host name and port", response);
        }
        Assert.Equal("HTTP/1.1 200 OK", (await RawGetAsync(port, "/feed.atom", "campaign.example.org")).Split("\r\n")[0]);
        Assert.Empty(log.Failures);
    }

    [Fact]
    public async Task A_form_posted_without_its_token_gets_problem_details_or_a_page_that_says_so()
    {
        await using var app = await SiteAsync();
        await app.AddUserAsync(Roles.Editor, "ed@example.org");
        var log = CapturedLog.Of(app);
        var fields = new Dictionary<string, string> { ["Input.Email"] = "ed@example.org", ["Input.Password"] = AdminClient.Password };

        var api = await app.Browser().PostAsync("/admin/login", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
        var problem = await ProblemAsync(api);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Contains("reload the page", problem.GetProperty("detail").GetString());

        var browser = app.Browser();
        browser.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
        var page = await browser.PostAsync("/admin/login", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("reload the page", await page.Content.ReadAsStringAsync());

        var body = new StringContent("--x\r\nnot a multipart body");
        body.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");
        var malformed = await app.Browser().PostAsync("/admin/login", body);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(log.Failures, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task A_valid_form_post_to_a_page_that_only_reads_is_405()
    {
        await using var app = await SiteAsync();
        await app.AddUserAsync(Roles.Owner);
        var log = CapturedLog.Of(app);
        var client = app.Browser();
        var token = await client.AntiforgeryTokenAsync("/admin/login");
        foreach (var path in new[] { "/", "/2015/10/a-real-post", "/tag/news", "/about" })
        {
            var response = await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
            Assert.True(response.StatusCode == HttpStatusCode.MethodNotAllowed, $"POST {path} answered {(int)response.StatusCode}");
            Assert.Equal("GET, HEAD", string.Join(", ", response.Content.Headers.Allow));
        }
        Assert.Empty(log.Failures);
    }

    [Theory]
    [InlineData("/admin/posts?q=%E3%80%82", "/admin/posts?q=%E3%80%82")]            // U+3002, the ideographic full stop
    [InlineData("/admin/tags/%C3%9Cber", "/admin/tags/%C3%9Cber")]
    [InlineData("/admin/posts\u3002evil.example", "/admin/posts%E3%80%82evil.example")]
    [InlineData("/admin/posts\r\nSet-Cookie: x=1", "/admin")]                     // control characters: not a local address
    [InlineData("/\tevil.example", "/admin")]
    [InlineData("//evil.example", "/admin")]
    public async Task A_return_address_that_is_not_plain_ascii_still_signs_in_and_stays_on_the_site(string returnUrl, string expected)
    {
        // On Kestrel, which (unlike the in-memory test server) refuses a Location header that is not ASCII.
        await using var app = await SiteAsync(kestrel: true);
        await app.AddUserAsync(Roles.Editor, "ed@example.org");
        var log = CapturedLog.Of(app);
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = new() }) { BaseAddress = KestrelAddress(app) };
        var token = await client.AntiforgeryTokenAsync("/admin/login");

        var response = await client.PostAsync("/admin/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = "ed@example.org", ["Input.Password"] = AdminClient.Password, ["ReturnUrl"] = returnUrl, ["__RequestVerificationToken"] = token,
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(expected, response.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin")).StatusCode); // the sign-in held
        Assert.Empty(log.Failures);
    }

    private static Uri KestrelAddress(BroadsheetFactory app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>One GET over a plain socket with exactly this Host header; the whole response as text.</summary>
    private static async Task<string> RawGetAsync(int port, string path, string host)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }
}

public sealed class SqliteHostileRequestTests() : HostileRequestTests(TestProvider.Sqlite);

public sealed class PostgresHostileRequestTests() : HostileRequestTests(TestProvider.Postgres);
