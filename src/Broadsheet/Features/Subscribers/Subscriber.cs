using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Features.Subscribers;

/// <summary>
/// One person on the site's mailing lists, once, whatever they take: <see cref="Subscription"/> rows say which
/// newsletters. Found by <see cref="CanonicalEmail"/>, so "Ann.Lee+news@gmail.com" and "annlee@gmail.com" are one
/// subscriber. Erasing a subscriber deletes this row and its subscriptions and consent records; a
/// <see cref="Suppression"/> (a hash, no address) stays, so a later import cannot mail them again.
/// </summary>
public sealed class Subscriber
{
    public int Id { get; set; }

    /// <summary>The address as the person gave it; mail goes here.</summary>
    public required string Email { get; set; }

    /// <summary><see cref="EmailAddresses.Canonical"/> of <see cref="Email"/>; unique.</summary>
    public required string CanonicalEmail { get; set; }

    /// <summary>
    /// <see cref="EmailAddresses.Hash"/> of the address: what a <see cref="Suppression"/> keeps, so a send can leave out
    /// suppressed subscribers in one set-based statement on either database.
    /// </summary>
    public required string AddressHash { get; set; }

    public string? Name { get; set; }

    /// <summary>
    /// A random value that goes into every link made for this subscriber (unsubscribe, preferences, confirm), which are
    /// HMACs of the subscriber's id and this value under the site's link key. Nothing of a link is stored; replacing
    /// this value revokes every link mailed so far.
    /// </summary>
    public required string LinkSecret { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>The last confirmation request mailed (subscribe form, admin "send confirmation requests").</summary>
    public DateTime? ConfirmationSentAt { get; set; }

    public List<Subscription> Subscriptions { get; set; } = [];
}

/// <summary>Where one subscriber is with one newsletter.</summary>
public enum SubscriptionStatus
{
    /// <summary>Asked for (form, API) or imported without consent: nothing is sent until the owner confirms.</summary>
    Pending = 0,

    /// <summary>Confirmed by the owner (double opt-in), or imported with consent already given; issues are sent.</summary>
    Confirmed = 1,

    /// <summary>Left (one-click unsubscribe, preferences page, admin). Stays, so a re-import does not subscribe them again.</summary>
    Unsubscribed = 2,
}

public sealed class Subscription
{
    public int SubscriberId { get; set; }
    public Subscriber? Subscriber { get; set; }
    public int NewsletterId { get; set; }
    public Newsletters.Newsletter? Newsletter { get; set; }
    public SubscriptionStatus Status { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ConfirmedAt { get; set; }
    public DateTime? UnsubscribedAt { get; set; }
}

/// <summary>What a consent record records.</summary>
public enum ConsentAction
{
    /// <summary>Asked to subscribe (a form, the API): pending until confirmed.</summary>
    Requested = 0,

    /// <summary>Confirmed the subscription from the emailed link.</summary>
    Confirmed = 1,

    /// <summary>Imported with consent given elsewhere, as the importer declared (<c>--confirmed</c>, the admin's checkbox).</summary>
    ImportedConfirmed = 2,

    /// <summary>Imported without consent: pending until confirmed.</summary>
    ImportedPending = 3,

    /// <summary>Left one newsletter, or all of them.</summary>
    Unsubscribed = 4,

    /// <summary>Changed their name or newsletters on the preferences page.</summary>
    PreferencesChanged = 5,
}

/// <summary>Where a consent record came from.</summary>
public enum ConsentSource
{
    SiteForm = 0,
    EmbeddedForm = 1,
    Import = 2,
    Api = 3,
    Admin = 4,
    /// <summary>A link or header in a mail: confirmation, one-click unsubscribe, preferences.</summary>
    Email = 5,
    /// <summary>The "send me the newsletter" box on a statement's sign form.</summary>
    Statement = 6,
}

/// <summary>
/// One event of a subscriber's consent, kept as evidence (GDPR art. 7(1): the controller must be able to show consent):
/// when, what, through which door, and from which client address. Never changed; deleted only with the subscriber.
/// </summary>
public sealed class ConsentRecord
{
    public long Id { get; set; }
    public int SubscriberId { get; set; }

    /// <summary>The newsletter concerned; null for "all" (left everything, changed name).</summary>
    public int? NewsletterId { get; set; }

