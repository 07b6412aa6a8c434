using System.Net;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Settings;
using Broadsheet.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Admin;

/// <summary>
/// Password reset and invitations, through a real SMTP server: the link is read from the message received. Account mail
/// needs the site's address (<see cref="SiteAddressTests"/>); here it is the test host's.
/// </summary>
public sealed class AccountMailTests
{
    [Fact]
    public async Task A_reset_link_sets_a_new_password_once_and_then_is_refused()
    {
        await using var mail = new TestMailServer();
        await using var app = mail.Configure(new BroadsheetFactory()).With(SiteSettingsCache.BaseUrlKey, "http://localhost");
        await app.AddUserAsync(Roles.Author, "forgetful@example.org");

        var asked = await app.Browser().SubmitAsync("/admin/forgot-password", new() { ["Email"] = "forgetful@example.org" });
        Assert.Contains("on its way", await asked.Content.ReadAsStringAsync());
        var message = await mail.MessageToAsync("forgetful@example.org");
        var link = TestMailServer.LinkIn(message, "/admin/reset-password");

        var reset = await app.Browser().SubmitAsync(link, new() { ["Password"] = "a brand new passphrase" });
        Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);
        await app.SignInAsync("forgetful@example.org", "a brand new passphrase");
        await Assert.ThrowsAnyAsync<Exception>(() => app.SignInAsync("forgetful@example.org"));

