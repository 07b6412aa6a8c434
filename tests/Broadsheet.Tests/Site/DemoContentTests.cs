using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Site;

/// <summary>The first-run demo site, on each database (the CLI tests start it for real, on SQLite).</summary>
public abstract class DemoContentTests(TestProvider provider)
{
    private static async Task<bool> CreateDemoAsync(BroadsheetFactory app)
    {
        await using var scope = app.Scope();
        return await scope.ServiceProvider.GetRequiredService<DemoContent>().CreateIfNewAsync();
    }

    [Fact]
    public async Task A_new_site_gets_a_welcome_post_a_pinned_statement_a_tagged_post_and_a_page_once()
    {
        await using var app = new BroadsheetFactory(provider, outputCache: true);
        var client = app.CreateClient();
        Assert.Contains("Nothing has been published yet", (await client.GetDocumentAsync("/")).QuerySelector("main")!.TextContent);

        Assert.True(await CreateDemoAsync(app));
        await DemoSite.AssertShownAsync(client);

        Assert.False(await CreateDemoAsync(app));
        await using var scope = app.Scope();
        Assert.Equal(4, await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Posts.CountAsync());
    }

    [Fact]
    public async Task A_site_that_already_had_content_gets_no_demo()
    {
        await using var app = new BroadsheetFactory(provider);
        await app.UpdateSettingsAsync(s => s.InitialisedAt = app.Clock.GetUtcNow().UtcDateTime);
        Assert.False(await CreateDemoAsync(app));
        var home = await app.CreateClient().GetDocumentAsync("/");
        Assert.Contains("Nothing has been published yet", home.QuerySelector("main")!.TextContent);
    }
}

/// <summary>What a newcomer sees of the demo site.</summary>
internal static class DemoSite
{
    public static async Task AssertShownAsync(HttpClient client)
    {
        var home = await client.GetDocumentAsync("/");
        Assert.NotEqual("Broadsheet", home.QuerySelector(".site-title").Text());
        var pinned = home.QuerySelector(".pinned .post-title a")!;
        Assert.Contains("statement", pinned.Text(), StringComparison.OrdinalIgnoreCase);
        var titles = home.QuerySelectorAll(".post-title a").Select(a => a.Text()).ToList();
        Assert.Contains(titles, t => t.Contains("Welcome", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(pinned.Text(), titles[0]);
        var tagLinks = home.QuerySelectorAll(".tags a[rel=tag]").Select(a => a.GetAttribute("href")!).Distinct().ToList();
        Assert.NotEmpty(tagLinks);
        var tagPage = await client.GetDocumentAsync(tagLinks[0]);
        Assert.NotEmpty(tagPage.QuerySelectorAll(".post-title a"));
        var pageLinks = home.QuerySelectorAll("nav a").Select(a => a.GetAttribute("href")!)
            .Where(h => h.Length > 1 && h != "/archive" && h.StartsWith('/')).ToList();
        Assert.NotEmpty(pageLinks);
        var page = await client.GetDocumentAsync(pageLinks[0]);
        Assert.NotEmpty(page.QuerySelector(".post-body").Text());
        var statement = await client.GetDocumentAsync(pinned.GetAttribute("href")!);
        Assert.Equal(pinned.Text(), statement.QuerySelector("h1").Text());
    }
}

public sealed class SqliteDemoContentTests() : DemoContentTests(TestProvider.Sqlite);

public sealed class PostgresDemoContentTests() : DemoContentTests(TestProvider.Postgres);
