using Microsoft.Playwright;

namespace Broadsheet.BrowserTests.Infrastructure;

/// <summary>
/// One headless Chromium per test class (xunit class fixture); each test opens its own context, so
/// cookies and storage never leak between tests. The suite runs when <c>BROADSHEET_TEST_CHROMIUM</c>
/// names a Chromium executable (Debian's <c>/usr/bin/chromium</c>; <c>.ci/run</c> sets it). Playwright
/// never downloads a browser here: it drives that executable.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string Variable = "BROADSHEET_TEST_CHROMIUM";

    /// <summary>Desktop and phone windows the tests look through.</summary>
    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 800 };
    public static readonly ViewportSize Phone = new() { Width = 375, Height = 740 };

    // The flags from TOOLCHAIN.md: no sandbox (we run as root in a container), nothing that phones home.
    // Playwright itself gives every launch a fresh temporary profile (user-data-dir).
    private static readonly string[] Flags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? playwright;
    private IBrowser? browser;

    public static string? ExecutablePath => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path ? path : null;

    public static void SkipUnlessAvailable() =>
        Assert.SkipUnless(ExecutablePath is not null,
            $"Browser tests are off: set {Variable} to a Chromium executable, e.g. /usr/bin/chromium (.ci/run does).");

    public async ValueTask InitializeAsync()
    {
        if (ExecutablePath is not { } path) return;
        Assert.True(File.Exists(path), $"{Variable}={path}, but there is no such file (apt-get install chromium).");
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = path,
            Headless = true,
            Args = Flags,
        });
    }

    /// <summary>A fresh browser context (own cookies, storage, cache) on the given site, with one page open.</summary>
    public async Task<BrowserSession> OpenAsync(Uri site, ViewportSize? viewport = null)
    {
        SkipUnlessAvailable();
        var context = await browser!.NewContextAsync(new()
        {
            BaseURL = site.ToString(),
            ViewportSize = viewport ?? Desktop,
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(15_000);
        return await BrowserSession.StartAsync(context);
    }

    public async ValueTask DisposeAsync()
    {
        if (browser is not null) await browser.CloseAsync();
        playwright?.Dispose();
    }
}
