using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Broadsheet.Data;
using Broadsheet.Email;
using Broadsheet.Features.Settings;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Subscribers;

/// <summary>What a subscriber link lets its holder do; part of what is signed, so one kind of link never works as another.</summary>
public enum SubscriberLinkPurpose
{
    /// <summary>Confirm pending subscriptions (double opt-in). Expires after <see cref="SubscriberLinks.ConfirmValidFor"/>.</summary>
    Confirm,

    /// <summary>Leave one newsletter, or all (newsletter 0): the List-Unsubscribe link. Never expires.</summary>
    Unsubscribe,

    /// <summary>Open the preferences page. Never expires.</summary>
    Preferences,
}

/// <summary>
/// The links in subscriber mail, on the site's address (<see cref="Site.MailLink"/>):
/// <c>/subscribe/confirm?s=ID&amp;d=DAY&amp;t=MAC</c>, <c>/unsubscribe?s=ID&amp;n=NEWSLETTER&amp;t=MAC</c> and
/// <c>/preferences?s=ID&amp;t=MAC</c>. The MAC is an HMAC-SHA256, under the site's <see cref="MailLinkKey"/>, of the
/// purpose, the subscriber's id, the newsletter, the day a confirm link was made and the subscriber's
/// <see cref="Subscriber.LinkSecret"/>. Nothing of a link is stored, links need no lookup table, and a new LinkSecret
/// revokes every earlier link of that subscriber. Unsubscribe and preferences links work for years, as mail is kept.
/// </summary>
public sealed class SubscriberLinks(BroadsheetDb db, MailLinkKeyCache keys, TimeProvider clock)
{
    public static readonly TimeSpan ConfirmValidFor = TimeSpan.FromDays(7);

    public async Task<string> ConfirmUrlAsync(Site site, Subscriber subscriber, CancellationToken cancellationToken = default)
    {
        var day = Day(clock.GetUtcNow().UtcDateTime);
        var mac = await MacAsync(SubscriberLinkPurpose.Confirm, subscriber.Id, 0, day, subscriber.LinkSecret, cancellationToken);
        return site.MailLink(FormattableString.Invariant($"/subscribe/confirm?s={subscriber.Id}&d={day}&t={mac}"));
    }

    /// <summary>The List-Unsubscribe link: leave <paramref name="newsletterId"/>, or everything with 0.</summary>
    public async Task<string> UnsubscribeUrlAsync(Site site, Subscriber subscriber, int newsletterId, CancellationToken cancellationToken = default)
    {
        var key = await keys.GetAsync(db, cancellationToken);
        return UnsubscribeUrl(site, key, subscriber.Id, subscriber.LinkSecret, newsletterId);
    }

    public async Task<string> PreferencesUrlAsync(Site site, Subscriber subscriber, CancellationToken cancellationToken = default)
    {
        var key = await keys.GetAsync(db, cancellationToken);
        return PreferencesUrl(site, key, subscriber.Id, subscriber.LinkSecret);
    }

    /// <summary>
    /// The subscriber a link was made for, or null when it is forged, altered, revoked (the subscriber's LinkSecret
    /// changed), for another purpose, for a subscriber since erased, or (a confirm link) expired. Compared in constant time.
    /// </summary>
    public async Task<Subscriber?> CheckAsync(SubscriberLinkPurpose purpose, int subscriberId, int newsletterId, long day, string? mac, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(mac) || mac.Length > 100) return null;
        if (purpose == SubscriberLinkPurpose.Confirm)
        {
            var today = Day(clock.GetUtcNow().UtcDateTime);
            if (day > today || today - day > (long)ConfirmValidFor.TotalDays) return null;
        }
        var subscriber = await db.Subscribers.FirstOrDefaultAsync(s => s.Id == subscriberId, cancellationToken);
        if (subscriber is null) return null;
        var expected = await MacAsync(purpose, subscriberId, newsletterId, day, subscriber.LinkSecret, cancellationToken);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(mac)) ? subscriber : null;
    }

    /// <summary>A new <see cref="Subscriber.LinkSecret"/>: for a new subscriber, and to revoke every link mailed so far.</summary>
    public static string NewLinkSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

    /// <summary>Whether a confirm link made on <paramref name="day"/> has expired (for a page that says so rather than "invalid").</summary>
    public bool ConfirmExpired(long day) => Day(clock.GetUtcNow().UtcDateTime) - day > (long)ConfirmValidFor.TotalDays;

    private static long Day(DateTime utc) => utc.Ticks / TimeSpan.TicksPerDay;

    private async Task<string> MacAsync(SubscriberLinkPurpose purpose, int subscriberId, int newsletterId, long day, string linkSecret, CancellationToken cancellationToken) =>
        Mac(await keys.GetAsync(db, cancellationToken), purpose, subscriberId, newsletterId, day, linkSecret);

    /// <summary>
    /// The List-Unsubscribe link without a database round trip, for the delivery engine that renders thousands of
    /// messages a second with the key read once (<see cref="MailLinkKeyCache"/>).
    /// </summary>
    public static string UnsubscribeUrl(Site site, byte[] key, int subscriberId, string linkSecret, int newsletterId) =>
        site.MailLink(FormattableString.Invariant($"/unsubscribe?s={subscriberId}&n={newsletterId}&t={Mac(key, SubscriberLinkPurpose.Unsubscribe, subscriberId, newsletterId, 0, linkSecret)}"));

    /// <summary>The preferences link without a database round trip (see <see cref="UnsubscribeUrl(Site, byte[], int, string, int)"/>).</summary>
    public static string PreferencesUrl(Site site, byte[] key, int subscriberId, string linkSecret) =>
        site.MailLink(FormattableString.Invariant($"/preferences?s={subscriberId}&t={Mac(key, SubscriberLinkPurpose.Preferences, subscriberId, 0, 0, linkSecret)}"));

    public static string Mac(byte[] key, SubscriberLinkPurpose purpose, int subscriberId, int newsletterId, long day, string linkSecret)
    {
        var message = string.Create(CultureInfo.InvariantCulture, $"broadsheet-subscriber-link\n{purpose}\n{subscriberId}\n{newsletterId}\n{day}\n{linkSecret}");
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(message));
        // 128 bits is plenty for a MAC that cannot be tried offline; it keeps links short.
        return Base64Url(mac.AsSpan(0, 16));
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// The site's <see cref="MailLinkKey"/>, read once per process (it never changes), made on first use by whichever node
/// gets there first: an insert that loses the race reads the winner's key.
/// </summary>
public sealed class MailLinkKeyCache
{
    private byte[]? key;

    public async ValueTask<byte[]> GetAsync(BroadsheetDb db, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref key) is { } known) return known;
        var row = await db.MailLinkKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == MailLinkKey.SingletonId, cancellationToken);
        if (row is null)
        {
            var fresh = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            var now = DateTime.UtcNow;
            // Both databases speak this upsert; the loser of a race keeps the winner's key.
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "MailLinkKeys" ("Id", "Key", "CreatedAt") VALUES ({MailLinkKey.SingletonId}, {fresh}, {now})
                ON CONFLICT ("Id") DO NOTHING
                """, cancellationToken);
            row = await db.MailLinkKeys.AsNoTracking().FirstAsync(k => k.Id == MailLinkKey.SingletonId, cancellationToken);
        }
        var bytes = Convert.FromBase64String(row.Key);
        Volatile.Write(ref key, bytes);
        return bytes;
    }

    /// <summary>Forgets the key, after a restore replaced it.</summary>
    public void Forget() => Volatile.Write(ref key, null);
}
