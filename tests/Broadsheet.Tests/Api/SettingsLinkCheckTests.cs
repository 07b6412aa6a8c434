using System.Net;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Api;

/// <summary>The Admin API refuses the same unsafe links as the settings page (one set of rules for both).</summary>
public abstract class SettingsLinkCheckTests(TestProvider provider)
{
    [Fact]
    public async Task Javascript_links_are_refused_by_the_api_as_by_the_page_and_nothing_is_stored()
    {
        await using var app = new BroadsheetFactory(provider);
        var api = await app.ApiClientAsync();
        await (await api.PutJsonAsync("/api/admin/settings", new { navigation = "About|/about" })).JsonAsync(HttpStatusCode.OK);

        var bad = await (await api.PutJsonAsync("/api/admin/settings", new { title = "Changed", navigation = "Home|/\nClick me|javascript:alert(1)", logoUrl = "javascript:alert(2)" }))
            .ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("Click me|javascript:alert(1)", (string)bad["errors"]!["navigation"]![0]!);
        Assert.NotNull(bad["errors"]!["logoUrl"]);
        var protocolRelative = await (await api.PutJsonAsync("/api/admin/settings", new { navigation = "Elsewhere|//evil.example" })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(protocolRelative["errors"]!["navigation"]);
        // Browsers drop a tab from a URL: "/<TAB>/evil.example" would be "//evil.example".
        var tabbed = await (await api.PutJsonAsync("/api/admin/settings", new { navigation = "Elsewhere|/\t/evil.example" })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(tabbed["errors"]!["navigation"]);

        var now = await (await api.GetAsync("/api/admin/settings")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("About|/about", (string)now["navigation"]!);
        Assert.Null((string?)now["logoUrl"]);
        var home = await app.CreateClient().GetDocumentAsync("/");
        Assert.DoesNotContain(home.QuerySelectorAll("a[href]"), a => a.GetAttribute("href")!.Contains("javascript", StringComparison.OrdinalIgnoreCase));
        Assert.NotEqual("Changed", home.QuerySelector(".site-title").Text());

        // The page gives the same answer for the same link.
        var admin = await app.SignedInAsync(Roles.Administrator);
        var page = await admin.SubmitAsync("/admin/settings", new() { ["Input.Navigation"] = "Click me|javascript:alert(1)" });
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("this one is not: Click me|javascript:alert(1)", System.Net.WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync()));
    }
}

public sealed class SqliteSettingsLinkCheckTests() : SettingsLinkCheckTests(TestProvider.Sqlite);

public sealed class PostgresSettingsLinkCheckTests() : SettingsLinkCheckTests(TestProvider.Postgres);
