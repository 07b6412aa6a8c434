using System.Text.RegularExpressions;
using System.Xml.Linq;
using Broadsheet.BrowserTests.Infrastructure;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Broadsheet.BrowserTests.Admin;

/// <summary>
/// The admin in a real Chromium, as its users work in it: a fresh site per test (they write to it),
/// one browser for the class. The clock is the test clock (14 March 2026, 12:00 UTC), so a post
/// scheduled for tomorrow morning is due after <c>app.Clock.Advance</c>.
/// </summary>
public sealed class AdminFlowTests(Chromium browser) : IClassFixture<Chromium>
{
    private static BroadsheetFactory StartApp(out Uri address)
    {
        Chromium.SkipUnlessAvailable();
        var app = new BroadsheetFactory();
        address = app.StartOnLoopback();
        return app;
    }

    [Fact]
    public async Task On_a_new_site_the_first_visitor_to_the_admin_makes_the_owner_account()
    {
        await using var app = StartApp(out var address);
        await using var session = await browser.OpenAsync(address);
        var page = session.Page;

        await session.GoToAsync("/admin");

        await Expect(page).ToHaveURLAsync(new Regex("/admin/setup$"));
        await page.GetByLabel("Email").FillAsync("owner@example.org");
        await page.GetByLabel("Your name").FillAsync("Olu Owner");
        await page.GetByLabel("Password (at least 10 characters)").FillAsync(AdminClient.Password);
        await page.GetByLabel("The same password again").FillAsync(AdminClient.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the Owner account" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Dashboard");
        await Expect(page.AdminNavigation().GetByRole(AriaRole.Link, new() { Name = "Users", Exact = true })).ToBeVisibleAsync();
        Assert.True(session.Errors.Count == 0, string.Join('\n', session.Errors));
    }

