using Broadsheet.Features.Posts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.BrowserTests.Infrastructure;

/// <summary>
/// The first-run demo site (a pinned statement, dated posts with tags, an "About us" page), served
/// on loopback and shared by a test class whose tests only read it. Under a test host the program's
/// serve path stops before it would make the demo, so the fixture asks <see cref="DemoContent"/> itself.
/// </summary>
public sealed class DemoSite : IAsyncLifetime
{
    private BroadsheetFactory? app;

    public Uri Address { get; private set; } = null!;

    public BroadsheetFactory App => app ?? throw new InvalidOperationException("The demo site is not started.");

    public async ValueTask InitializeAsync()
    {
        if (Chromium.ExecutablePath is null) return; // the tests will skip; no need for a server
        app = new BroadsheetFactory();
        Address = app.StartOnLoopback();
        await using var scope = app.Scope();
        Assert.True(await scope.ServiceProvider.GetRequiredService<DemoContent>().CreateIfNewAsync(), "the demo was not made");
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null) await app.DisposeAsync();
    }
}
