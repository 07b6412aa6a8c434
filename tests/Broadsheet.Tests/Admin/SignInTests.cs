using System.Net;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Admin;

/// <summary>First run, sign-in, lockout and the headers and cookies that keep sessions safe.</summary>
public sealed class SignInTests
{
    [Fact]
    public async Task Setup_page_makes_the_owner_once_and_then_is_gone()
    {
        await using var app = new BroadsheetFactory();
        var client = app.Browser();

        var login = await client.GetAsync("/admin/login");
        Assert.Equal("/admin/setup", login.Headers.Location?.OriginalString);

        var response = await client.SubmitAsync("/admin/setup", new()
        {
            ["Input.Email"] = "owner@example.org",
            ["Input.DisplayName"] = "Olive Owner",
            ["Input.Password"] = AdminClient.Password,
            ["Input.ConfirmPassword"] = AdminClient.Password,
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var dashboard = await client.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await app.Browser().GetAsync("/admin/setup")).StatusCode);
        var stranger = app.Browser();
        var token = await stranger.AntiforgeryTokenAsync("/admin/login");
        var second = await stranger.PostAsync("/admin/setup", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = "intruder@example.org", ["Input.DisplayName"] = "X",
            ["Input.Password"] = AdminClient.Password, ["Input.ConfirmPassword"] = AdminClient.Password,
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => app.SignInAsync("intruder@example.org"));
    }

    [Fact]
    public async Task Forms_carry_an_antiforgery_cookie_under_the_sites_own_name()
    {
        await using var app = new BroadsheetFactory();
        await app.AddUserAsync(Roles.Editor, "ed@example.org");
        var client = app.Browser();

        var login = await client.GetAsync("/admin/login");
        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(AccountsSetup.AntiforgeryCookieName + "=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("httponly", cookie);
        Assert.DoesNotContain(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));

        // The form posts with that cookie and its token; without the cookie the same token is refused.
        var token = await client.AntiforgeryTokenAsync("/admin/login");
        var fields = new Dictionary<string, string> { ["Input.Email"] = "ed@example.org", ["Input.Password"] = AdminClient.Password, ["__RequestVerificationToken"] = token };
        Assert.Equal(HttpStatusCode.Redirect, (await client.PostAsync("/admin/login", new FormUrlEncodedContent(fields))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Browser().PostAsync("/admin/login", new FormUrlEncodedContent(fields))).StatusCode);
    }

    [Fact]
    public async Task Wrong_password_is_refused_and_the_right_one_signs_in_with_a_safe_cookie()
    {
        await using var app = new BroadsheetFactory();
        await app.AddUserAsync(Roles.Editor, "ed@example.org");
        var client = app.Browser();

        var wrong = await client.SubmitAsync("/admin/login", new() { ["Input.Email"] = "ed@example.org", ["Input.Password"] = "not the password" });
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("do not match", await wrong.Content.ReadAsStringAsync());

        var right = await client.SubmitAsync("/admin/login", new() { ["Input.Email"] = "ed@example.org", ["Input.Password"] = AdminClient.Password });
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        var cookie = right.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("broadsheet.auth=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("httponly", cookie);
        Assert.Contains("samesite=lax", cookie);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task Return_url_to_another_site_is_ignored()
    {
        await using var app = new BroadsheetFactory();
        await app.AddUserAsync(Roles.Editor, "ed@example.org");
        var response = await app.Browser().SubmitAsync("/admin/login?ReturnUrl=//evil.example/x",
            new() { ["Input.Email"] = "ed@example.org", ["Input.Password"] = AdminClient.Password });
        Assert.Equal("/admin", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task An_account_locks_after_five_failures_even_with_the_right_password()
    {
        await using var app = new BroadsheetFactory();
        await app.AddUserAsync(Roles.Author, "writer@example.org");
        for (var i = 0; i < 5; i++)
            await app.Browser($"10.0.0.{i + 1}").SubmitAsync("/admin/login", new() { ["Input.Email"] = "writer@example.org", ["Input.Password"] = "guess " + i });

        var response = await app.Browser("10.0.1.1").SubmitAsync("/admin/login", new() { ["Input.Email"] = "writer@example.org", ["Input.Password"] = AdminClient.Password });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("locked", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task One_address_failing_across_many_accounts_is_slowed_but_others_are_not()
    {
        await using var app = new BroadsheetFactory().With("Accounts:MaxFailedAttemptsPerAddress", "6");
        await app.AddUserAsync(Roles.Author, "victim@example.org");
        // Spread over accounts so no single account reaches its own lockout; the last takes the address's one try a minute.
        for (var i = 0; i < 7; i++)
            await app.Browser("192.0.2.66").SubmitAsync("/admin/login", new() { ["Input.Email"] = $"nobody{i}@example.org", ["Input.Password"] = "guess" });

        var blocked = await app.Browser("192.0.2.66").SubmitAsync("/admin/login", new() { ["Input.Email"] = "victim@example.org", ["Input.Password"] = AdminClient.Password });
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);

        var elsewhere = await app.Browser("198.51.100.7").SubmitAsync("/admin/login", new() { ["Input.Email"] = "victim@example.org", ["Input.Password"] = AdminClient.Password });
        Assert.Equal(HttpStatusCode.Redirect, elsewhere.StatusCode);
    }

    [Fact]
    public async Task A_form_posted_without_its_antiforgery_token_is_refused()
    {
        await using var app = new BroadsheetFactory();
        await app.AddUserAsync(Roles.Editor, "ed@example.org");
        var response = await app.Browser().PostAsync("/admin/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = "ed@example.org", ["Input.Password"] = AdminClient.Password,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("broadsheet.auth=", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/admin/login")]
    [InlineData("/feed.atom")]
    [InlineData("/no-such-page")]
    public async Task Every_response_carries_strict_security_headers(string path)
    {
        await using var app = new BroadsheetFactory();
        await app.AddUserAsync(Roles.Owner);
        var response = await app.Browser().GetAsync(path);

        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("camera=()", response.Headers.GetValues("Permissions-Policy").Single());
    }
}
