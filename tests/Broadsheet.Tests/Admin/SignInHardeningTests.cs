using System.Diagnostics;
using System.Net;
using AngleSharp.Html.Parser;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Broadsheet.Tests.Admin;

/// <summary>
/// What an attacker gains from a copied cookie, a code seen over a shoulder, an unattended session or the sign-in
/// form's answers: nothing. On both databases, since sessions and used codes live there.
/// </summary>
public abstract class SignInHardeningTests(TestProvider provider)
{
    [Fact]
    public async Task A_cookie_copied_before_signing_out_is_refused_afterwards_on_every_node()
    {
        await using var app = new BroadsheetFactory(provider);
        await app.AddUserAsync(Roles.Editor, "ed@example.org");
        var browser = app.Browser();
        var signedIn = await browser.SubmitAsync("/admin/login", new() { ["Input.Email"] = "ed@example.org", ["Input.Password"] = AdminClient.Password });
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("broadsheet.auth=", StringComparison.Ordinal)).Split(';')[0];
        await using var otherNode = app.AnotherNode();
        Assert.Equal(HttpStatusCode.OK, (await Replay(app, cookie)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Replay(otherNode, cookie)).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await browser.SubmitAsync("/admin/logout", new())).StatusCode);

        foreach (var node in new[] { app, otherNode })
        {
            var replayed = await Replay(node, cookie);
            Assert.Equal(HttpStatusCode.Redirect, replayed.StatusCode);
            Assert.StartsWith("/admin/login", replayed.Headers.Location!.AbsolutePath);
        }
        // Signing in again is a new session, unaffected.
        var again = await app.SignInAsync("ed@example.org");
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task Signing_out_everywhere_ends_the_other_sessions_at_once()
    {
        await using var app = new BroadsheetFactory(provider);
        await app.AddUserAsync(Roles.Author, "traveller@example.org");
        var laptop = await app.SignInAsync("traveller@example.org");
        var phone = await app.SignInAsync("traveller@example.org");
        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync("/admin")).StatusCode);

        await laptop.SubmitAsync("/admin/account", new(), "form[action*=SignOutEverywhere]");

        // No waiting for the security-stamp check: the clock has not moved.
        var later = await phone.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, later.StatusCode);
        Assert.StartsWith("/admin/login", later.Headers.Location!.AbsolutePath);
    }

    [Fact]
    public async Task Resetting_the_password_ends_every_session_at_once()
    {
        await using var app = new BroadsheetFactory(provider);
        var user = await app.AddUserAsync(Roles.Author, "taken@example.org");
        var intruder = await app.SignInAsync("taken@example.org");
        string token;
        await using (var scope = app.Scope())
            token = await scope.ServiceProvider.GetRequiredService<UserManager<User>>().GeneratePasswordResetTokenAsync(user);

        var reset = await app.Browser().SubmitAsync($"/admin/reset-password?user={Uri.EscapeDataString(user.Id)}&token={Uri.EscapeDataString(token)}",
            new() { ["Password"] = "a brand new passphrase" });
        Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);

        var later = await intruder.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, later.StatusCode);
        Assert.StartsWith("/admin/login", later.Headers.Location!.AbsolutePath);
    }

    [Fact]
    public async Task An_authenticator_code_signs_in_once()
    {
        await using var app = new BroadsheetFactory(provider);
        // The app's clock at the real time, so that a provider reading the real clock is tested as fairly as one reading the app's.
        app.Clock.SetUtcNow(DateTimeOffset.UtcNow);
        var client = await app.SignedInAsync(Roles.Editor, "careful@example.org");
        var key = await Authenticator.TurnOnAsync(client, app.Clock);
        var confirmation = Authenticator.Code(key, app.Clock);

        // The code that turned two-factor on was seen; it does not sign in.
        Assert.Equal(HttpStatusCode.OK, (await CodeStepAsync(app, "careful@example.org", confirmation)).StatusCode);

        var fresh = Authenticator.NextCode(key, app.Clock);
        Assert.Equal(HttpStatusCode.Redirect, (await CodeStepAsync(app, "careful@example.org", fresh)).StatusCode);
        var replayed = await CodeStepAsync(app, "careful@example.org", fresh);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Contains("not right", await replayed.Content.ReadAsStringAsync());

        // An older code, still within the clock-drift window, is refused once a newer one was used.
        var newer = Authenticator.Code(key, app.Clock.GetUtcNow().AddSeconds(30));
        Assert.Equal(HttpStatusCode.Redirect, (await CodeStepAsync(app, "careful@example.org", newer)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CodeStepAsync(app, "careful@example.org", Authenticator.Code(key, app.Clock))).StatusCode);
    }

    [Fact]
    public async Task Turning_two_factor_off_takes_the_password_or_a_new_code()
    {
        await using var app = new BroadsheetFactory(provider);
        // The app's clock at the real time, so that a provider reading the real clock is tested as fairly as one reading the app's.
        app.Clock.SetUtcNow(DateTimeOffset.UtcNow);
        var client = await app.SignedInAsync(Roles.Editor, "careful@example.org");
        var key = await Authenticator.TurnOnAsync(client, app.Clock);
        const string disable = "form[action*=Disable]";

        foreach (var proof in new[] { "", "not my password", Authenticator.Code(key, app.Clock) })
        {
            var refused = await client.SubmitAsync("/admin/account/two-factor", new() { ["Proof"] = proof }, disable);
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            Assert.Contains("To turn two-factor sign-in off, type your password", await refused.Content.ReadAsStringAsync());
            Assert.Contains("Two-factor sign-in is on.", await client.GetStringAsync("/admin/account/two-factor"));
        }

        var byCode = await client.SubmitAsync("/admin/account/two-factor", new() { ["Proof"] = Authenticator.NextCode(key, app.Clock) }, disable);
        Assert.Equal(HttpStatusCode.Redirect, byCode.StatusCode);
        Assert.Contains("shared-key", await client.GetStringAsync("/admin/account/two-factor"));

        app.Clock.Advance(TimeSpan.FromSeconds(30)); // the new key's first code, not one of the step just used
        await Authenticator.TurnOnAsync(client, app.Clock);
        var byPassword = await client.SubmitAsync("/admin/account/two-factor", new() { ["Proof"] = AdminClient.Password }, disable);
        Assert.Equal(HttpStatusCode.Redirect, byPassword.StatusCode);
        var signIn = await app.Browser().SubmitAsync("/admin/login", new() { ["Input.Email"] = "careful@example.org", ["Input.Password"] = AdminClient.Password });
        Assert.Equal("/admin", signIn.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_failed_sign_in_reads_the_same_for_an_unknown_a_locked_and_a_wrong_password()
    {
        await using var app = new BroadsheetFactory(provider);
        await app.AddUserAsync(Roles.Author, "writer@example.org");
        await app.AddUserAsync(Roles.Author, "locked@example.org");
        for (var i = 0; i < 5; i++) await FailedSignInAsync(app, "locked@example.org", $"10.0.0.{i + 1}");

        var unknown = await FailedSignInAsync(app, "nobody@example.org", "10.0.1.1");
        var wrong = await FailedSignInAsync(app, "writer@example.org", "10.0.1.2");
        var locked = await FailedSignInAsync(app, "locked@example.org", "10.0.1.3", AdminClient.Password);

        Assert.Equal(unknown, locked);
        Assert.Equal(unknown, wrong);
        Assert.Contains("reset your password", unknown);
    }

    [Fact]
    public async Task Refusing_an_unknown_or_locked_account_costs_a_password_hash()
    {
        await using var app = new BroadsheetFactory(provider);
        var hashes = new CountingHasher();
        await using var counted = app.WithWebHostBuilder(b => b.ConfigureTestServices(s =>
        {
            s.RemoveAll<IPasswordHasher<User>>();
            s.AddSingleton<IPasswordHasher<User>>(sp => hashes.Over(new PasswordHasher<User>(sp.GetRequiredService<IOptions<PasswordHasherOptions>>())));
        }));
        await using (var scope = counted.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<AccountService>().CreateAsync("locked@example.org", "Locked", Roles.Author, AdminClient.Password);
        for (var i = 0; i < 5; i++) await FailedSignInAsync(counted, "locked@example.org", $"10.0.0.{i + 1}");

        foreach (var email in new[] { "nobody@example.org", "locked@example.org" })
        {
            var before = hashes.Verified;
            await FailedSignInAsync(counted, email, "10.0.1.1");
            Assert.Equal(before + 1, hashes.Verified);
        }
    }

    [Fact]
    public async Task An_unknown_address_takes_about_as_long_to_refuse_as_a_wrong_password()
    {
        await using var app = new BroadsheetFactory(provider).With("Accounts:MaxFailedAttempts", "100");
        await app.AddUserAsync(Roles.Author, "writer@example.org");
        var browser = app.Browser();
        var token = await browser.AntiforgeryTokenAsync("/admin/login");
        await TimedAsync("nobody@example.org"); // warm up both paths
        await TimedAsync("writer@example.org");
        List<double> known = [], unknown = [];
        // Interleaved, so a burst of load on the machine falls on both alike; medians, loosely compared (before the
        // dummy hash an unknown address was refused in under a tenth of the time).
        for (var i = 0; i < 7; i++)
        {
            unknown.Add(await TimedAsync("nobody@example.org"));
            known.Add(await TimedAsync("writer@example.org"));
        }
        Assert.True(Median(unknown) >= 0.5 * Median(known), $"unknown {Median(unknown):F1} ms, known {Median(known):F1} ms");

        async Task<double> TimedAsync(string email)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await browser.PostAsync("/admin/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Input.Email"] = email, ["Input.Password"] = "not the password", ["__RequestVerificationToken"] = token,
            }));
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return elapsed;
        }
        static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
    }

    private static Task<HttpResponseMessage> Replay(WebApplicationFactory<Program> node, string cookie)
    {
        var client = node.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var request = new HttpRequestMessage(HttpMethod.Get, "/admin");
        request.Headers.Add("Cookie", cookie);
        return client.SendAsync(request);
    }

    /// <summary>Password, then <paramref name="code"/> at the second step, in a new browser; the second step's answer.</summary>
    private static async Task<HttpResponseMessage> CodeStepAsync(BroadsheetFactory app, string email, string code)
    {
        var browser = app.Browser();
        var step = await browser.SubmitAsync("/admin/login", new() { ["Input.Email"] = email, ["Input.Password"] = AdminClient.Password });
        Assert.StartsWith("/admin/login/two-factor", step.Headers.Location!.OriginalString);
        return await browser.SubmitAsync(step.Headers.Location!.OriginalString, new() { ["Code"] = code });
    }

    /// <summary>A sign-in that fails; the message the page shows.</summary>
    private static async Task<string> FailedSignInAsync(WebApplicationFactory<Program> app, string email, string clientAddress, string password = "not the password")
    {
        var browser = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        browser.DefaultRequestHeaders.Add(TestClientAddress.Header, clientAddress);
        var response = await browser.SubmitAsync("/admin/login", new() { ["Input.Email"] = email, ["Input.Password"] = password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        return page.QuerySelector("[role=alert]")?.TextContent.Trim() ?? throw new InvalidOperationException("No message on the page");
    }

    /// <summary>The real hasher, counting the passwords it checks.</summary>
    private sealed class CountingHasher
    {
        private int verified;

        public int Verified => Volatile.Read(ref verified);

        public IPasswordHasher<User> Over(IPasswordHasher<User> inner) => new Counting(inner, this);

        private sealed class Counting(IPasswordHasher<User> inner, CountingHasher counter) : IPasswordHasher<User>
        {
            public string HashPassword(User user, string password) => inner.HashPassword(user, password);

            public PasswordVerificationResult VerifyHashedPassword(User user, string hashedPassword, string providedPassword)
            {
                Interlocked.Increment(ref counter.verified);
                return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
            }
        }
    }
}

public sealed class SqliteSignInHardeningTests() : SignInHardeningTests(TestProvider.Sqlite);

public sealed class PostgresSignInHardeningTests() : SignInHardeningTests(TestProvider.Postgres);
