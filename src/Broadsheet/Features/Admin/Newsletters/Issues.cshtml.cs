using Broadsheet.Data;
using Broadsheet.Email;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Newsletters;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Newsletters;

/// <summary>A newsletter's issues, newest first: number, subject, where each is as mail and how many it reached.</summary>
[Authorize(Policy = Policies.EditAll)]
public sealed class IssuesModel(BroadsheetDb db) : AdminPageModel
{
    public Newsletter Newsletter { get; private set; } = null!;
    public IReadOnlyList<Row> Rows { get; private set; } = [];

    public sealed record Row(int Id, int Number, string Subject, IssueSendStatus Status, DateTime? SendRequestedAt, int Sent, int Failed, int Total);

    public async Task<IActionResult> OnGetAsync(int id, CancellationToken cancellationToken)
    {
        var newsletter = await db.Newsletters.AsNoTracking().FirstOrDefaultAsync(n => n.Id == id, cancellationToken);
        if (newsletter is null) return NotFound();
        Newsletter = newsletter;
        var issues = await db.NewsletterIssues.AsNoTracking().Where(i => i.NewsletterId == id).OrderByDescending(i => i.Number).ToListAsync(cancellationToken);
        var ids = issues.Select(i => i.Id).ToList();
        // One grouped count for the whole list (the (IssueId, Status, Id) index answers it), not one progress query per issue.
        var counts = await db.Deliveries.AsNoTracking().Where(d => d.IssueId != null && ids.Contains(d.IssueId.Value))
            .GroupBy(d => new { d.IssueId, d.Status }).Select(g => new { g.Key.IssueId, g.Key.Status, Count = g.Count() })
            .ToListAsync(cancellationToken);
        Rows = issues.Select(i => new Row(i.Id, i.Number, i.Subject, i.SendStatus, i.SendRequestedAt,
            counts.Where(c => c.IssueId == i.Id && c.Status == DeliveryStatus.Sent).Sum(c => c.Count),
            counts.Where(c => c.IssueId == i.Id && c.Status == DeliveryStatus.Failed).Sum(c => c.Count),
            counts.Where(c => c.IssueId == i.Id).Sum(c => c.Count))).ToList();
        return Page();
    }

    /// <summary>A sending state as the admin says it.</summary>
    public static string StatusName(IssueSendStatus status) => status switch
    {
        IssueSendStatus.NotSent => "not sent",
        IssueSendStatus.Sending => "sending",
        IssueSendStatus.Paused => "paused",
        IssueSendStatus.Sent => "sent",
        _ => "cancelled",
    };
}
