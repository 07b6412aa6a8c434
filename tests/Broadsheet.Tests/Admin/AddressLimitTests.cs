using System.Net;
using AngleSharp.Html.Parser;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Settings;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Admin;

/// <summary>
/// The per-address limits on sign-in and reset requests, counted in the database (every node sees the same
/// counts), and who an address is behind a proxy: trusted proxies name the client and its scheme, anyone
/// else's X-Forwarded-* headers are ignored.
/// </summary>
public abstract class AddressLimitTests(TestProvider provider)
{
    private const string Editor = "ed@example.org";
    private const string Proxy = "10.0.0.1";

    private BroadsheetFactory App() => new(provider);

    private static Task<HttpResponseMessage> SignInAsync(HttpClient client, string email, string password) =>
        client.SubmitAsync("/admin/login", new() { ["Input.Email"] = email, ["Input.Password"] = password });

    /// <summary>Wrong passwords for accounts that do not exist, so no account's own lockout comes into it.</summary>
    private static async Task FailAsync(Func<HttpClient> client, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var response = await SignInAsync(client(), $"nobody{i}@example.org", "a guess");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("do not match", await response.Content.ReadAsStringAsync());
        }
    }

    private static async Task AssertWrongPasswordAnsweredAsync(HttpClient client)
    {
        var response = await SignInAsync(client, "nobody@example.org", "a guess");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("do not match", await response.Content.ReadAsStringAsync());
    }

    private static async Task AssertSlowedAsync(HttpClient client)
    {
        var response = await SignInAsync(client, Editor, AdminClient.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Contains("Too many failed sign-ins from your network", await response.Content.ReadAsStringAsync());
        var retryAfter = int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("broadsheet.auth=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_window_is_fixed_from_the_first_failure_and_reopens_after_it_whatever_happens_meanwhile()
    {
        await using var app = App().With("Accounts:MaxFailedAttemptsPerAddress", "3");
        await app.AddUserAsync(Roles.Editor, Editor);
        await FailAsync(() => app.Browser("192.0.2.7"), 3);

        // Ten minutes on, the editor signs in from the same address; a guess right after is slowed.
        app.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(app.Browser("192.0.2.7"), Editor, AdminClient.Password)).StatusCode);
        await AssertSlowedAsync(app.Browser("192.0.2.7"));

        // Fifteen minutes after the first failure (not the last try) the budget is whole again.
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        await FailAsync(() => app.Browser("192.0.2.7"), 2);
    }

    [Fact]
    public async Task Past_its_budget_an_address_gets_one_try_a_minute_and_the_right_password_still_signs_in()
    {
        await using var app = App().With("Accounts:MaxFailedAttemptsPerAddress", "3");
        await app.AddUserAsync(Roles.Editor, Editor);
        await FailAsync(() => app.Browser("192.0.2.8"), 3);

        await AssertWrongPasswordAnsweredAsync(app.Browser("192.0.2.8"));
        // The next try within the minute is refused without the password being checked, right or wrong.
        await AssertSlowedAsync(app.Browser("192.0.2.8"));

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var editor = app.Browser("192.0.2.8");
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(editor, Editor, AdminClient.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await editor.GetAsync("/admin")).StatusCode);

        // Another address was never slowed.
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(app.Browser("198.51.100.7"), Editor, AdminClient.Password)).StatusCode);
    }

    [Fact]
    public async Task Past_its_budget_an_address_that_signs_in_at_its_turn_is_not_kept_waiting_for_the_second_factor()
    {
        await using var app = App().With("Accounts:MaxFailedAttemptsPerAddress", "3");
        await app.AddUserAsync(Roles.Editor, Editor);
        var key = await Authenticator.TurnOnAsync(await app.SignedInAsync(Roles.Author, "careful@example.org"), app.Clock);
        await FailAsync(() => app.Browser("192.0.2.14"), 3);

        var laptop = app.Browser("192.0.2.14");
        var step = await SignInAsync(laptop, "careful@example.org", AdminClient.Password);
        Assert.StartsWith("/admin/login/two-factor", step.Headers.Location?.OriginalString, StringComparison.Ordinal);
        var signedIn = await laptop.SubmitAsync(step.Headers.Location!.OriginalString, new() { ["Code"] = Authenticator.NextCode(key, app.Clock) });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await laptop.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task Reset_requests_have_a_budget_of_their_own_apart_from_failed_sign_ins()
    {
        await using var mail = new TestMailServer();
        await using var app = mail.Configure(App())
            .With(SiteSettingsCache.BaseUrlKey, "http://localhost")
            .With("Accounts:MaxFailedAttemptsPerAddress", "3")
            .With("Accounts:MaxResetRequestsPerAddress", "3");
        await app.AddUserAsync(Roles.Editor, Editor);

        for (var i = 0; i < 3; i++)
        {
            var asked = await app.Browser("192.0.2.9").SubmitAsync("/admin/forgot-password", new() { ["Email"] = $"nobody{i}@example.org" });
            Assert.Contains("on its way", await asked.Content.ReadAsStringAsync());
        }
        var flood = await app.Browser("192.0.2.9").SubmitAsync("/admin/forgot-password", new() { ["Email"] = "nobody@example.org" });
        Assert.Equal(HttpStatusCode.TooManyRequests, flood.StatusCode);
        Assert.Contains("Too many requests", await flood.Content.ReadAsStringAsync());

        // Asking for links spent none of the sign-in budget...
        await FailAsync(() => app.Browser("192.0.2.9"), 3);
        // ...and failing to sign in spends none of the reset budget.
        await FailAsync(() => app.Browser("192.0.2.10"), 3);
        var asks = await app.Browser("192.0.2.10").SubmitAsync("/admin/forgot-password", new() { ["Email"] = "nobody@example.org" });
        Assert.Contains("on its way", await asks.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_client_address_has_its_own_count()
    {
        await using var app = App().With("Proxy:KnownProxies", Proxy);
        await app.AddUserAsync(Roles.Editor, Editor);
        // The default budget: 20 anonymous failures from one client behind the proxy.
        await FailAsync(() => app.BehindProxy(Proxy, "203.0.113.5"), 20);

        await AssertWrongPasswordAnsweredAsync(app.BehindProxy(Proxy, "203.0.113.5"));
        await AssertSlowedAsync(app.BehindProxy(Proxy, "203.0.113.5"));

        // Another client of the same proxy is not affected.
        await AssertWrongPasswordAnsweredAsync(app.BehindProxy(Proxy, "203.0.113.99"));
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(app.BehindProxy(Proxy, "203.0.113.99"), Editor, AdminClient.Password)).StatusCode);
    }

    [Fact]
    public async Task A_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored_even_with_the_frameworks_switch_on()
    {
        // FORWARDEDHEADERS_ENABLED is what ASPNETCORE_FORWARDEDHEADERS_ENABLED=true sets: left alone it trusts every sender.
        await using var app = App()
            .WithHostSetting("FORWARDEDHEADERS_ENABLED", "true")
            .With("Proxy:KnownProxies", Proxy)
            .With("Accounts:MaxFailedAttemptsPerAddress", "3");
        await app.AddUserAsync(Roles.Editor, Editor);
        var n = 0;
        HttpClient Spoofer() => app.BehindProxy("192.0.2.66", $"198.18.0.{++n}");

        await FailAsync(Spoofer, 3);
        await AssertWrongPasswordAnsweredAsync(Spoofer());
        await AssertSlowedAsync(Spoofer());
    }

    [Fact]
    public async Task With_the_frameworks_switch_on_and_no_proxy_named_only_loopback_is_trusted()
    {
        // No Proxy:* setting: the switch empties the framework's loopback default, which must not leave every sender trusted.
        await using var app = App()
            .WithHostSetting("FORWARDEDHEADERS_ENABLED", "true")
            .With("Accounts:MaxFailedAttemptsPerAddress", "3");
        await app.AddUserAsync(Roles.Editor, Editor);
        var n = 0;
        HttpClient Spoofer() => app.BehindProxy("192.0.2.67", $"198.18.1.{++n}");

        await FailAsync(Spoofer, 3);
        await AssertWrongPasswordAnsweredAsync(Spoofer());
        await AssertSlowedAsync(Spoofer());
    }

    [Fact]
    public async Task A_burst_of_tries_sent_at_once_gets_no_more_password_checks_than_the_budget()
    {
        await using var app = App().With("Accounts:MaxFailedAttemptsPerAddress", "3");
        await app.AddUserAsync(Roles.Editor, Editor);
        // Every form is fetched first, then all the posts go at once: none may pass a count the others have not added to yet.
        var tries = new List<(HttpClient Client, AngleSharp.Dom.IElement Form)>();
        for (var i = 0; i < 12; i++)
        {
            var client = app.Browser("192.0.2.77");
            var (_, page) = await client.GetPageAsync("/admin/login");
            tries.Add((client, page.QuerySelector("main form[method=post]")!));
        }

        var answers = await Task.WhenAll(tries.Select(t => t.Client.SubmitAsync(t.Form, "/admin/login",
            new() { ["Input.Email"] = $"guess{tries.IndexOf(t)}@example.org", ["Input.Password"] = "not the password" })));

        // Within the budget, plus at most the one turn past it.
        Assert.InRange(answers.Count(a => a.StatusCode != HttpStatusCode.TooManyRequests), 3, 4);
    }

    [Fact]
    public async Task Addresses_in_one_IPv6_64_share_one_count()
    {
        await using var app = App().With("Accounts:MaxFailedAttemptsPerAddress", "3");
        await app.AddUserAsync(Roles.Editor, Editor);
        var n = 0;
        await FailAsync(() => app.Browser($"2001:db8:5:6::{++n:x}"), 3);

        await AssertWrongPasswordAnsweredAsync(app.Browser("2001:db8:5:6:ffff::1"));
        await AssertSlowedAsync(app.Browser("2001:db8:5:6:abcd::2"));
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(app.Browser("2001:db8:5:7::1"), Editor, AdminClient.Password)).StatusCode);
    }

    [Fact]
    public async Task Two_nodes_on_one_database_see_the_same_counts()
    {
        await using var first = App().With("Accounts:MaxFailedAttemptsPerAddress", "3");
        await first.AddUserAsync(Roles.Editor, Editor);
        await using var second = first.AnotherNode();

        await FailAsync(() => first.Browser("192.0.2.11"), 2);
        await FailAsync(() => second.Browser("192.0.2.11"), 1);

        // The address's one turn is shared too: taken on one node, the other slows the next try.
        await AssertWrongPasswordAnsweredAsync(second.Browser("192.0.2.11"));
        await AssertSlowedAsync(first.Browser("192.0.2.11"));
    }

    [Fact]
    public async Task Counts_whose_window_has_ended_are_deleted()
    {
        await using var app = App();
        await app.AddUserAsync(Roles.Editor, Editor);
        await FailAsync(() => app.Browser("192.0.2.12"), 1);
        app.Clock.Advance(TimeSpan.FromMinutes(20));
        await FailAsync(() => app.Browser("192.0.2.13"), 1);

        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<Broadsheet.Data.BroadsheetDb>();
        Assert.Equal(["192.0.2.13"], await db.AddressCounters.Select(c => c.Address).ToListAsync());
    }

    [Fact]
    public async Task Through_a_trusted_tls_proxy_cookies_are_secure_redirects_are_https_and_hsts_is_sent()
    {
        await using var app = App().With("Proxy:KnownProxies", Proxy);
        await app.AddUserAsync(Roles.Editor, Editor);

        var signIn = await SignInWithoutCookieJarAsync(app, Proxy, "https");
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.True(IsSecure(AuthCookie(signIn)));
        Assert.StartsWith("max-age=", signIn.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);

        var client = Client(app, Proxy, "https");
        var toLogin = await client.GetAsync("/admin");
        Assert.StartsWith("https://news.example.org/admin/login", toLogin.Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.True(toLogin.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task From_an_untrusted_peer_forwarded_proto_is_ignored()
    {
        await using var app = App().With("Proxy:KnownProxies", Proxy);
        await app.AddUserAsync(Roles.Editor, Editor);

        var signIn = await SignInWithoutCookieJarAsync(app, "192.0.2.66", "https");
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.False(IsSecure(AuthCookie(signIn)));
        Assert.False(signIn.Headers.Contains("Strict-Transport-Security"));

        var toLogin = await Client(app, "192.0.2.66", "https").GetAsync("/admin");
        Assert.StartsWith("http://news.example.org/admin/login", toLogin.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hsts_is_not_sent_over_http_nor_to_localhost()
    {
        await using var app = App().With("Proxy:KnownProxies", Proxy);
        await app.AddUserAsync(Roles.Editor, Editor);

        Assert.False((await Client(app, Proxy, "http").GetAsync("/")).Headers.Contains("Strict-Transport-Security"));
        var local = app.BehindProxy(Proxy, "203.0.113.5", "https"); // Host: localhost
        Assert.False((await local.GetAsync("/")).Headers.Contains("Strict-Transport-Security"));
    }

    /// <summary>A client for news.example.org from <paramref name="peer"/>, naming 203.0.113.5 and <paramref name="scheme"/> in forwarded headers; it keeps no cookies (a jar would not send secure ones back over the test server's http).</summary>
    private static HttpClient Client(BroadsheetFactory app, string peer, string scheme)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false, BaseAddress = new Uri("http://news.example.org/") });
        client.DefaultRequestHeaders.Add(TestClientAddress.Header, peer);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.5");
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", scheme);
        return client;
    }

    /// <summary>Reads the login form and posts it with its antiforgery cookie passed by hand.</summary>
    private static async Task<HttpResponseMessage> SignInWithoutCookieJarAsync(BroadsheetFactory app, string peer, string scheme)
    {
        var client = Client(app, peer, scheme);
        var form = await client.GetAsync("/admin/login");
        var antiforgery = form.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(AccountsSetup.AntiforgeryCookieName + "=", StringComparison.Ordinal));
        var page = new HtmlParser().ParseDocument(await form.Content.ReadAsStringAsync());
        var token = page.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/admin/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Input.Email"] = Editor, ["Input.Password"] = AdminClient.Password, ["__RequestVerificationToken"] = token,
            }),
        };
        post.Headers.Add("Cookie", antiforgery.Split(';')[0]);
        return await client.SendAsync(post);
    }

    private static bool IsSecure(string setCookie) =>
        setCookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Contains("secure", StringComparer.OrdinalIgnoreCase);

    private static string AuthCookie(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("broadsheet.auth=", StringComparison.Ordinal));
}

public sealed class SqliteAddressLimitTests() : AddressLimitTests(TestProvider.Sqlite);

public sealed class PostgresAddressLimitTests() : AddressLimitTests(TestProvider.Postgres);
