using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Email;

/// <summary>Which mail goes first when the engine has several waiting (see README.md): lower first.</summary>
public enum MailClass
{
    /// <summary>Invitations and password resets.</summary>
    Account = 0,

    /// <summary>Subscribe confirmations, statement verifications, "you are already subscribed".</summary>
    Confirmation = 1,

    /// <summary>A newsletter issue to one subscriber.</summary>
    Newsletter = 2,
}

/// <summary>Where one message to one recipient is (see README.md beside this file for the whole lifecycle).</summary>
public enum DeliveryStatus
{
    /// <summary>Written, not yet handed to an SMTP connection.</summary>
    Queued = 0,

    /// <summary>
    /// Handed to an SMTP connection and not yet answered. After a crash a row left here is uncertain: the server may
    /// have accepted it. It is sent again (at least once) and counted in <see cref="Delivery.Uncertain"/>.
    /// </summary>
    InFlight = 1,

    /// <summary>The SMTP server accepted it (250 after DATA).</summary>
    Sent = 2,

    /// <summary>A 4xx answer: tried again from <see cref="Delivery.NextAttemptAt"/>, until the give-up time after <see cref="Delivery.FirstDeferredAt"/>.</summary>
    Deferred = 3,

    /// <summary>A permanent failure (5xx to this recipient, or deferred too long). <see cref="Delivery.LastReply"/> says why.</summary>
    Failed = 4,

    /// <summary>Not sent because the send was cancelled.</summary>
    Cancelled = 5,

    /// <summary>Not sent because the address was suppressed or unsubscribed after the send began.</summary>
    Skipped = 6,
}

/// <summary>
/// One message to one recipient: a newsletter issue to one subscriber (unique on issue and subscriber, written when the
/// send is asked for), or one transactional mail (account mail, a confirmation), whose rendered message is kept in
/// <see cref="ProtectedMessage"/> until it is sent.
/// </summary>
public sealed class Delivery
{
    public long Id { get; set; }
    public MailClass Class { get; set; }

    /// <summary>For a newsletter delivery: the issue and the subscriber. Null for transactional mail.</summary>
    public int? IssueId { get; set; }
    public int? SubscriberId { get; set; }

    /// <summary>The address it goes to, as it was when the delivery was written.</summary>
    public required string ToAddress { get; set; }
    public string? ToName { get; set; }

    public DeliveryStatus Status { get; set; }

    /// <summary>Times it was handed to an SMTP server.</summary>
    public int Attempts { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>For <see cref="DeliveryStatus.Deferred"/>: not before this time.</summary>
    public DateTime? NextAttemptAt { get; set; }

    /// <summary>The first 4xx answer; a delivery deferred for longer than <c>Email:Delivery:GiveUpAfter</c> (72 h) fails.</summary>
    public DateTime? FirstDeferredAt { get; set; }

    public DateTime? SentAt { get; set; }

    /// <summary>The SMTP server's last answer to it ("550 5.1.1 No such user"), or the connection error.</summary>
    public string? LastReply { get; set; }

    /// <summary>The Message-ID it was sent with (unique per recipient), to match bounces and complaints later.</summary>
    public string? MessageId { get; set; }

    /// <summary>It was in flight when a node died, so it may have reached the recipient twice; counted in the issue's report.</summary>
    public bool Uncertain { get; set; }

    /// <summary>
    /// Transactional mail only: the rendered message (it holds one-use links with tokens), encrypted with the site's data
    /// protection keys, and cleared once it is sent or failed. Newsletter deliveries are rendered when sent.
    /// </summary>
    public string? ProtectedMessage { get; set; }
}

internal sealed class DeliveryConfiguration : IEntityTypeConfiguration<Delivery>
{
    public void Configure(EntityTypeBuilder<Delivery> delivery)
    {
        delivery.Property(d => d.ToAddress).HasMaxLength(320);
        delivery.Property(d => d.ToName).HasMaxLength(300);
        delivery.Property(d => d.LastReply).HasMaxLength(1000);
        delivery.Property(d => d.MessageId).HasMaxLength(300);
        // Each subscriber gets an issue once: the send writes every recipient's row under this rule.
        delivery.HasIndex(d => new { d.IssueId, d.SubscriberId }).IsUnique();
        // Batches pick an issue's due rows; the progress view counts them by status.
        delivery.HasIndex(d => new { d.IssueId, d.Status, d.Id });
        delivery.HasIndex(d => new { d.Status, d.NextAttemptAt });
    }
}

/// <summary>
/// A DKIM signing key for one domain and selector (<c>broadsheet dkim generate DOMAIN SELECTOR</c>). Mail whose From:
/// domain has an active key is signed with it. The private key stays in the database, like the site's other keys.
/// </summary>
public sealed class DkimKey
{
    public int Id { get; set; }
    public required string Domain { get; set; }
    public required string Selector { get; set; }

    /// <summary>The RSA private key, PKCS#8 PEM.</summary>
    public required string PrivateKeyPem { get; set; }

    public bool Active { get; set; } = true;
    public DateTime CreatedAt { get; set; }
}

internal sealed class DkimKeyConfiguration : IEntityTypeConfiguration<DkimKey>
{
    public void Configure(EntityTypeBuilder<DkimKey> key)
    {
        key.Property(k => k.Domain).HasMaxLength(253);
        key.Property(k => k.Selector).HasMaxLength(63);
        key.Property(k => k.PrivateKeyPem).HasMaxLength(8000);
        key.HasIndex(k => new { k.Domain, k.Selector }).IsUnique();
    }
}

/// <summary>
/// The site's key for the links in subscriber mail (unsubscribe, preferences, confirm): one row, made at first use.
/// Its own key, not the data protection key ring's, because those links must work for years and data protection keys
/// expire after 90 days. Carried in the JSON backup, so a restored site's old links still work.
/// </summary>
public sealed class MailLinkKey
{
    public const int SingletonId = 1;
    public int Id { get; set; } = SingletonId;

    /// <summary>32 random bytes, base64.</summary>
    public required string Key { get; set; }

    public DateTime CreatedAt { get; set; }
}

internal sealed class MailLinkKeyConfiguration : IEntityTypeConfiguration<MailLinkKey>
{
    public void Configure(EntityTypeBuilder<MailLinkKey> key)
    {
        key.Property(k => k.Id).ValueGeneratedNever();
        key.Property(k => k.Key).HasMaxLength(100);
    }
}
