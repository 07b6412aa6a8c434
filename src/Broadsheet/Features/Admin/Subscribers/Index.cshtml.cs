using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Subscribers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Subscribers;

/// <summary>
/// /admin/subscribers: every subscriber, newest first, with a search, filters by newsletter and status, paging, and the
/// subscribers-over-time chart of the newsletter filtered on (or of all). Editors and up see it, as they send to these
/// people; exporting and erasing are the Administrators' (Export, Erase).
/// </summary>
[Authorize(Policy = Policies.EditAll)]
public sealed class IndexModel(BroadsheetDb db) : AdminPageModel
{
    public const int PageSize = 50;

    public SubscriberFilter Filter { get; private set; } = new();
    public int PageNumber { get; private set; } = 1;
    public int Total { get; private set; }
    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public IReadOnlyList<(int Id, string Name)> Newsletters { get; private set; } = [];
    public IReadOnlyList<ChartMonth> Chart { get; private set; } = [];

    public sealed record Row(int Id, string Email, string? Name, DateTime CreatedAt, IReadOnlyList<(string Newsletter, SubscriptionStatus Status)> Subscriptions);

    public string ChartTitle => "Confirmed subscribers, last 24 months" +
        (Filter.Newsletter is { } id && Newsletters.FirstOrDefault(n => n.Id == id).Name is { } name ? ": " + name : ", all newsletters");

    public async Task<IActionResult> OnGetAsync(SubscriberFilter filter, CancellationToken cancellationToken)
    {
        if (PageNumbers.Parse(Request.Query["page"]) is not { } pageNumber) return NotFound();
        PageNumber = pageNumber;
        Filter = filter;
        Newsletters = (await db.Newsletters.AsNoTracking().OrderBy(n => n.Name).Select(n => new { n.Id, n.Name }).ToListAsync(cancellationToken))
            .Select(n => (n.Id, n.Name)).ToList();
        var subscribers = filter.Apply(db);
        Total = await subscribers.CountAsync(cancellationToken);
        if (PageNumber > 1 && (PageNumber - 1) * PageSize >= Total) return NotFound();
        var page = await subscribers.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id)
            .Skip((PageNumber - 1) * PageSize).Take(PageSize)
            .Select(s => new { s.Id, s.Email, s.Name, s.CreatedAt, Subscriptions = s.Subscriptions.Select(x => new { x.Newsletter!.Name, x.Status }).ToList() })
            .ToListAsync(cancellationToken);
        Rows = page.Select(s => new Row(s.Id, s.Email, s.Name, s.CreatedAt, s.Subscriptions.OrderBy(x => x.Name, StringComparer.CurrentCulture).Select(x => (x.Name, x.Status)).ToList())).ToList();
        Chart = await SubscriberChart.CountAsync(db, filter.Newsletter, NowUtc, cancellationToken);
        return Page();
    }

    public static string StatusName(SubscriptionStatus status) => status switch
    {
        SubscriptionStatus.Pending => "pending",
        SubscriptionStatus.Confirmed => "confirmed",
        _ => "unsubscribed",
    };
}
