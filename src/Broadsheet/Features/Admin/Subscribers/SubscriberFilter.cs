using System.Globalization;
using Broadsheet.Data;
using Broadsheet.Features.Subscribers;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Subscribers;

/// <summary>
/// The subscriber list's search and filters, shared by the list and its CSV export so "export these" exports exactly
/// what the list shows: a search of address and name, a newsletter, and a status (pending, confirmed, unsubscribed:
/// with a newsletter, of that subscription; without, of any; suppressed: the address is suppressed anywhere).
/// </summary>
public sealed class SubscriberFilter
{
    public string? Q { get; set; }
    public int? Newsletter { get; set; }
    public string? Status { get; set; }

    public static readonly IReadOnlyList<string> Statuses = ["pending", "confirmed", "unsubscribed", "suppressed"];

    public IQueryable<Subscriber> Apply(BroadsheetDb db)
    {
        var subscribers = db.Subscribers.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(Q))
        {
            // Plain LIKE on lower-cased text means the same on both databases, as the posts list does.
            var pattern = "%" + Q.Trim().ToLowerInvariant().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
#pragma warning disable CA1304, CA1311 // EF translates ToLower() to the database's LOWER(); no .NET culture applies.
            subscribers = subscribers.Where(s => EF.Functions.Like(s.Email.ToLower(), pattern, "\\") || s.Name != null && EF.Functions.Like(s.Name.ToLower(), pattern, "\\"));
#pragma warning restore CA1304, CA1311
        }
        SubscriptionStatus? status = Status switch
        {
            "pending" => SubscriptionStatus.Pending,
            "confirmed" => SubscriptionStatus.Confirmed,
            "unsubscribed" => SubscriptionStatus.Unsubscribed,
            _ => null,
        };
        if (Newsletter is { } newsletter)
            subscribers = status is { } wanted
                ? subscribers.Where(s => s.Subscriptions.Any(x => x.NewsletterId == newsletter && x.Status == wanted))
                : subscribers.Where(s => s.Subscriptions.Any(x => x.NewsletterId == newsletter));
        else if (status is { } wanted)
            subscribers = subscribers.Where(s => s.Subscriptions.Any(x => x.Status == wanted));
        if (Status == "suppressed")
            subscribers = subscribers.Where(s => db.Suppressions.Any(x => x.AddressHash == s.AddressHash
                && (Newsletter == null || x.NewsletterId == Newsletter || x.NewsletterId == Suppression.EveryNewsletter)));
        return subscribers;
    }

    /// <summary>The query string of this filter (and a page), for links that keep it.</summary>
    public string Query(int? page = null) => QueryString.Create(new Dictionary<string, string?>
    {
        ["q"] = Q,
        ["newsletter"] = Newsletter?.ToString(CultureInfo.InvariantCulture),
        ["status"] = Status,
        ["page"] = page is > 1 ? page.Value.ToString(CultureInfo.InvariantCulture) : null,
    }.Where(p => !string.IsNullOrEmpty(p.Value))).ToUriComponent();
}
