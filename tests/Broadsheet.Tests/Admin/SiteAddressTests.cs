using System.Net;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Broadsheet.Tests.Admin;

/// <summary>
/// Every link the site hands out (in mail above all, and in feeds and canonical links) is on the site's own address,
/// never on the Host header of the request, which the sender chooses: a reset link asked for with
/// <c>Host: evil.example</c> would otherwise carry the Owner's genuine token to the attacker.
/// </summary>
public abstract class SiteAddressTests(TestProvider provider)
{
    private const string Address = "https://campaign.example.org";

    /// <summary>A client whose requests carry <paramref name="host"/> as their Host header, as curl -H 'Host: …' sends.</summary>
    private static HttpClient ClientAt(BroadsheetFactory app, string host) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri($"http://{host}/"), AllowAutoRedirect = false });

    [Fact]
    public async Task A_reset_link_asked_for_under_an_attackers_host_points_at_the_site_address()
    {
        await using var mail = new TestMailServer();
        await using var app = mail.Configure(new BroadsheetFactory(provider));
        await app.UpdateSettingsAsync(s => s.BaseUrl = Address);
        await app.AddUserAsync(Roles.Owner, "owner@example.org");

        var asked = await ClientAt(app, "evil.example").SubmitAsync("/admin/forgot-password", new() { ["Email"] = "owner@example.org" });
        Assert.Contains("on its way", await asked.Content.ReadAsStringAsync());

        var message = await mail.MessageToAsync("owner@example.org");
        Assert.DoesNotContain("evil.example", message.TextBody);
        var link = new Uri(LinkIn(message.TextBody, "/admin/reset-password"));
        Assert.Equal(new Uri(Address).Authority, link.Authority);
        Assert.Equal("https", link.Scheme);
        // The link works on the real site (here: this test host), and only the owner's mailbox ever held it.
        var reset = await app.Browser().SubmitAsync(link.PathAndQuery, new() { ["Password"] = "a brand new passphrase" });
        Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);
    }

    [Fact]
    public async Task With_no_site_address_no_reset_mail_goes_out_and_the_page_says_how_to_set_it()
    {
        await using var mail = new TestMailServer();
        await using var app = mail.Configure(new BroadsheetFactory(provider));
        await app.AddUserAsync(Roles.Owner, "owner@example.org");

        var asked = await ClientAt(app, "evil.example").SubmitAsync("/admin/forgot-password", new() { ["Email"] = "owner@example.org" });

        var page = await asked.Content.ReadAsStringAsync();
        Assert.Contains("address is not set", page);
        Assert.Contains("Settings", page);
        Assert.Contains("Site:BaseUrl", page);
        await Task.Delay(300);
        Assert.Empty(mail.Messages);
    }

    [Fact]
    public async Task An_invitation_link_is_on_the_address_from_configuration_and_without_one_nobody_is_invited()
    {
        await using var mail = new TestMailServer();
        await using var app = mail.Configure(new BroadsheetFactory(provider));
        var admin = await app.SignedInAsync(Roles.Administrator);

        var refused = await admin.SubmitAsync("/admin/users", new() { ["Invite.Email"] = "early@example.org", ["Invite.Role"] = Roles.Author }, "form.invite-form");
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("address is not set", await refused.Content.ReadAsStringAsync());
        Assert.DoesNotContain("early@example.org", (await admin.GetPageAsync("/admin/users")).Page.QuerySelector("table.users")!.TextContent);

        await using var configured = mail.Configure(new BroadsheetFactory(provider)).With("Site:BaseUrl", Address + "/");
        var configuredAdmin = await configured.SignedInAsync(Roles.Administrator);
        var invited = await configuredAdmin.SubmitAsync("/admin/users", new() { ["Invite.Email"] = "newbie@example.org", ["Invite.Role"] = Roles.Editor }, "form.invite-form");
        Assert.Equal(HttpStatusCode.Redirect, invited.StatusCode);
        var link = new Uri(LinkIn((await mail.MessageToAsync("newbie@example.org")).TextBody, "/admin/accept-invitation"));
        Assert.Equal(Address + "/admin/accept-invitation", link.GetLeftPart(UriPartial.Path));
        Assert.DoesNotContain(mail.Messages, m => m.To.Mailboxes.Any(b => b.Address == "early@example.org"));
    }

    [Fact]
    public async Task First_run_setup_proposes_the_address_it_was_opened_at_and_saves_the_one_the_owner_confirms()
    {
        await using var app = new BroadsheetFactory(provider);
        var tunnel = ClientAt(app, "localhost:8080"); // as over an SSH tunnel

        var (_, setup) = await tunnel.GetPageAsync("/admin/setup");
        Assert.Equal("http://localhost:8080", setup.QuerySelector("input[name='Input.SiteAddress']")!.GetAttribute("value"));
        Assert.Contains("http://localhost:8080", setup.QuerySelector("main")!.TextContent);

        var owner = new Dictionary<string, string?>
        {
            ["Input.Email"] = "owner@example.org", ["Input.DisplayName"] = "Olive Owner",
            ["Input.Password"] = AdminClient.Password, ["Input.ConfirmPassword"] = AdminClient.Password,
        };
        var wrong = await tunnel.SubmitAsync("/admin/setup", new(owner) { ["Input.SiteAddress"] = "campaign.example.org" });
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("full public address", await wrong.Content.ReadAsStringAsync());

        var made = await tunnel.SubmitAsync("/admin/setup", new(owner) { ["Input.SiteAddress"] = Address + "/" });
        Assert.Equal(HttpStatusCode.Redirect, made.StatusCode);

        var feed = await tunnel.GetStringAsync("/feed.atom");
        Assert.Contains($"href=\"{Address}/feed.atom\"", feed);
        Assert.DoesNotContain("localhost", feed);
        var settings = await app.SignInAsync("owner@example.org");
        var (_, page) = await settings.GetPageAsync("/admin/settings");
        Assert.Equal(Address, page.QuerySelector("input[name='Input.BaseUrl']")!.GetAttribute("value"));
    }

    [Fact]
    public async Task Feeds_sitemap_and_canonical_links_never_carry_the_requests_host()
    {
        await using var app = new BroadsheetFactory(provider);
        var post = await app.AddPostAsync("Vigil tonight", publishedAt: new DateTime(2015, 10, 25, 12, 0, 0, DateTimeKind.Utc));
        var evil = ClientAt(app, "evil.example");
        string[] paths = ["/feed.atom", "/feed.rss", "/sitemap.xml", "/robots.txt", "/opensearch.xml", post.Permalink!, "/"];

        // No address yet: site-relative links, never the Host's.
        foreach (var path in paths)
            Assert.DoesNotContain("evil.example", await evil.GetStringAsync(path));
        var (_, unset) = await evil.GetPageAsync(post.Permalink!);
        Assert.Equal(post.Permalink, unset.QuerySelector("link[rel=canonical]")!.GetAttribute("href"));

        await app.UpdateSettingsAsync(s => s.BaseUrl = Address);
        foreach (var path in paths)
            Assert.DoesNotContain("evil.example", await evil.GetStringAsync(path));
        var (_, set) = await evil.GetPageAsync(post.Permalink!);
        Assert.Equal(Address + post.Permalink, set.QuerySelector("link[rel=canonical]")!.GetAttribute("href"));
        Assert.Contains($"<loc>{Address}{post.Permalink}</loc>", await evil.GetStringAsync("/sitemap.xml"));
    }

    /// <summary>The whole absolute link in a message's text that contains <paramref name="path"/>.</summary>
    private static string LinkIn(string? text, string path)
    {
        text ??= "";
        var at = text.IndexOf(path, StringComparison.Ordinal);
        Assert.True(at >= 0, $"no link to {path} in: {text}");
        var start = text.LastIndexOfAny([' ', '\n', '\r'], at) + 1;
        var end = text.IndexOfAny([' ', '\n', '\r'], at);
        return end < 0 ? text[start..] : text[start..end];
    }
}

public sealed class SqliteSiteAddressTests() : SiteAddressTests(TestProvider.Sqlite);

public sealed class PostgresSiteAddressTests() : SiteAddressTests(TestProvider.Postgres);
