using Broadsheet.Data;

namespace Broadsheet.Features.Shared;

/// <summary>
/// Once the site has started: the home page rendered once in-process (a warm-up), then one compacting
/// collection that hands free memory back to the system.
/// <para>
/// Start-up (EF Core building its model, routing and Razor set-up, the first JIT work) leaves tens of
/// megabytes of garbage and empty heap that a small, mostly idle campaign site would otherwise keep for
/// its whole life; the GC never returns it unprompted while allocation is low. The first page served
/// leaves as much again (the matcher's route table, EF compiling the page's queries, the views'
/// activators), so the warm-up serves the home page first and the collection comes after it: the first
/// reader then gets a warm page, and what is left behind is what serving really needs. The warm-up goes
/// through the whole pipeline but neither reads nor fills the output cache (<see cref="IsWarmUp"/>), and
/// its response goes nowhere. It runs once, off the request path; a failure is logged and changes nothing.
/// </para>
/// Turn them off with <c>Memory:ReleaseAfterStart=false</c> (both) or <c>Memory:WarmUpHomePage=false</c>.
/// </summary>
internal sealed class StartupMemoryRelease(
    IHostApplicationLifetime lifetime, IConfiguration configuration, IServiceProvider services, StartupMemoryRelease.Pipeline pipeline,
    TimeProvider clock, ILogger<StartupMemoryRelease> logger) : NodeLoop(clock, logger)
{
    private static readonly object WarmUpKey = new();

    protected override string What => "warm up and release start-up memory";
    protected override TimeSpan Interval => TimeSpan.Zero;

    /// <summary>One round, once the server has started; the loop then ends.</summary>
    protected override async Task<bool> RunOnceAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Memory:ReleaseAfterStart", true)) return false;
        await WhenStartedAsync(stoppingToken);
        if (configuration.GetValue("Memory:WarmUpHomePage", true)) await WarmUpAsync();
        if (lifetime.ApplicationStopping.IsCancellationRequested) return false;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return false;
    }

    private Task WhenStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(stoppingToken);
    }

    /// <summary>True for the warm-up's own request (the output cache leaves it alone).</summary>
    public static bool IsWarmUp(HttpContext context) => context.Items.ContainsKey(WarmUpKey);

    /// <summary>Serves <c>GET /</c> once through the app's pipeline; returns the status code (0 if it could not run).</summary>
    public async Task<int> WarmUpAsync()
    {
        if (pipeline.App is not { } app) return 0;
        try
        {
            await using var scope = services.CreateAsyncScope();
            var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider, RequestAborted = lifetime.ApplicationStopping };
            context.Items[WarmUpKey] = true;
            context.Request.Method = HttpMethods.Get;
            context.Request.Scheme = "http";
            context.Request.Host = new HostString("localhost");
            context.Request.Path = "/";
            context.Connection.RemoteIpAddress = System.Net.IPAddress.Loopback;
            context.Response.Body = Stream.Null;
            await app(context);
            if (context.Response.StatusCode >= 500)
                logger.WarmUpAnswered(context.Response.StatusCode);
            return context.Response.StatusCode;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (!lifetime.ApplicationStopping.IsCancellationRequested)
                logger.WarmUpFailed(e);
            return 0;
        }
    }

    /// <summary>The app's whole request pipeline, as the server runs it; captured when the host builds it.</summary>
    internal sealed class Pipeline
    {
        public RequestDelegate? App { get; set; }
    }

    private sealed class CapturePipeline(Pipeline pipeline) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => builder =>
        {
            builder.Use(rest =>
            {
                pipeline.App = rest;
                return rest;
            });
            next(builder);
        };
    }

    internal static IServiceCollection AddTo(IServiceCollection services)
    {
        services.AddSingleton<Pipeline>();
        services.AddSingleton<IStartupFilter, CapturePipeline>();
        services.AddSingleton<StartupMemoryRelease>();
        services.AddHostedService(sp => sp.GetRequiredService<StartupMemoryRelease>());
        return services;
    }
}

public static class StartupMemoryReleaseSetup
{
    /// <summary>The warm-up and memory release after start (see <see cref="StartupMemoryRelease"/>).</summary>
    public static IServiceCollection AddStartupMemoryRelease(this IServiceCollection services) => StartupMemoryRelease.AddTo(services);
}

/// <summary>The log lines above, source-generated so a disabled level costs nothing (CA1848).</summary>
internal static partial class StartupMemoryReleaseLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "The start-up warm-up of the home page answered {Status}")]
    public static partial void WarmUpAnswered(this ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The start-up warm-up of the home page failed; the site is unaffected")]
    public static partial void WarmUpFailed(this ILogger logger, Exception e);
}
