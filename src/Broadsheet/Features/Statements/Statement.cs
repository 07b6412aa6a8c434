using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Features.Statements;

/// <summary>
/// The sign-on fields a statement can ask for, beside the two it always asks (name and email). A flags value,
/// stored as one integer, for both "asked" and "required".
/// </summary>
[Flags]
public enum SignatureFields
{
    None = 0,
    Organisation = 1,
    Role = 2,
    Town = 4,
    Country = 8,
}

/// <summary>
/// A statement that supporters sign ("We call on the governments responsible …"). Its words live in its
/// <see cref="Post"/> (a post or a page, written through <see cref="PostWriter"/> like every post), so a statement is
/// pinned, searched, fed and archived as posts are, and an imported page becomes a statement without being retyped:
/// its URL stays the post's. This row adds what makes it signable.
/// </summary>
public sealed class Statement
{
    public int Id { get; set; }

    /// <summary>The post or page holding the title, slug and body; one statement per post.</summary>
    public int PostId { get; set; }
    public Post? Post { get; set; }

    /// <summary>"Adopted by the Coalition's steering committee"; shown with <see cref="AdoptedOn"/> under the title.</summary>
    public string? AdoptedBy { get; set; }
    public DateOnly? AdoptedOn { get; set; }

    /// <summary>Whether the sign form takes signatures. A closed statement keeps its list on show.</summary>
    public bool OpenForSigning { get; set; } = true;

    /// <summary>The number of signatures aimed for, shown beside the count; null for none.</summary>
    public int? Goal { get; set; }

    /// <summary>When signing closes by itself (UTC); null for never.</summary>
    public DateTime? ClosesAt { get; set; }

    /// <summary>The optional fields the form shows; name and email are always asked.</summary>
    public SignatureFields FieldsAsked { get; set; } = SignatureFields.Organisation | SignatureFields.Town | SignatureFields.Country;

    /// <summary>Of <see cref="FieldsAsked"/>, those a signer must fill in.</summary>
    public SignatureFields FieldsRequired { get; set; }

    /// <summary>Verified names wait for a moderator's approval before they count or appear (by default they appear at once).</summary>
    public bool RequiresApproval { get; set; }

    /// <summary>The newsletter the form's "send me the newsletter" box names; null offers none.</summary>
    public int? NewsletterId { get; set; }
    public Newsletter? Newsletter { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Bumped on every admin edit (optimistic concurrency, as posts do).</summary>
    public int Version { get; set; }
}

/// <summary>Where a signature is in its life. Only <see cref="Verified"/> and <see cref="Imported"/> count and appear (and then only when <see cref="Signature.Moderation"/> allows).</summary>
public enum SignatureStatus
{
    /// <summary>Signed on the form; waiting for its owner to confirm from the emailed link. Deleted after the retention period if never confirmed.</summary>
    Pending = 0,

    /// <summary>Confirmed by its owner from the emailed link.</summary>
    Verified = 1,

    /// <summary>From the campaign's own list of names gathered by hand (CSV import): counts without a verification mail.</summary>
    Imported = 2,

    /// <summary>
    /// Taken as suspected fraud (a block list, a sustained pattern): stored and mailed like any other so that nothing
    /// tells an attacker it was caught, but its link does nothing and it never counts.
    /// </summary>
    Suspect = 3,

    /// <summary>Struck out by an admin's bulk invalidation (a domain, an address range); kept for the record, never counted.</summary>
    Invalidated = 4,
}

/// <summary>What moderators decided about a signature that could count.</summary>
public enum SignatureModeration
{
    /// <summary>Counts and, when its signer agreed, appears on the public list.</summary>
    Shown = 0,

    /// <summary>Its statement requires approval and no moderator has approved it yet: neither counts nor appears.</summary>
    AwaitingApproval = 1,

    /// <summary>A moderator hid the name from the public list; it still counts.</summary>
    Hidden = 2,

