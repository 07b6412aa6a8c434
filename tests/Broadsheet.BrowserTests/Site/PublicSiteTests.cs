using System.Text.RegularExpressions;
using Broadsheet.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Broadsheet.BrowserTests.Site;

/// <summary>
/// The public demo site in a real Chromium, as a reader uses it: reading, clicking through, searching.
/// The demo's dates follow the test clock (14 March 2026, 12:00 UTC).
/// </summary>
public sealed class PublicSiteTests(Chromium browser, DemoSite site) : IClassFixture<Chromium>, IClassFixture<DemoSite>
{
    private const string Statement = "Our statement: stop the war now";

    [Fact]
    public async Task Home_page_shows_the_pinned_statement_first_then_posts_under_date_headers()
    {
        await using var session = await browser.OpenAsync(site.Address);
        await session.GoToAsync("/");
        var main = session.Page.Locator("main");

        var titles = await main.Locator("article .post-title").AllTextContentsAsync();
        Assert.Equal(Statement, titles[0].Trim());
        await Expect(main.Locator(".pinned")).ToContainTextAsync("Pinned");
        await Expect(main.Locator(".pinned .post-title")).ToHaveTextAsync(Statement);

        var headers = (await main.Locator("h2.date-header").AllTextContentsAsync()).Select(h => h.Trim());
        Assert.Equal(["Saturday 14 March 2026", "Friday 13 March 2026"], headers);
        // What the eye sees, not only the source order: the statement sits above the first date.
        var pinnedBox = await main.Locator(".pinned").BoundingBoxAsync();
        var firstDateBox = await main.Locator("h2.date-header").First.BoundingBoxAsync();
        Assert.True(pinnedBox!.Y + pinnedBox.Height <= firstDateBox!.Y, "the pinned statement is not above the dated posts");
    }

