using System.Text;
using System.Text.RegularExpressions;
using Broadsheet.BrowserTests.Infrastructure;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Import;
using Broadsheet.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Broadsheet.BrowserTests.Admin;

/// <summary>An administrator moves a Blogger blog in through the admin's upload page, in a real Chromium.</summary>
public sealed class ImportFlowTests(Chromium browser) : IClassFixture<Chromium>
{
    [Fact]
    public async Task An_administrator_uploads_a_Blogger_export_watches_it_finish_and_finds_the_posts_on_the_site()
    {
        Chromium.SkipUnlessAvailable();
        await using var app = new BroadsheetFactory();
        var address = app.StartOnLoopback();
        await app.AddUserAsync(Roles.Administrator, "ali@example.org", "Ali Admin");
        await using var session = await browser.OpenAsync(address);
        var page = session.Page;
        await session.SignInAsync("ali@example.org");

        await page.AdminNavigation().GetByRole(AriaRole.Link, new() { Name = "Import" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Import");
        await page.GetByLabel("Blogger export").CheckAsync();
        await page.GetByLabel("Export file").SetInputFilesAsync(new FilePayload
        {
            Name = "riverside.xml",
            MimeType = "application/xml",
            Buffer = Encoding.UTF8.GetBytes(Samples.BloggerClassic),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and import" }).ClickAsync();

        // The job page refreshes itself until the summary is there.
        await Expect(page).ToHaveURLAsync(new Regex("/admin/import/[0-9]+$"));
        await Expect(page.Locator("#import-status")).ToHaveTextAsync("Imported", new() { Timeout = 30_000 });
        await Expect(page.Locator("#import-summary")).ToContainTextAsync("Posts");
        await Expect(page.GetByRole(AriaRole.Row, new() { Name = "Posts" }).First).ToContainTextAsync("2");

        await page.GetByRole(AriaRole.Link, new() { Name = "View the site" }).ClickAsync();
        await Expect(page.Locator("main")).ToContainTextAsync("The rent strike begins");
        Assert.True(session.Errors.Count == 0, string.Join('\n', session.Errors));
    }
}
