using Microsoft.Playwright;

namespace Broadsheet.BrowserTests.Infrastructure;

/// <summary>
/// A browser context with one page, recording every console error and uncaught script error the
/// site causes, so a test can assert the pages run cleanly (and will keep doing so under a strict
/// Content-Security-Policy, whose violations Chromium reports as console errors).
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private readonly List<string> errors = [];

    private BrowserSession(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            // Chromium also logs every 4xx/5xx as "Failed to load resource"; those are judged below,
            // by address, so a 404 page's own status is not an error but a missing stylesheet is.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
                lock (errors) errors.Add($"{page.Url}: console error: {message.Text}");
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400 && !response.Request.IsNavigationRequest)
                lock (errors) errors.Add($"{page.Url}: {response.Request.Method} {response.Url} answered {response.Status}");
        };
        page.RequestFailed += (_, request) =>
        {
            // ERR_ABORTED is Chromium cancelling a request because the page went elsewhere (a test that clicks
            // a link while the last page's script is still loading); a missing or broken asset fails otherwise
            // (an HTTP status, judged above, or another net:: error).
            if (request.Failure == "net::ERR_ABORTED") return;
            lock (errors) errors.Add($"{page.Url}: {request.Method} {request.Url} failed: {request.Failure}");
        };
        page.PageError += (_, error) =>
        {
            lock (errors) errors.Add($"{page.Url}: uncaught error: {error}");
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>Console and script errors seen so far, each with the page it happened on.</summary>
    public IReadOnlyList<string> Errors
    {
        get { lock (errors) return [.. errors]; }
    }

    internal static async Task<BrowserSession> StartAsync(IBrowserContext context) => new(context, await context.NewPageAsync());

    /// <summary>Goes to a path of the site and returns the main document's response.</summary>
    public async Task<IResponse> GoToAsync(string path)
    {
        var response = await Page.GotoAsync(path);
        Assert.NotNull(response);
        return response;
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