    [Fact]
    public async Task Continue_reading_opens_the_whole_post()
    {
        await using var session = await browser.OpenAsync(site.Address);
        var page = session.Page;
        await session.GoToAsync("/");
        await Expect(page.Locator("main")).Not.ToContainTextAsync("War has already cost");

        await page.GetByRole(AriaRole.Link, new() { Name = $"Continue reading “{Statement}”" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/2026/03/our-statement#more$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(Statement);
        await Expect(page.Locator("main .post-body")).ToContainTextAsync("War has already cost tens of thousands of lives.");
    }

    [Fact]
    public async Task A_tag_link_lists_the_posts_with_that_tag()
    {
        await using var session = await browser.OpenAsync(site.Address);
        var page = session.Page;
        await session.GoToAsync("/");

        await page.Locator("main .tags").GetByRole(AriaRole.Link, new() { Name = "events", Exact = true }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/tag/events$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Posts tagged “events”");
        var titles = await page.Locator("main .post-title").AllTextContentsAsync();
        Assert.Equal(["Report from Saturday's vigil"], titles.Select(t => t.Trim()));
    }

    [Fact]
    public async Task Archive_links_lead_to_the_year_and_the_month()
    {
        await using var session = await browser.OpenAsync(site.Address);
        var page = session.Page;
        await session.GoToAsync("/");
        var sidebar = page.GetByRole(AriaRole.Complementary, new() { Name = "Blog archive" });

        await sidebar.GetByRole(AriaRole.Link, new() { Name = "All of 2026", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/2026$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("2026");
        await Expect(page.Locator("main .post-title")).ToHaveCountAsync(3); // the statement and two posts; the page is not dated

        await page.GetByRole(AriaRole.Complementary, new() { Name = "Blog archive" })
            .GetByRole(AriaRole.Link, new() { Name = "March", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/2026/03$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("March 2026");
        await Expect(page.Locator("main .post-title").First).ToHaveTextAsync("Report from Saturday's vigil");

        await page.GetByRole(AriaRole.Navigation, new() { Name = "Site" }).GetByRole(AriaRole.Link, new() { Name = "Archive" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/archive$"));
        await Expect(page.Locator("main").GetByRole(AriaRole.Link, new() { Name = "March 2026" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_search_box_submits_to_the_search_page()
    {
        await using var session = await browser.OpenAsync(site.Address);
        var page = session.Page;
        await session.GoToAsync("/");

        var box = page.GetByRole(AriaRole.Search).GetByLabel("Search", new() { Exact = true });
        await box.FillAsync("candle vigil");
        await box.PressAsync("Enter");

        await page.WaitForURLAsync(new Regex(@"/search\?q=candle(\+|%20)vigil$"));
    }

    [Fact]
    public async Task A_bad_address_answers_404_with_a_helpful_page()
    {
        await using var session = await browser.OpenAsync(site.Address);
        var page = session.Page;

        var response = await session.GoToAsync("/no-such-page");

        Assert.Equal(404, response.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Page not found");
        await page.Locator("main").GetByRole(AriaRole.Link, new() { Name = "home page" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/$"));
        await Expect(page.Locator("main .pinned .post-title")).ToHaveTextAsync(Statement);
    }

    public static TheoryData<string> PublicPages =>
    [
        "/",
        "/2026/03/saturday-vigil",
        "/2026/03/our-statement",
        "/about",
        "/tag/news",
        "/archive",
        "/2026",
        "/2026/03",
        "/no-such-page",
    ];

    [Theory]
    [MemberData(nameof(PublicPages))]
    public async Task Public_pages_have_no_serious_accessibility_problems(string path)
    {
        await using var session = await browser.OpenAsync(site.Address);
        await session.GoToAsync(path);
        await session.Page.AssertNoSeriousViolationsAsync();
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/2026/03/saturday-vigil")]
    [InlineData("/2026/03/our-statement")]
    [InlineData("/about")]
    public async Task On_a_phone_nothing_scrolls_sideways_and_text_stays_readable(string path)
    {
        await using var session = await browser.OpenAsync(site.Address, Chromium.Phone);
        var page = session.Page;
        await session.GoToAsync(path);

        var layout = await page.EvaluateAsync<double[]>(
            "() => [document.scrollingElement.scrollWidth, window.innerWidth, document.documentElement.clientWidth]");
        Assert.True(layout[0] <= layout[1], $"{path} is {layout[0]}px wide in a {layout[1]}px window: it scrolls sideways");
        Assert.Equal(Chromium.Phone.Width, layout[2]); // laid out for the phone's width, not a shrunken desktop page

        var sizes = await page.Locator("main .post-body p").EvaluateAllAsync<double[]>(
            "ps => ps.map(p => parseFloat(getComputedStyle(p).fontSize))");
        Assert.NotEmpty(sizes);
        Assert.All(sizes, size => Assert.True(size >= 16, $"body text is {size}px on a phone; 16px is the least that reads comfortably"));
    }

    [Fact]
    public async Task The_skip_link_is_the_first_stop_for_the_keyboard_and_moves_focus_to_the_content()
    {
        await using var session = await browser.OpenAsync(site.Address);
        var page = session.Page;
        await session.GoToAsync("/");

        await page.Keyboard.PressAsync("Tab");
        var skip = page.Locator(":focus");
        await Expect(skip).ToHaveTextAsync("Skip to content");
        var box = await skip.BoundingBoxAsync();
        Assert.True(box is { X: >= 0, Y: >= 0, Width: > 0 }, "the focused skip link is not on screen");

        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("#main$"));
        Assert.Equal("main", await page.EvaluateAsync<string>("() => document.activeElement.id"));

        // The next Tab goes on from the content, not back to the masthead.
        await page.Keyboard.PressAsync("Tab");
        Assert.True(await page.EvaluateAsync<bool>("() => document.getElementById('main').contains(document.activeElement)"),
            "after the skip link, Tab left the main content");
    }

    [Fact]
    public async Task Pages_run_without_console_or_script_errors()
    {
        await using var session = await browser.OpenAsync(site.Address);
        foreach (var path in PublicPages.Select(row => row.Data))
        {
            await session.GoToAsync(path);
            await session.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        }
        Assert.True(session.Errors.Count == 0, "errors in the browser:\n" + string.Join('\n', session.Errors));
    }

    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    public async Task Home_page_screenshot_shows_the_statement_on_the_first_screen(string device)
    {
        var viewport = device == "phone" ? Chromium.Phone : Chromium.Desktop;
        await using var session = await browser.OpenAsync(site.Address, viewport);
        var page = session.Page;
        await session.GoToAsync("/");

        var folder = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"home-{device}.png"), FullPage = true });

        var title = await page.Locator("main .pinned .post-title").BoundingBoxAsync();
        Assert.True(title!.Y + title.Height <= viewport.Height, $"on a {device} the pinned statement starts below the first screen (y={title.Y})");
    }
}
