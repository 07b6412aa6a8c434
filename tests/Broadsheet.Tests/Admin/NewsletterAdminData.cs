using Broadsheet.Data;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Subscribers;
using Broadsheet.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Admin;

/// <summary>Newsletters and subscribers arranged straight in the database, for the admin pages' tests.</summary>
public static class NewsletterAdminData
{
    public static async Task<Newsletter> AddNewsletterAsync(this BroadsheetFactory app, string name = "Weekly News", string slug = "weekly-news", string from = "news@campaign.example.org")
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var newsletter = new Newsletter { Name = name, Slug = slug, FromName = "The Campaign", FromAddress = from, CreatedAt = app.Clock.GetUtcNow().UtcDateTime };
        db.Newsletters.Add(newsletter);
        await db.SaveChangesAsync();
        return newsletter;
    }

    /// <summary>A subscriber with one subscription per (newsletter, status) given; confirmed ones confirmed at <paramref name="confirmedAt"/> (default: now).</summary>
    public static async Task<Subscriber> AddSubscriberAsync(this BroadsheetFactory app, string email, string? name, params (int Newsletter, SubscriptionStatus Status)[] subscriptions) =>
        await app.AddSubscriberAsync(email, name, null, null, subscriptions);

    public static async Task<Subscriber> AddSubscriberAsync(this BroadsheetFactory app, string email, string? name, DateTime? confirmedAt, DateTime? unsubscribedAt, params (int Newsletter, SubscriptionStatus Status)[] subscriptions)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var now = app.Clock.GetUtcNow().UtcDateTime;
        var clean = EmailAddresses.Clean(email) ?? throw new ArgumentException("not an address", nameof(email));
        var subscriber = new Subscriber
        {
            Email = clean, CanonicalEmail = EmailAddresses.Canonical(clean), AddressHash = EmailAddresses.Hash(clean), Name = name,
            LinkSecret = SubscriberLinks.NewLinkSecret(), CreatedAt = confirmedAt ?? now, UpdatedAt = now,
        };
        foreach (var (newsletter, status) in subscriptions)
            subscriber.Subscriptions.Add(new Subscription
            {
                NewsletterId = newsletter, Status = status, CreatedAt = confirmedAt ?? now,
                ConfirmedAt = status == SubscriptionStatus.Pending ? null : confirmedAt ?? now,
                UnsubscribedAt = status == SubscriptionStatus.Unsubscribed ? unsubscribedAt ?? now : null,
            });
        db.Subscribers.Add(subscriber);
        await db.SaveChangesAsync();
        return subscriber;
    }

    public static async Task<T> InDbAsync<T>(this BroadsheetFactory app, Func<BroadsheetDb, Task<T>> query)
    {
        await using var scope = app.Scope();
        return await query(scope.ServiceProvider.GetRequiredService<BroadsheetDb>());
    }
}