        // The same link again: refused, and the password stays.
        var again = await app.Browser().GetAsync(link);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("expired or has already been used", await again.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Asking_for_an_unknown_address_says_the_same_and_sends_nothing()
    {
        await using var mail = new TestMailServer();
        await using var app = mail.Configure(new BroadsheetFactory()).With(SiteSettingsCache.BaseUrlKey, "http://localhost");
        await app.AddUserAsync(Roles.Owner);
        var asked = await app.Browser().SubmitAsync("/admin/forgot-password", new() { ["Email"] = "stranger@example.org" });
        Assert.Contains("on its way", await asked.Content.ReadAsStringAsync());
        await Task.Delay(300);
        Assert.Empty(mail.Messages);
    }

    [Fact]
    public async Task An_expired_reset_link_is_refused()
    {
        await using var mail = new TestMailServer();
        await using var app = mail.Configure(new BroadsheetFactory()).With(SiteSettingsCache.BaseUrlKey, "http://localhost").With("Accounts:ResetLinkLifetime", "00:00:01");
        await app.AddUserAsync(Roles.Author, "slow@example.org");
        await app.Browser().SubmitAsync("/admin/forgot-password", new() { ["Email"] = "slow@example.org" });
        var link = TestMailServer.LinkIn(await mail.MessageToAsync("slow@example.org"), "/admin/reset-password");

        await Task.Delay(TimeSpan.FromSeconds(2.5)); // Identity's data-protection tokens read the system clock
        var page = await app.Browser().GetAsync(link);

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
    }

    [Fact]
    public async Task An_invited_person_sets_a_password_from_the_link_and_gets_the_role_they_were_given()
    {
        await using var mail = new TestMailServer();
        await using var app = mail.Configure(new BroadsheetFactory()).With(SiteSettingsCache.BaseUrlKey, "http://localhost");
        var admin = await app.SignedInAsync(Roles.Administrator);

        var invited = await admin.SubmitAsync("/admin/users", new() { ["Invite.Email"] = "newbie@example.org", ["Invite.DisplayName"] = "New Volunteer", ["Invite.Role"] = Roles.Editor }, "form.invite-form");
        Assert.Equal(HttpStatusCode.Redirect, invited.StatusCode);
        var message = await mail.MessageToAsync("newbie@example.org");
        Assert.Contains("Editor", message.TextBody);
        var link = TestMailServer.LinkIn(message, "/admin/accept-invitation");

        var accepted = await app.Browser().SubmitAsync(link, new() { ["Password"] = "my own passphrase" });
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        var editor = await app.SignInAsync("newbie@example.org", "my own passphrase");
        Assert.Equal(HttpStatusCode.OK, (await editor.GetAsync("/admin/tags")).StatusCode); // an Editor's page

        var reused = await app.Browser().GetAsync(link);
        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);
        var tampered = await app.Browser().GetAsync(link[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.BadRequest, tampered.StatusCode);
    }

    [Fact]
    public async Task A_resent_invitation_replaces_the_first_link_and_keeps_the_role()
    {
        await using var mail = new TestMailServer();
        await using var app = mail.Configure(new BroadsheetFactory()).With(SiteSettingsCache.BaseUrlKey, "http://localhost");
        var admin = await app.SignedInAsync(Roles.Administrator);
        await admin.SubmitAsync("/admin/users", new() { ["Invite.Email"] = "late@example.org", ["Invite.DisplayName"] = "Late Volunteer", ["Invite.Role"] = Roles.Author }, "form.invite-form");
        var first = TestMailServer.LinkIn(await mail.MessageToAsync("late@example.org"), "/admin/accept-invitation");

        var resent = await admin.SubmitAsync("/admin/users", new(), "form.resend-form");
        Assert.Equal(HttpStatusCode.Redirect, resent.StatusCode);
        Assert.Contains("late@example.org a new invitation", await admin.GetStringAsync("/admin/users"));
        var messages = await mail.MessagesToAsync("late@example.org", 2);
        Assert.Contains("Author", messages[1].TextBody);
        var second = TestMailServer.LinkIn(messages[1], "/admin/accept-invitation");
        Assert.NotEqual(first, second);

        Assert.Equal(HttpStatusCode.BadRequest, (await app.Browser().GetAsync(first)).StatusCode);
        var accepted = await app.Browser().SubmitAsync(second, new() { ["Password"] = "a late but long passphrase" });
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        var author = await app.SignInAsync("late@example.org", "a late but long passphrase");
        Assert.Equal(HttpStatusCode.OK, (await author.GetAsync("/admin/posts")).StatusCode);
        var tags = await author.GetAsync("/admin/tags"); // an Editor's page: an Author is sent to /admin/denied
        Assert.Equal("/admin/denied", new Uri(new Uri("http://localhost"), tags.Headers.Location!).AbsolutePath);

        // Accepted: no more resending, and the page no longer offers it.
        Assert.Null((await admin.GetPageAsync("/admin/users")).Page.QuerySelector("form.resend-form"));
        var users = await admin.GetPageAsync("/admin/users");
        var token = users.Page.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        var id = await UserIdAsync(app, "late@example.org");
        var again = await admin.PostAsync("/admin/users?handler=Resend", new FormUrlEncodedContent(new Dictionary<string, string> { ["id"] = id, ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already accepted", await again.Content.ReadAsStringAsync());
        Assert.Equal(2, mail.Messages.Count(m => m.To.Mailboxes.Any(b => b.Address == "late@example.org")));
    }

    [Fact]
    public async Task A_withdrawn_invitation_link_no_longer_works()
    {
        await using var mail = new TestMailServer();
        await using var app = mail.Configure(new BroadsheetFactory()).With(SiteSettingsCache.BaseUrlKey, "http://localhost");
        var admin = await app.SignedInAsync(Roles.Administrator);
        await admin.SubmitAsync("/admin/users", new() { ["Invite.Email"] = "mistake@example.org", ["Invite.Role"] = Roles.Editor }, "form.invite-form");
        var link = TestMailServer.LinkIn(await mail.MessageToAsync("mistake@example.org"), "/admin/accept-invitation");

        var users = await admin.GetPageAsync("/admin/users");
        var withdraw = users.Page.QuerySelectorAll("form.remove-form").Single(f => f.TextContent.Contains("mistake@example.org", StringComparison.Ordinal));
        Assert.Contains("Withdraw invitation", withdraw.TextContent);
        Assert.Equal(HttpStatusCode.Redirect, (await admin.SubmitAsync(withdraw, "/admin/users", new())).StatusCode);

        Assert.DoesNotContain("mistake@example.org", (await admin.GetPageAsync("/admin/users")).Page.QuerySelector("table.users")!.TextContent);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Browser().GetAsync(link)).StatusCode);
    }

    [Fact]
    public async Task When_the_mail_server_is_down_an_invitation_says_so_and_a_new_one_leaves_no_account()
    {
        var mail = new TestMailServer();
        await using var app = mail.Configure(new BroadsheetFactory()).With(SiteSettingsCache.BaseUrlKey, "http://localhost");
        var admin = await app.SignedInAsync(Roles.Administrator);
        await admin.SubmitAsync("/admin/users", new() { ["Invite.Email"] = "waiting@example.org", ["Invite.Role"] = Roles.Author }, "form.invite-form");
        await mail.MessageToAsync("waiting@example.org");
        await mail.DisposeAsync(); // the mail server goes away

        var resent = await admin.SubmitAsync("/admin/users", new(), "form.resend-form");
        Assert.Equal(HttpStatusCode.BadGateway, resent.StatusCode);
        Assert.Contains("could not be sent", await resent.Content.ReadAsStringAsync());

        var invited = await admin.SubmitAsync("/admin/users", new() { ["Invite.Email"] = "lost@example.org", ["Invite.Role"] = Roles.Editor }, "form.invite-form");
        Assert.Contains("Nobody was invited", await invited.Content.ReadAsStringAsync());
        var users = (await admin.GetPageAsync("/admin/users")).Page.QuerySelector("table.users")!.TextContent;
        Assert.DoesNotContain("lost@example.org", users);
        Assert.Contains("waiting@example.org", users); // still invited; an earlier link no longer works
    }

    private static async Task<string> UserIdAsync(BroadsheetFactory app, string email)
    {
        await using var scope = app.Scope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<User>>();
        return (await users.FindByEmailAsync(email))!.Id;
    }
}
