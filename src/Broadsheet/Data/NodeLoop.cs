namespace Broadsheet.Data;

/// <summary>
/// Work every node does for itself, on its own schedule (polling for content changes to evict its own
/// caches, tidying its search index, the release of start-up memory): not work items, since each node must
/// do it, not any one of them. One loop and one error policy for all of it:
/// <list type="bullet">
/// <item>a round (<see cref="RunOnceAsync"/>) runs at start (unless <see cref="RunAtStart"/> is false), then
/// every <see cref="Interval"/>, on the app's <see cref="TimeProvider"/> (a test moves it);</item>
/// <item>a round that throws is logged as a warning with <see cref="What"/>, and the next comes after
/// <see cref="Interval"/>, then twice that, and so on up to <see cref="MaxBackoff"/>, until one succeeds
/// (the database briefly gone must not become a tight loop of errors, nor stop the host);</item>
/// <item>shutdown ends the loop quietly; a round that returns false ends it (work done once).</item>
/// </list>
/// </summary>
public abstract class NodeLoop(TimeProvider clock, ILogger logger) : BackgroundService
{
    /// <summary>The app's clock, which every wait of the loop follows.</summary>
    protected TimeProvider Clock => clock;

    protected ILogger Logger => logger;

    /// <summary>What a round does, for the log ("poll for content changes").</summary>
    protected abstract string What { get; }

    /// <summary>The time between rounds.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>The longest wait after failures in a row.</summary>
    protected virtual TimeSpan MaxBackoff => TimeSpan.FromMinutes(5);

    protected virtual bool RunAtStart => true;

    /// <summary>One round; false ends the loop.</summary>
    protected abstract Task<bool> RunOnceAsync(CancellationToken stoppingToken);

    /// <summary>The wait between rounds; a loop that can be woken early (the work queue's runner) overrides it.</summary>
    protected virtual Task WaitAsync(TimeSpan delay, CancellationToken stoppingToken) => Task.Delay(delay, clock, stoppingToken);

    /// <summary>The wait after <paramref name="failures"/> failed rounds in a row (0: none).</summary>
    public static TimeSpan DelayAfter(TimeSpan interval, int failures, TimeSpan cap)
    {
        if (interval < TimeSpan.Zero) interval = TimeSpan.Zero;
        if (failures <= 1) return interval < cap ? interval : cap;
        var ticks = Math.Max(interval.Ticks, TimeSpan.TicksPerSecond) * Math.Pow(2, Math.Min(failures - 1, 30));
        return ticks >= cap.Ticks ? cap : TimeSpan.FromTicks((long)ticks);
    }

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var first = true;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!first || !RunAtStart)
                    await WaitAsync(DelayAfter(Interval, failures, MaxBackoff), stoppingToken);
                first = false;
                try
                {
                    if (!await RunOnceAsync(stoppingToken)) return;
                    failures = 0;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    failures++;
                    logger.RoundFailed(e, What, failures, DelayAfter(Interval, failures, MaxBackoff));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>The log lines above, source-generated so a disabled level costs nothing (CA1848).</summary>
internal static partial class NodeLoopLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not {What} (failure {Failures} in a row); trying again in {Delay}")]
    public static partial void RoundFailed(this ILogger logger, Exception e, string what, int failures, TimeSpan delay);
}
