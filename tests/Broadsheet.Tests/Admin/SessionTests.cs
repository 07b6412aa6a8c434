using System.Net;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Admin;

/// <summary>Two-factor sign-in and signing out of every session.</summary>
public sealed class SessionTests
{
    [Fact]
    public async Task Two_factor_sign_in_asks_for_the_authenticator_code()
    {
        await using var app = new BroadsheetFactory();
        var client = await app.SignedInAsync(Roles.Editor, "careful@example.org");

        var (_, setup) = await client.GetPageAsync("/admin/account/two-factor");
        var key = setup.QuerySelector("#shared-key").Text().Replace(" ", "", StringComparison.Ordinal);
        Assert.StartsWith("otpauth://totp/", setup.QuerySelector("#otpauth")!.GetAttribute("href"));
        var wrong = await client.SubmitAsync("/admin/account/two-factor", new() { ["Code"] = "000000" });
        Assert.Contains("not right", await wrong.Content.ReadAsStringAsync());
        var enabled = await client.SubmitAsync("/admin/account/two-factor", new() { ["Code"] = Authenticator.Code(key, app.Clock) });
        var (_, codes) = (enabled, new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await enabled.Content.ReadAsStringAsync()));
        var recovery = codes.QuerySelectorAll(".recovery-codes code").Select(c => c.Text()).ToList();
        Assert.Equal(10, recovery.Count);

        // Password alone now leads to the second step, not into the admin.
        var stranger = app.Browser();
        var first = await stranger.SubmitAsync("/admin/login", new() { ["Input.Email"] = "careful@example.org", ["Input.Password"] = AdminClient.Password });
        Assert.StartsWith("/admin/login/two-factor", first.Headers.Location!.OriginalString);
        Assert.NotEqual(HttpStatusCode.OK, (await stranger.GetAsync("/admin")).StatusCode);
        var second = await stranger.SubmitAsync(first.Headers.Location!.OriginalString, new() { ["Code"] = Authenticator.NextCode(key, app.Clock) });
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await stranger.GetAsync("/admin")).StatusCode);

        // A recovery code works once.
        var other = app.Browser();
        var step = await other.SubmitAsync("/admin/login", new() { ["Input.Email"] = "careful@example.org", ["Input.Password"] = AdminClient.Password });
        var viaRecovery = await other.SubmitAsync(step.Headers.Location!.OriginalString, new() { ["Code"] = recovery[0] });
        Assert.Equal(HttpStatusCode.Redirect, viaRecovery.StatusCode);
    }

    [Fact]
    public async Task Signing_out_everywhere_ends_the_other_sessions_too()
    {
        await using var app = new BroadsheetFactory();
        await app.AddUserAsync(Roles.Author, "traveller@example.org");
        var laptop = await app.SignInAsync("traveller@example.org");
        var phone = await app.SignInAsync("traveller@example.org");
        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync("/admin")).StatusCode);

        var response = await laptop.SubmitAsync("/admin/account", new(), "form[action*=SignOutEverywhere]");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);

        app.Clock.Advance(TimeSpan.FromMinutes(2)); // past the session check interval
        var later = await phone.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, later.StatusCode);
        Assert.Contains("/admin/login", later.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await laptop.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task A_remembered_browser_skips_the_code_until_the_account_signs_out_everywhere()
    {
        await using var app = new BroadsheetFactory();
        // The remembering cookie expires 30 days after the app's clock; the test client drops cookies already expired by the real one.
        app.Clock.SetUtcNow(DateTimeOffset.UtcNow);
        var client = await app.SignedInAsync(Roles.Editor, "traveller@example.org");
        var key = await Authenticator.TurnOnAsync(client, app.Clock);

        // The laptop ticks "don't ask again"; the library computer does not.
        var laptop = app.Browser();
        var step = await laptop.SubmitAsync("/admin/login", new() { ["Input.Email"] = "traveller@example.org", ["Input.Password"] = AdminClient.Password });
        var remembered = await laptop.SubmitAsync(step.Headers.Location!.OriginalString, new() { ["Code"] = Authenticator.NextCode(key, app.Clock), ["RememberBrowser"] = "true" });
        Assert.True(remembered.StatusCode == HttpStatusCode.Redirect, await remembered.Content.ReadAsStringAsync());
        Assert.Contains(remembered.Headers.GetValues("Set-Cookie"), c => c.StartsWith("broadsheet.2fa-browser=", StringComparison.Ordinal));
        var library = app.Browser();
        step = await library.SubmitAsync("/admin/login", new() { ["Input.Email"] = "traveller@example.org", ["Input.Password"] = AdminClient.Password });
        await library.SubmitAsync(step.Headers.Location!.OriginalString, new() { ["Code"] = Authenticator.NextCode(key, app.Clock) });
        Assert.Equal(HttpStatusCode.OK, (await library.GetAsync("/admin")).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await laptop.SubmitAsync("/admin/logout", new())).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await library.SubmitAsync("/admin/logout", new())).StatusCode);
        Assert.Equal("/admin", (await PasswordOnlyAsync(laptop)).OriginalString);
        Assert.StartsWith("/admin/login/two-factor", (await PasswordOnlyAsync(library)).OriginalString);
        Assert.Contains("does not ask for a code", await laptop.GetStringAsync("/admin/account/two-factor"));

        // Signing out everywhere (the phone was stolen, say) makes the laptop ask again too.
        await laptop.SubmitAsync("/admin/account", new(), "form[action*=SignOutEverywhere]");
        app.Clock.Advance(TimeSpan.FromMinutes(2)); // past the session check interval
        Assert.StartsWith("/admin/login/two-factor", (await PasswordOnlyAsync(laptop)).OriginalString);
    }

    [Fact]
    public async Task A_browser_can_be_told_to_ask_for_the_code_again()
    {
        await using var app = new BroadsheetFactory();
        // The remembering cookie expires 30 days after the app's clock; the test client drops cookies already expired by the real one.
        app.Clock.SetUtcNow(DateTimeOffset.UtcNow);
        var client = await app.SignedInAsync(Roles.Author, "careful@example.org");
        var key = await Authenticator.TurnOnAsync(client, app.Clock);
        var laptop = app.Browser();
        var step = await laptop.SubmitAsync("/admin/login", new() { ["Input.Email"] = "careful@example.org", ["Input.Password"] = AdminClient.Password });
        await laptop.SubmitAsync(step.Headers.Location!.OriginalString, new() { ["Code"] = Authenticator.NextCode(key, app.Clock), ["RememberBrowser"] = "true" });

        var forgot = await laptop.SubmitAsync("/admin/account/two-factor", new(), "form[action*=ForgetBrowser]");
        Assert.Equal(HttpStatusCode.Redirect, forgot.StatusCode);
        await laptop.SubmitAsync("/admin/logout", new());
        Assert.StartsWith("/admin/login/two-factor", (await PasswordOnlyAsync(laptop, "careful@example.org")).OriginalString);
    }

    /// <summary>Signs in with the password alone; where the login form sends the browser next.</summary>
    private static async Task<Uri> PasswordOnlyAsync(HttpClient browser, string email = "traveller@example.org")
    {
        var response = await browser.SubmitAsync("/admin/login", new() { ["Input.Email"] = email, ["Input.Password"] = AdminClient.Password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!;
    }
}
