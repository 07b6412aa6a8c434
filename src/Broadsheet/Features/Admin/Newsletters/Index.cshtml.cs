using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Subscribers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Newsletters;

/// <summary>
/// /admin/newsletters: every newsletter with its confirmed subscribers and issues. Editors and up manage newsletters
/// and send issues, as they publish anyone's posts (an issue is a post); subscribers' data is theirs to see too, but
/// exporting and erasing it is the Administrators' (see Admin/Subscribers).
/// </summary>
[Authorize(Policy = Policies.EditAll)]
public sealed class IndexModel(BroadsheetDb db) : AdminPageModel
{
    public IReadOnlyList<Row> Rows { get; private set; } = [];

    public sealed record Row(int Id, string Name, string Slug, string From, bool Open, int Confirmed, int Pending, int Issues);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var counts = await db.Subscriptions.AsNoTracking()
            .Where(s => s.Status != SubscriptionStatus.Unsubscribed)
            .GroupBy(s => new { s.NewsletterId, s.Status })
            .Select(g => new { g.Key.NewsletterId, g.Key.Status, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var issues = await db.NewsletterIssues.AsNoTracking().GroupBy(i => i.NewsletterId)
            .Select(g => new { NewsletterId = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.NewsletterId, g => g.Count, cancellationToken);
        var newsletters = await db.Newsletters.AsNoTracking().OrderBy(n => n.Name).ToListAsync(cancellationToken);
        Rows = newsletters.Select(n => new Row(n.Id, n.Name, n.Slug, $"{n.FromName} <{n.FromAddress}>", n.OpenForSubscription,
            counts.Where(c => c.NewsletterId == n.Id && c.Status == SubscriptionStatus.Confirmed).Sum(c => c.Count),
            counts.Where(c => c.NewsletterId == n.Id && c.Status == SubscriptionStatus.Pending).Sum(c => c.Count),
            issues.GetValueOrDefault(n.Id))).ToList();
    }
}
