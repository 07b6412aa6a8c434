using Broadsheet.Features.Posts;
using Broadsheet.Features.Settings;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Data;

/// <summary>
/// Keeps every node's caches honest. Whoever changes public content calls <see cref="PublishedAsync"/>:
/// it bumps <see cref="ContentState.Version"/> in the database and evicts this node's caches at once.
/// A loop on every node (<see cref="NodeLoop"/>) polls that version (a single-row read every <see cref="PollInterval"/>)
/// and evicts when another node changed it, and also when a scheduled post's time has come, so a
/// scheduled post shows up on every node within one poll interval of its time, without a restart.
/// Each eviction the poll makes is repeated on the following poll: a request that read the old
/// content just before the eviction may store its page in the cache just after it.
/// </summary>
public sealed class ContentChanges(
    IServiceScopeFactory scopes,
    IOutputCacheStore outputCache,
    SiteSettingsCache settings,
    TimeProvider time,
    ILogger<ContentChanges> logger) : NodeLoop(time, logger)
{
    /// <summary>The output-cache tag on every public page and feed.</summary>
    public const string PublicTag = "public";

    // One poll at a time, and PublishedAsync never interleaves with one, so a poll that read the
    // state before an edit cannot overwrite what the edit set.
    private readonly SemaphoreSlim gate = new(1, 1);
    private long knownVersion = -1;
    private DateTime? nextScheduledUtc;
    private bool evictAgain;
    private DateTime lastModifiedUtc = Truncate(time.GetUtcNow().UtcDateTime);

    /// <summary>
    /// When public content last changed, as far as this node knows: the later of the last edit and
    /// the last scheduled post to come due, never later than now. Until the first poll, the start of
    /// this process (an upper bound). It only moves forward, so a reader's If-Modified-Since stays honest.
    /// </summary>
    public DateTime LastModifiedUtc
    {
        get
        {
            var now = Truncate(Clock.GetUtcNow().UtcDateTime);
            var known = lastModifiedUtc;
            return known < now ? known : now;
        }
    }

    /// <summary>Raised after caches are evicted; in-process readers of derived data (archive counts) listen.</summary>
    public event Action? Evicted;

    public static TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Call after saving a change that the public may see.</summary>
    public async Task PublishedAsync(BroadsheetDb db, CancellationToken cancellationToken = default)
    {
        var now = Clock.GetUtcNow().UtcDateTime;
        await db.ContentState.ExecuteUpdateAsync(s => s
            .SetProperty(c => c.Version, c => c.Version + 1)
            .SetProperty(c => c.ChangedAt, now), cancellationToken);
        await gate.WaitAsync(cancellationToken);
        try
        {
            // The next poll sees the new version and re-reads the next scheduled time.
            MoveLastModified(now);
        }
        finally
        {
            gate.Release();
        }
        await EvictAsync(cancellationToken);
    }

    public async Task EvictAsync(CancellationToken cancellationToken = default)
    {
        settings.Invalidate();
        await outputCache.EvictByTagAsync(PublicTag, cancellationToken);
        Evicted?.Invoke();
    }

    protected override string What => "poll for content changes";

    // A missed poll only delays an eviction; the loop tries again.
    protected override TimeSpan Interval => PollInterval;

    protected override TimeSpan MaxBackoff => TimeSpan.FromSeconds(30);

    protected override async Task<bool> RunOnceAsync(CancellationToken stoppingToken)
    {
        await PollAsync(stoppingToken);
        return true;
    }

    private static DateTime Truncate(DateTime utc) => new(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    private void MoveLastModified(DateTime utc)
    {
        var truncated = Truncate(utc);
        if (truncated > lastModifiedUtc) lastModifiedUtc = truncated;
    }

    /// <summary>One poll: evicts when another node changed content or a scheduled post came due. The background loop calls it.</summary>
    internal async Task PollAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            var now = Clock.GetUtcNow().UtcDateTime;
            var state = await db.ContentState.AsNoTracking().Where(s => s.Id == ContentState.SingletonId).FirstOrDefaultAsync(cancellationToken);
            var version = state?.Version ?? 0;
            var due = nextScheduledUtc is { } next && next <= now;
            if (version == knownVersion && !due)
            {
                if (evictAgain)
                {
                    evictAgain = false;
                    await EvictAsync(cancellationToken);
                }
                return;
            }

            var latestVisible = await db.Posts.Visible(now).MaxAsync(p => p.PublishedAt, cancellationToken);
            var changed = state?.ChangedAt ?? DateTime.MinValue;
            MoveLastModified(latestVisible is { } l && l > changed ? l : changed);
            nextScheduledUtc = await db.Posts
                .Where(p => p.Status == PostStatus.Scheduled && p.PublishedAt > now)
                .MinAsync(p => p.PublishedAt, cancellationToken);
            var first = knownVersion == -1;
            knownVersion = version;
            if (!first)
            {
                await EvictAsync(cancellationToken);
                evictAgain = true;
            }
        }
        finally
        {
            gate.Release();
        }
    }
}