    [Fact]
    public async Task An_author_writes_and_schedules_a_tagged_post_that_appears_on_the_site_and_in_the_feed_when_due()
    {
        await using var app = StartApp(out var address);
        await app.AddUserAsync(Roles.Author, "ada@example.org", "Ada Lovelace");
        await using var session = await browser.OpenAsync(address);
        var page = session.Page;
        const string title = "Rally at the town hall";

        // Signed out, the admin sends the author to sign in, then on to where she was going.
        await session.GoToAsync("/admin/posts");
        await Expect(page).ToHaveURLAsync(new Regex("/admin/login"));
        await page.GetByLabel("Email").FillAsync("ada@example.org");
        await page.GetByLabel("Password").FillAsync(AdminClient.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/posts$"));

        await page.AdminNavigation().GetByRole(AriaRole.Link, new() { Name = "New post" }).ClickAsync();
        await page.GetByLabel("Title", new() { Exact = true }).FillAsync(title);
        await page.GetByLabel("Body (Markdown)").FillAsync("Join us on **Sunday** at nine.\n\n<!--more-->\n\nBring a banner and a friend.");
        // The live preview (admin.js, running under the site's strict CSP) shows the Markdown rendered.
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Preview" }).Locator("strong")).ToHaveTextAsync("Sunday");
        await page.GetByLabel("Tags (comma-separated)").FillAsync("rallies, events");
        await page.GetByLabel("Publication date and time").FillAsync("2026-03-15T09:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish or schedule" }).ClickAsync();

        await Expect(page.Locator("#post-status")).ToHaveTextAsync("scheduled");
        await Expect(page.Locator(".notice")).ToContainTextAsync("Scheduled for");

        // Not yet: neither the home page nor the feed shows it.
        await session.GoToAsync("/");
        await Expect(page.Locator("main")).Not.ToContainTextAsync(title);
        Assert.DoesNotContain(title, await FeedTitlesAsync(session));

        app.Clock.Advance(TimeSpan.FromDays(1)); // 15 March, 12:00: three hours past its time

        await session.GoToAsync("/");
        var post = page.Locator("main article").Filter(new() { Has = page.GetByRole(AriaRole.Link, new() { Name = title }) });
        await Expect(post).ToBeVisibleAsync();
        await Expect(page.Locator("main h2.date-header").First).ToHaveTextAsync("Sunday 15 March 2026");
        await Expect(post.Locator(".byline")).ToContainTextAsync("Ada Lovelace");
        await Expect(post).Not.ToContainTextAsync("Bring a banner"); // cut at its break
        Assert.Contains(title, await FeedTitlesAsync(session));

        await post.GetByRole(AriaRole.Link, new() { Name = "rallies" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/tag/rallies$"));
        await Expect(page.Locator("main .post-title")).ToHaveTextAsync(title);
        Assert.True(session.Errors.Count == 0, string.Join('\n', session.Errors));
    }

    [Fact]
    public async Task A_contributor_can_save_drafts_but_is_offered_no_publishing_and_no_administration()
    {
        await using var app = StartApp(out var address);
        var others = await app.AddPostAsync("The editors' own post");
        await app.AddUserAsync(Roles.Contributor, "cory@example.org", "Cory Contributor");
        await using var session = await browser.OpenAsync(address);
        var page = session.Page;
        await session.SignInAsync("cory@example.org");

        var nav = page.AdminNavigation();
        await Expect(nav.GetByRole(AriaRole.Link, new() { Name = "New post" })).ToBeVisibleAsync();
        foreach (var link in new[] { "Users", "Settings", "Tags" })
            await Expect(nav.GetByRole(AriaRole.Link, new() { Name = link, Exact = true })).ToHaveCountAsync(0);

        await nav.GetByRole(AriaRole.Link, new() { Name = "New post" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save draft" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Publish or schedule" })).ToHaveCountAsync(0);
        await page.GetByLabel("Title", new() { Exact = true }).FillAsync("My first draft");
        await page.GetByLabel("Body (Markdown)").FillAsync("Words for the editors to look at.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Expect(page.Locator("#post-status")).ToHaveTextAsync("draft");

        // The post list holds only the contributor's own work; someone else's post is not theirs to open.
        await nav.GetByRole(AriaRole.Link, new() { Name = "Posts", Exact = true }).ClickAsync();
        await Expect(page.Locator("main table")).ToContainTextAsync("My first draft");
        await Expect(page.Locator("main table")).Not.ToContainTextAsync("The editors' own post");
        foreach (var path in new[] { $"/admin/posts/edit/{others.Id}", "/admin/users", "/admin/settings", "/admin/tags" })
        {
            await session.GoToAsync(path);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Not allowed");
        }

        await session.GoToAsync("/");
        await Expect(page.Locator("main")).Not.ToContainTextAsync("My first draft");
    }

    [Fact]
    public async Task Admin_pages_have_no_serious_accessibility_problems()
    {
        await using var app = StartApp(out var address);
        var post = await app.AddPostAsync("A post to edit", body: "Some *words*.", tags: ["news"]);
        await app.AddUserAsync(Roles.Administrator, "admin@example.org");
        await using var session = await browser.OpenAsync(address);
        var page = session.Page;

        var problems = new List<string>();
        await session.GoToAsync("/admin/login");
        problems.Add(await page.SeriousViolationsAsync() ?? "");
        await session.SignInAsync("admin@example.org");
        foreach (var path in new[]
                 {
                     "/admin", "/admin/posts", "/admin/posts?kind=page", "/admin/posts/edit", $"/admin/posts/edit/{post.Id}",
                     $"/admin/posts/revisions/{post.Id}", $"/admin/posts/preview/{post.Id}", "/admin/denied",
                     "/admin/users", "/admin/settings", "/admin/tags", "/admin/account", "/admin/account/two-factor",
                     "/admin/import", "/admin/export", "/admin/api-keys", "/admin/media", "/admin/search",
                 })
        {
            await session.GoToAsync(path);
            problems.Add(await page.SeriousViolationsAsync() ?? "");
        }

        problems.RemoveAll(p => p.Length == 0);
        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
        Assert.True(session.Errors.Count == 0, string.Join('\n', session.Errors));
    }

    /// <summary>Entry titles of the Atom feed, read as a feed reader would fetch it.</summary>
    private static async Task<List<string>> FeedTitlesAsync(BrowserSession session)
    {
        var response = await session.Context.APIRequest.GetAsync("/feed.atom");
        Assert.True(response.Ok, $"/feed.atom answered {response.Status}");
        XNamespace atom = "http://www.w3.org/2005/Atom";
        var feed = XDocument.Parse(await response.TextAsync());
        return [.. feed.Root!.Elements(atom + "entry").Select(e => (string)e.Element(atom + "title")!)];
    }
}
