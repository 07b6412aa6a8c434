using System.Net;
using System.Text.RegularExpressions;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Settings;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Security;

/// <summary>
/// The hostile probe's four findings, replayed as the attacker sent them: over a real socket to Kestrel on
/// loopback, from a plain HttpClient that sets its own Host and X-Forwarded-For headers and keeps or copies
/// cookies by hand. The in-memory test server would normalise some of these requests; Kestrel does not.
/// </summary>
public abstract partial class AttackerProbeTests(TestProvider provider)
{
    private const string SiteAddress = "https://campaign.example.org";
    private const string OwnerEmail = "owner@example.org";

    [Fact]
    public async Task A_reset_asked_for_under_an_attackers_host_mails_a_link_to_the_site_and_never_to_the_attacker()
    {
        await using var mail = new TestMailServer();
        await using var app = mail.Configure(new BroadsheetFactory(provider)).With(SiteSettingsCache.BaseUrlKey, SiteAddress);
        using var attacker = Client(app.StartOnLoopback()); // Kestrel before anything touches the app's services
        await app.AddUserAsync(Roles.Owner, OwnerEmail);
        attacker.DefaultRequestHeaders.Host = "evil.example";

        var asked = await attacker.SubmitAsync("/admin/forgot-password", new() { ["Email"] = OwnerEmail });

        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        var text = (await mail.MessageToAsync(OwnerEmail)).TextBody ?? "";
        Assert.DoesNotContain("evil.example", text, StringComparison.OrdinalIgnoreCase);
        var link = Assert.Single(Links().Matches(text).Select(m => new Uri(m.Value)));
        Assert.Equal(new Uri(SiteAddress).Authority, link.Authority);
        Assert.StartsWith("/admin/reset-password", link.AbsolutePath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_site_address_an_attackers_reset_request_mails_nothing()
    {
        await using var mail = new TestMailServer();
        await using var app = mail.Configure(new BroadsheetFactory(provider));
        using var attacker = Client(app.StartOnLoopback()); // Kestrel before anything touches the app's services
        await app.AddUserAsync(Roles.Owner, OwnerEmail);
        attacker.DefaultRequestHeaders.Host = "evil.example";

        var asked = await attacker.SubmitAsync("/admin/forgot-password", new() { ["Email"] = OwnerEmail });

        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Contains("address", await asked.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        await Task.Delay(300);
        Assert.Empty(mail.Messages);
    }

    [Theory]
    [InlineData('\u0001')]
    [InlineData('\u000B')]
    [InlineData('\uFFFE')]
    public async Task An_author_typing_a_character_xml_cannot_hold_does_not_take_the_feeds_down(char bad)
    {
        await using var app = new BroadsheetFactory(provider).With(SiteSettingsCache.BaseUrlKey, SiteAddress);
        var address = app.StartOnLoopback();
        await app.AddUserAsync(Roles.Author, "author@example.org");
        using var author = Client(address);
        Assert.Equal(HttpStatusCode.Redirect, (await author.SubmitAsync("/admin/login",
            new() { ["Input.Email"] = "author@example.org", ["Input.Password"] = AdminClient.Password })).StatusCode);

        var published = await author.SubmitAsync("/admin/posts/edit",
            new() { ["Input.Title"] = $"Vigil{bad} tonight", ["Input.Body"] = $"Bring{bad} candles.", ["Input.Tags"] = $"Vig{bad}ils" },
            "form[data-editor]", "act=publish");
        Assert.Equal(HttpStatusCode.Redirect, published.StatusCode);

        using var reader = Client(address);
        foreach (var path in new[] { "/feed.atom", "/feed.rss", "/sitemap.xml" })
        {
            var response = await reader.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            var doc = System.Xml.Linq.XDocument.Load(new MemoryStream(bytes)); // a strict XML parser, as every feed reader has
            Assert.NotNull(doc.Root);
            // Dropped, or (a vertical tab) made a space: the words either side stay.
            if (path != "/sitemap.xml")
                Assert.Contains(FeedReaders.Syndication(bytes).Items, i => i.Title.Text.StartsWith("Vigil", StringComparison.Ordinal) && i.Title.Text.EndsWith("tonight", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_one_attacking_client_does_not_lock_out_an_editor_behind_the_same_proxy()
    {
        // nginx on the same machine: every connection comes from loopback, the client is named in X-Forwarded-For.
        await using var app = new BroadsheetFactory(provider).With("Proxy:KnownProxies", "127.0.0.1");
        var address = app.StartOnLoopback();
        await app.AddUserAsync(Roles.Editor, "editor@example.org");

        // Guesses spread over many account names, so no account's own lockout is what stops them.
        for (var i = 0; i < 25; i++)
        {
            using var attacker = Client(address, forwardedFor: "203.0.113.66");
            await attacker.SubmitAsync("/admin/login", new() { ["Input.Email"] = $"someone{i}@example.org", ["Input.Password"] = $"guess number {i}" });
        }
        using var attackerAgain = Client(address, forwardedFor: "203.0.113.66");
        var refused = await attackerAgain.SubmitAsync("/admin/login", new() { ["Input.Email"] = "someone-else@example.org", ["Input.Password"] = "one more guess" });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);

        using var editor = Client(address, forwardedFor: "198.51.100.20");
        var signedIn = await editor.SubmitAsync("/admin/login", new() { ["Input.Email"] = "editor@example.org", ["Input.Password"] = AdminClient.Password });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await editor.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task A_client_that_is_no_trusted_proxy_cannot_escape_the_limit_by_naming_new_addresses()
    {
        // The proxy is elsewhere: this loopback client is a client, and its X-Forwarded-For is its own invention.
        await using var app = new BroadsheetFactory(provider).With("Proxy:KnownProxies", "192.0.2.1");
        var address = app.StartOnLoopback();
        await app.AddUserAsync(Roles.Editor, "editor@example.org");

        HttpStatusCode last = default;
        for (var i = 0; i < 25; i++)
        {
            using var spoofer = Client(address, forwardedFor: $"198.18.0.{i + 1}");
            last = (await spoofer.SubmitAsync("/admin/login", new() { ["Input.Email"] = $"someone{i}@example.org", ["Input.Password"] = $"guess number {i}" })).StatusCode;
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, last);
    }

    [Fact]
    public async Task A_sign_in_cookie_copied_before_sign_out_is_refused_after_it()
    {
        await using var app = new BroadsheetFactory(provider);
        var address = app.StartOnLoopback();
        await app.AddUserAsync(Roles.Editor, "editor@example.org");
        using var victim = Client(address, out var jar);
        Assert.Equal(HttpStatusCode.Redirect, (await victim.SubmitAsync("/admin/login",
            new() { ["Input.Email"] = "editor@example.org", ["Input.Password"] = AdminClient.Password })).StatusCode);
        var stolen = jar.GetCookies(address).Single(c => c.Name == "broadsheet.auth").Value;

        using var thief = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = address };
        HttpRequestMessage Replay()
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/admin");
            request.Headers.Add("Cookie", $"broadsheet.auth={stolen}");
            return request;
        }
        Assert.Equal(HttpStatusCode.OK, (await thief.SendAsync(Replay())).StatusCode); // the copy works while the session lives

        Assert.Equal(HttpStatusCode.Redirect, (await victim.SubmitAsync("/admin/logout", new())).StatusCode);
        var replayed = await thief.SendAsync(Replay());

        Assert.Equal(HttpStatusCode.Redirect, replayed.StatusCode);
        Assert.StartsWith("/admin/login", replayed.Headers.Location!.AbsolutePath, StringComparison.Ordinal);
    }

    private static HttpClient Client(Uri address, string? forwardedFor = null) => Client(address, out _, forwardedFor);

    /// <summary>A real HTTP client on a socket: its own cookie jar, redirects not followed, headers as the test sets them.</summary>
    private static HttpClient Client(Uri address, out CookieContainer jar, string? forwardedFor = null)
    {
        jar = new CookieContainer();
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = jar }) { BaseAddress = address };
        if (forwardedFor is not null) client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        return client;
    }

    [GeneratedRegex(@"https?://[^\s""<>]+")]
    private static partial Regex Links();
}

public sealed class SqliteAttackerProbeTests() : AttackerProbeTests(TestProvider.Sqlite);

public sealed class PostgresAttackerProbeTests() : AttackerProbeTests(TestProvider.Postgres);
