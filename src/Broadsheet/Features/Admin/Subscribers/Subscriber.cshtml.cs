using System.ComponentModel.DataAnnotations;
using Broadsheet.Data;
using Broadsheet.Email;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Shared;
using Broadsheet.Features.Subscribers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Subscribers;

/// <summary>
/// One subscriber: their subscriptions, the consent records that are the evidence of them, the mail sent to them, and
/// whether their address is suppressed. An admin can suppress the address by hand (someone asked by phone, a
/// complaint that came another way): a <see cref="Suppression"/> with reason Manual, which every send and import honours.
/// </summary>
[Authorize(Policy = Policies.EditAll)]
public sealed class SubscriberModel(BroadsheetDb db, TimeProvider clock) : AdminPageModel
{
    public const int DeliveriesShown = 50;

    public Subscriber Subscriber { get; private set; } = null!;
    public IReadOnlyList<SubscriptionRow> Subscriptions { get; private set; } = [];
    public IReadOnlyList<ConsentRow> Consents { get; private set; } = [];
    public IReadOnlyList<DeliveryRow> Deliveries { get; private set; } = [];
    public int DeliveryCount { get; private set; }
    public IReadOnlyList<SuppressionRow> Suppressions { get; private set; } = [];
    public IReadOnlyList<(int Id, string Name)> Newsletters { get; private set; } = [];
    public string? Error { get; private set; }

    public sealed record SubscriptionRow(string Newsletter, SubscriptionStatus Status, DateTime CreatedAt, DateTime? ConfirmedAt, DateTime? UnsubscribedAt);
    public sealed record ConsentRow(DateTime At, ConsentAction Action, ConsentSource Source, string Newsletter, string? Detail, string? IpAddress);
    public sealed record DeliveryRow(string Issue, DeliveryStatus Status, DateTime CreatedAt, DateTime? SentAt, int Attempts, string? LastReply);
    public sealed record SuppressionRow(string Newsletter, SuppressionReason Reason, string? Detail, DateTime At);

    public async Task<IActionResult> OnGetAsync(int id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostSuppressAsync(int id, int newsletterId, [StringLength(500)] string? detail, CancellationToken cancellationToken)
    {
        var subscriber = await db.Subscribers.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (subscriber is null) return NotFound();
        if (!ModelState.IsValid || newsletterId != Suppression.EveryNewsletter && !await db.Newsletters.AnyAsync(n => n.Id == newsletterId, cancellationToken))
        {
            Error = "Choose a newsletter (or every newsletter), and say why in at most 500 characters.";
            await LoadAsync(id, cancellationToken);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        if (await db.Suppressions.AnyAsync(s => s.AddressHash == subscriber.AddressHash && s.NewsletterId == newsletterId, cancellationToken))
        {
            Notice = "That address was suppressed there already.";
            return Redirect($"/admin/subscribers/{id}");
        }
        var by = User.Identity?.Name ?? "an admin";
        var why = string.IsNullOrWhiteSpace(detail) ? "" : ": " + XmlSafeText.Clean(detail).Trim();
        db.Suppressions.Add(new Suppression
        {
            AddressHash = subscriber.AddressHash,
            NewsletterId = newsletterId,
            Reason = SuppressionReason.Manual,
            Detail = Truncate($"admin {by}{why}", 1000),
            At = clock.GetUtcNow().UtcDateTime,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Someone (or a bounce) suppressed it a moment ago: the unique index kept one row, which is what was wanted.
        }
        Notice = newsletterId == Suppression.EveryNewsletter ? "Suppressed: no newsletter will be sent to this address." : "Suppressed for that newsletter.";
        return Redirect($"/admin/subscribers/{id}");
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    private async Task<bool> LoadAsync(int id, CancellationToken cancellationToken)
    {
        var subscriber = await db.Subscribers.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (subscriber is null) return false;
        Subscriber = subscriber;
        var names = await db.Newsletters.AsNoTracking().OrderBy(n => n.Name).Select(n => new { n.Id, n.Name }).ToListAsync(cancellationToken);
        Newsletters = names.Select(n => (n.Id, n.Name)).ToList();
        string Name(int? newsletterId) => newsletterId is null or Suppression.EveryNewsletter ? "every newsletter" : names.FirstOrDefault(n => n.Id == newsletterId)?.Name ?? "(deleted)";

        Subscriptions = (await db.Subscriptions.AsNoTracking().Where(s => s.SubscriberId == id).ToListAsync(cancellationToken))
            .Select(s => new SubscriptionRow(Name(s.NewsletterId), s.Status, s.CreatedAt, s.ConfirmedAt, s.UnsubscribedAt)).OrderBy(s => s.Newsletter, StringComparer.CurrentCulture).ToList();
        Consents = (await db.ConsentRecords.AsNoTracking().Where(c => c.SubscriberId == id).OrderByDescending(c => c.At).ThenByDescending(c => c.Id).ToListAsync(cancellationToken))
            .Select(c => new ConsentRow(c.At, c.Action, c.Source, Name(c.NewsletterId), c.Detail, c.IpAddress)).ToList();
        var deliveries = db.Deliveries.AsNoTracking().Where(d => d.SubscriberId == id);
        DeliveryCount = await deliveries.CountAsync(cancellationToken);
        Deliveries = await deliveries.OrderByDescending(d => d.Id).Take(DeliveriesShown)
            .Select(d => new DeliveryRow(
                db.NewsletterIssues.Where(i => i.Id == d.IssueId).Select(i => i.Newsletter!.Name + " No " + i.Number).FirstOrDefault() ?? "(mail)",
                d.Status, d.CreatedAt, d.SentAt, d.Attempts, d.LastReply))
            .ToListAsync(cancellationToken);
        Suppressions = (await db.Suppressions.AsNoTracking().Where(s => s.AddressHash == subscriber.AddressHash).OrderByDescending(s => s.At).ToListAsync(cancellationToken))
            .Select(s => new SuppressionRow(Name(s.NewsletterId), s.Reason, s.Detail, s.At)).ToList();
        return true;
    }

    public string When(DateTime? utc) => utc is { } at ? Site.Local(at).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : "";
}
