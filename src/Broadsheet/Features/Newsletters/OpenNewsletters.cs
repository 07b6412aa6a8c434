using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Newsletters;

/// <summary>A newsletter as a public subscribe form offers it.</summary>
public sealed record NewsletterChoice(int Id, string Slug, string Name, string Description);

/// <summary>
/// The newsletters open for subscription, which the sidebar form on every public page offers: read once and kept in
/// memory until content changes (<see cref="ContentChanges"/>) or a minute has passed (an admin's edit of a newsletter
/// shows within that minute, on every node), so a page view costs no query for them.
/// </summary>
public sealed class OpenNewsletters
{
    private static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(1);
    private readonly IServiceScopeFactory scopes;
    private readonly TimeProvider clock;
    private volatile Cached? cached;

    private sealed record Cached(IReadOnlyList<NewsletterChoice> Newsletters, DateTime ValidUntilUtc);

    public OpenNewsletters(IServiceScopeFactory scopes, TimeProvider clock, ContentChanges changes)
    {
        this.scopes = scopes;
        this.clock = clock;
        changes.Evicted += Forget;
    }

    public async ValueTask<IReadOnlyList<NewsletterChoice>> GetAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (cached is { } hit && hit.ValidUntilUtc > now) return hit.Newsletters;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var open = await db.Newsletters.AsNoTracking().Where(n => n.OpenForSubscription).OrderBy(n => n.Name)
            .Select(n => new NewsletterChoice(n.Id, n.Slug, n.Name, n.Description)).ToListAsync(cancellationToken);
        cached = new Cached(open, now + KeepFor);
        return open;
    }

    /// <summary>For the admin's newsletter pages, after a save: this node shows the change at once.</summary>
    public void Forget() => cached = null;
}
