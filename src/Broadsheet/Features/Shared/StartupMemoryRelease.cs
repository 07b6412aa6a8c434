namespace Broadsheet.Features.Shared;

/// <summary>
/// Once the site has started, one compacting collection that hands free memory back to the system.
/// Start-up (EF Core building its model and checking migrations, routing and Razor set-up, the first
/// JIT work) leaves tens of megabytes of garbage and empty heap that a small, mostly idle campaign
/// site would otherwise keep for its whole life; the GC never returns it unprompted while allocation is
/// low. It runs once, off the request path, and costs tens of milliseconds.
/// Turn it off with <c>Memory:ReleaseAfterStart=false</c>.
/// </summary>
internal sealed class StartupMemoryRelease(IHostApplicationLifetime lifetime, IConfiguration configuration) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (configuration.GetValue("Memory:ReleaseAfterStart", true))
            lifetime.ApplicationStarted.Register(() => ThreadPool.QueueUserWorkItem(static _ => Release()));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static void Release() =>
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
}