    /// <summary>A moderator removed it: neither counts nor appears.</summary>
    Removed = 3,
}

/// <summary>Which door a signature came in by.</summary>
public enum SignatureSource
{
    SiteForm = 0,
    EmbeddedForm = 1,
    Import = 2,
    Api = 3,
    Admin = 4,
}

/// <summary>
/// One person's name on one statement. A name on a political statement reveals a political opinion (GDPR art. 9),
/// so the row keeps what the signer agreed to (<see cref="ConsentWordingHash"/>), never shows <see cref="Email"/>,
/// and is erased with its person (<c>broadsheet supporters erase</c>).
/// </summary>
public sealed class Signature
{
    public long Id { get; set; }
    public int StatementId { get; set; }
    public Statement? Statement { get; set; }

    public required string Name { get; set; }
    public string? Organisation { get; set; }
    public string? Role { get; set; }
    public string? Town { get; set; }
    public string? Country { get; set; }

    /// <summary>The address as given; null only for imported names that came without one. Never shown publicly.</summary>
    public string? Email { get; set; }

    /// <summary><see cref="Subscribers.EmailAddresses.Canonical"/> of <see cref="Email"/>: one signature per canonical address per statement.</summary>
    public string? CanonicalEmail { get; set; }

    /// <summary><see cref="Subscribers.EmailAddresses.Hash"/> of the address, for suppression and erasure by hash.</summary>
    public string? AddressHash { get; set; }

    /// <summary>"Show my name publicly": without it the signature counts but the name is not listed.</summary>
    public bool ShowPublicly { get; set; }

    /// <summary>Ticked "send me the newsletter" (<see cref="Statement.NewsletterId"/>); confirming the signature confirms that subscription too.</summary>
    public bool NewsletterOptIn { get; set; }

    public SignatureStatus Status { get; set; }
    public SignatureModeration Moderation { get; set; }
    public SignatureSource Source { get; set; }

    /// <summary>For imports: the file and the campaign's note ("supporters-2019.csv: from our paper list").</summary>
    public string? SourceDetail { get; set; }

    /// <summary>
    /// SHA-256 (hex) of the consent wording the signer saw and agreed to (the privacy notice and the checkbox labels
    /// as shown); its text is kept once in <see cref="ConsentWording"/>.
    /// </summary>
    public string? ConsentWordingHash { get; set; }

    /// <summary>The client address (after trusted proxies) the form was posted from; for abuse review and bulk invalidation.</summary>
    public string? IpAddress { get; set; }

    /// <summary>A random value in this signature's verify and withdraw links (HMACs over it); replacing it revokes them.</summary>
    public required string LinkSecret { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? VerifiedAt { get; set; }

    /// <summary>The last verification mail queued for it (the form, "resend the email").</summary>
    public DateTime? VerificationSentAt { get; set; }

    /// <summary>The last moderator's correction or decision.</summary>
    public DateTime? ModeratedAt { get; set; }
}

/// <summary>A consent text signers agreed to, kept once however many signed it (<see cref="Signature.ConsentWordingHash"/>).</summary>
public sealed class ConsentWording
{
    /// <summary>SHA-256 of <see cref="Text"/>, lower-case hex.</summary>
    public required string Hash { get; set; }
    public required string Text { get; set; }
    public DateTime FirstUsedAt { get; set; }
}

public enum SigningRuleKind
{
    /// <summary>An address range in CIDR form ("203.0.113.0/24", "2001:db8::/32") or one address.</summary>
    AddressRange = 0,

    /// <summary>An email domain ("example.net"); matches that domain only, not its subdomains.</summary>
    EmailDomain = 1,
}

/// <summary>
/// An allow or block list entry for signing, on one statement or on all (<see cref="StatementId"/> null). A blocked
/// signer is taken silently as <see cref="SignatureStatus.Suspect"/>; an allowed range skips the per-address limits
/// (a school or an office that signs together).
/// </summary>
public sealed class SigningRule
{
    public int Id { get; set; }
    public int? StatementId { get; set; }
    public SigningRuleKind Kind { get; set; }

    /// <summary>True allows, false blocks.</summary>
    public bool Allow { get; set; }