    public ConsentAction Action { get; set; }
    public ConsentSource Source { get; set; }

    /// <summary>Which form, file or key: "home page form", "supporters-2019.csv: from our paper list", "api:ci-script".</summary>
    public string? Detail { get; set; }

    /// <summary>The client address the request came from (after trusted proxies), when there was a request.</summary>
    public string? IpAddress { get; set; }

    public DateTime At { get; set; }
}

public enum SuppressionReason
{
    /// <summary>The person left.</summary>
    Unsubscribed = 0,

    /// <summary>A receiving server said the address does not exist (5xx to RCPT TO).</summary>
    HardBounce = 1,

    /// <summary>The person marked mail as spam (a feedback loop report).</summary>
    Complaint = 2,

    /// <summary>An admin suppressed it.</summary>
    Manual = 3,
}

/// <summary>
/// An address that must not be mailed (one newsletter's, or every newsletter's), kept as a SHA-256 of its canonical
/// form so it outlives the subscriber's erasure and says nothing readable. Every send and every import checks it.
/// A new double opt-in confirmed by the address's owner lifts it.
/// </summary>
public sealed class Suppression
{
    public long Id { get; set; }

    /// <summary><see cref="EmailAddresses.Hash"/> of the canonical address (lower-case hex).</summary>
    public required string AddressHash { get; set; }

    /// <summary>The newsletter it applies to; <see cref="EveryNewsletter"/> (0) for all mail but account mail.</summary>
    public int NewsletterId { get; set; }

    public const int EveryNewsletter = 0;

    public SuppressionReason Reason { get; set; }

    /// <summary>What caused it, in words ("550 5.1.1 user unknown", "admin: asked by phone").</summary>
    public string? Detail { get; set; }

    public DateTime At { get; set; }
}

internal sealed class SubscriberConfiguration : IEntityTypeConfiguration<Subscriber>
{
    public void Configure(EntityTypeBuilder<Subscriber> subscriber)
    {
        subscriber.Property(s => s.Email).HasMaxLength(320);
        subscriber.Property(s => s.CanonicalEmail).HasMaxLength(320);
        subscriber.HasIndex(s => s.CanonicalEmail).IsUnique();
        subscriber.Property(s => s.AddressHash).HasMaxLength(64);
        subscriber.HasIndex(s => s.AddressHash);
        subscriber.Property(s => s.Name).HasMaxLength(300);
        subscriber.Property(s => s.LinkSecret).HasMaxLength(100);
        subscriber.HasIndex(s => s.CreatedAt);
        subscriber.HasMany(s => s.Subscriptions).WithOne(s => s.Subscriber).HasForeignKey(s => s.SubscriberId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SubscriptionConfiguration : IEntityTypeConfiguration<Subscription>
{
    public void Configure(EntityTypeBuilder<Subscription> subscription)
    {
        subscription.HasKey(s => new { s.SubscriberId, s.NewsletterId });
        subscription.HasOne(s => s.Newsletter).WithMany().HasForeignKey(s => s.NewsletterId).OnDelete(DeleteBehavior.Cascade);
        // A send's recipients: a newsletter's confirmed subscriptions.
        subscription.HasIndex(s => new { s.NewsletterId, s.Status });
    }
}

internal sealed class ConsentRecordConfiguration : IEntityTypeConfiguration<ConsentRecord>
{
    public void Configure(EntityTypeBuilder<ConsentRecord> consent)
    {
        consent.HasOne<Subscriber>().WithMany().HasForeignKey(c => c.SubscriberId).OnDelete(DeleteBehavior.Cascade);
        consent.HasIndex(c => new { c.SubscriberId, c.At });
        consent.Property(c => c.Detail).HasMaxLength(500);
        consent.Property(c => c.IpAddress).HasMaxLength(64);
    }
}

internal sealed class SuppressionConfiguration : IEntityTypeConfiguration<Suppression>
{
    public void Configure(EntityTypeBuilder<Suppression> suppression)
    {
        suppression.Property(s => s.AddressHash).HasMaxLength(64);
        suppression.HasIndex(s => new { s.AddressHash, s.NewsletterId }).IsUnique();
        suppression.Property(s => s.Detail).HasMaxLength(1000);
    }
}
