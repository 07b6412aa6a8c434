using Broadsheet.Features.Posts;
using Broadsheet.Features.Settings;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Data;

/// <summary>
/// Keeps every node's caches honest. Whoever changes public content calls <see cref="PublishedAsync"/>:
/// it bumps <see cref="ContentState.Version"/> in the database and evicts this node's caches at once.
/// A background loop on every node polls that version (a single-row read every few seconds) and
/// evicts when another node changed it, and also when a scheduled post's time has come, so a
/// scheduled post shows up on time on every node without a restart.
/// </summary>
public sealed class ContentChanges(
    IServiceScopeFactory scopes,
    IOutputCacheStore outputCache,
    SiteSettingsCache settings,
    TimeProvider clock,
    ILogger<ContentChanges> logger) : BackgroundService
{
    /// <summary>The output-cache tag on every public page and feed.</summary>
    public const string PublicTag = "public";

    private long knownVersion = -1;
    private DateTime lastModifiedUtc = Truncate(clock.GetUtcNow().UtcDateTime);

    /// <summary>
    /// When public content last changed, as far as this node knows: the later of the last edit and
    /// the last scheduled post to come due. Until the first poll, the start of this process (an upper bound).
    /// </summary>
    public DateTime LastModifiedUtc => lastModifiedUtc;
    private DateTime? nextScheduledUtc;

    /// <summary>Raised after caches are evicted; in-process readers of derived data (archive counts) listen.</summary>
    public event Action? Evicted;

    public static TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Call after saving a change that the public may see.</summary>
    public async Task PublishedAsync(BroadsheetDb db, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.ContentState.ExecuteUpdateAsync(s => s
            .SetProperty(c => c.Version, c => c.Version + 1)
            .SetProperty(c => c.ChangedAt, now), cancellationToken);
        lastModifiedUtc = Truncate(now);
        await EvictAsync(cancellationToken);
        nextScheduledUtc = null; // re-read on the next poll
    }

    public async Task EvictAsync(CancellationToken cancellationToken = default)
    {
        settings.Invalidate();
        await outputCache.EvictByTagAsync(PublicTag, cancellationToken);
        Evicted?.Invoke();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval, clock);
        do
        {
            try
            {
                await PollAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A missed poll only delays an eviction; keep going.
                logger.LogWarning(e, "Polling for content changes failed");
            }
        }
        while (await NextTickAsync(timer, stoppingToken));
    }

    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static DateTime Truncate(DateTime utc) => new(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    internal async Task PollAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        var state = await db.ContentState.AsNoTracking().Where(s => s.Id == ContentState.SingletonId).FirstOrDefaultAsync(cancellationToken);
        var version = state?.Version ?? 0;
        var due = nextScheduledUtc is { } next && next <= now;
        if (version != knownVersion || due)
        {
            var latestVisible = await db.Posts.Visible(now).MaxAsync(p => p.PublishedAt, cancellationToken);
            var changed = state?.ChangedAt ?? DateTime.MinValue;
            lastModifiedUtc = Truncate(latestVisible is { } l && l > changed ? l : changed);
            if (knownVersion != -1) await EvictAsync(cancellationToken);
            knownVersion = version;
            nextScheduledUtc = await db.Posts
                .Where(p => p.Status == PostStatus.Scheduled && p.PublishedAt > now)
                .MinAsync(p => p.PublishedAt, cancellationToken);
        }
    }
}