    public required string Value { get; set; }
    public string? Note { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// One CSV export of personal data (signatures, subscribers): who, when, what and how many rows. Kept as the
/// record the GDPR's accountability principle asks for; never changed.
/// </summary>
public sealed class DataExportRecord
{
    public long Id { get; set; }

    /// <summary>"signatures", "subscribers", "supporter".</summary>
    public required string What { get; set; }

    /// <summary>Which statement or newsletter, or the address hash of one person's export; null for all.</summary>
    public string? Scope { get; set; }

    /// <summary>The account's user name, "cli", or "api:KEY".</summary>
    public required string By { get; set; }

    public int Rows { get; set; }
    public DateTime At { get; set; }
}

internal sealed class StatementConfiguration : IEntityTypeConfiguration<Statement>
{
    public void Configure(EntityTypeBuilder<Statement> statement)
    {
        statement.HasIndex(s => s.PostId).IsUnique();
        statement.HasOne(s => s.Post).WithMany().HasForeignKey(s => s.PostId).OnDelete(DeleteBehavior.Restrict);
        statement.HasOne(s => s.Newsletter).WithMany().HasForeignKey(s => s.NewsletterId).OnDelete(DeleteBehavior.SetNull);
        statement.Property(s => s.AdoptedBy).HasMaxLength(500);
    }
}

internal sealed class SignatureConfiguration : IEntityTypeConfiguration<Signature>
{
    public void Configure(EntityTypeBuilder<Signature> signature)
    {
        signature.HasOne(s => s.Statement).WithMany().HasForeignKey(s => s.StatementId).OnDelete(DeleteBehavior.Cascade);
        signature.Property(s => s.Name).HasMaxLength(200);
        signature.Property(s => s.Organisation).HasMaxLength(200);
        signature.Property(s => s.Role).HasMaxLength(200);
        signature.Property(s => s.Town).HasMaxLength(200);
        signature.Property(s => s.Country).HasMaxLength(100);
        signature.Property(s => s.Email).HasMaxLength(320);
        signature.Property(s => s.CanonicalEmail).HasMaxLength(320);
        signature.Property(s => s.AddressHash).HasMaxLength(64);
        signature.Property(s => s.SourceDetail).HasMaxLength(500);
        signature.Property(s => s.ConsentWordingHash).HasMaxLength(64);
        signature.Property(s => s.IpAddress).HasMaxLength(64);
        signature.Property(s => s.LinkSecret).HasMaxLength(100);
        // One signature per person per statement; NULLs (imported names without an address) are distinct on both databases.
        signature.HasIndex(s => new { s.StatementId, s.CanonicalEmail }).IsUnique();
        // The count and the public list: a statement's signatures by status and moderation, newest first.
        signature.HasIndex(s => new { s.StatementId, s.Status, s.Moderation, s.CreatedAt });
        signature.HasIndex(s => new { s.StatementId, s.Name });
        // Erasure and suppression by person, across statements.
        signature.HasIndex(s => s.AddressHash);
        // Retention: pending signatures past their days.
        signature.HasIndex(s => new { s.Status, s.CreatedAt });
    }
}

internal sealed class ConsentWordingConfiguration : IEntityTypeConfiguration<ConsentWording>
{
    public void Configure(EntityTypeBuilder<ConsentWording> wording)
    {
        wording.HasKey(w => w.Hash);
        wording.Property(w => w.Hash).HasMaxLength(64);
        wording.Property(w => w.Text).HasMaxLength(8000);
    }
}

internal sealed class SigningRuleConfiguration : IEntityTypeConfiguration<SigningRule>
{
    public void Configure(EntityTypeBuilder<SigningRule> rule)
    {
        rule.HasOne<Statement>().WithMany().HasForeignKey(r => r.StatementId).OnDelete(DeleteBehavior.Cascade);
        rule.Property(r => r.Value).HasMaxLength(320);
        rule.Property(r => r.Note).HasMaxLength(500);
        rule.HasIndex(r => new { r.StatementId, r.Kind, r.Value }).IsUnique();
    }
}

internal sealed class DataExportRecordConfiguration : IEntityTypeConfiguration<DataExportRecord>
{
    public void Configure(EntityTypeBuilder<DataExportRecord> record)
    {
        record.Property(r => r.What).HasMaxLength(50);
        record.Property(r => r.Scope).HasMaxLength(200);
        record.Property(r => r.By).HasMaxLength(300);
        record.HasIndex(r => r.At);
    }
}
