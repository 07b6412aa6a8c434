using System.Text.Json;
using System.Text.Json.Serialization;
using Broadsheet.Features.Posts;

namespace Broadsheet.Features.Export;

/// <summary>
/// The JSON backup file, version <see cref="CurrentVersion"/>. It holds no database ids: records
/// refer to each other by their natural keys (a post by kind and slug, a tag or author by slug, a
/// user by its id string, a comment's parent by the comment's position in the file), and every
/// list is in a fixed order. So backup → restore → backup gives the same bytes, and a backup
/// restores into any database, SQLite or PostgreSQL.
/// <para>
/// Compatibility: each kind of content is a named top-level section. A later Broadsheet adds
/// sections (statements, signatures, subscribers, newsletters…) and optional fields without
/// changing the version; a file without a section restores that section as empty. The version goes
/// up only for a change old readers would misread, and a reader refuses versions newer than its own.
/// </para>
/// <para>
/// The one exception to "no ids": newsletters, subscribers and signatures keep theirs, because the links already
/// mailed (unsubscribe, preferences, a signature's verify and withdraw links) carry them under the site's
/// <see cref="MailLinkKey"/>; a restore puts them back as they were, so those links keep working. The backup holds
/// personal data (subscribers' and signers' addresses, consent records) and the DKIM private keys: keep it as safe as
/// the database.
/// </para>
/// </summary>
public sealed class BackupFile
{
    public const string FormatName = "broadsheet-backup";
    public const int CurrentVersion = 1;

    public string Format { get; set; } = FormatName;
    public int Version { get; set; } = CurrentVersion;
    public BackupSettings Settings { get; set; } = new();
    public List<BackupUser> Users { get; set; } = [];
    public List<BackupAuthor> Authors { get; set; } = [];
    public List<BackupTag> Tags { get; set; } = [];
    public List<BackupPost> Posts { get; set; } = [];
    public List<BackupRevision> Revisions { get; set; } = [];
    public List<BackupComment> Comments { get; set; } = [];
    public List<BackupRedirect> Redirects { get; set; } = [];
    public List<BackupMedia> Media { get; set; } = [];
    public List<BackupNewsletter> Newsletters { get; set; } = [];
    public List<BackupIssue> Issues { get; set; } = [];
    public List<BackupSubscriber> Subscribers { get; set; } = [];
    public List<BackupSuppression> Suppressions { get; set; } = [];
    public List<BackupDkimKey> DkimKeys { get; set; } = [];
    public List<BackupStatement> Statements { get; set; } = [];

    /// <summary>The consent texts signers agreed to, each once; signatures name theirs by hash.</summary>
    public List<BackupConsentWording> ConsentWordings { get; set; } = [];

    /// <summary>Signing rules for every statement (a statement's own are in its section).</summary>
    public List<BackupSigningRule> SigningRules { get; set; } = [];

    /// <summary>The record of personal-data exports (who, when, how many), kept as the accountability record it is.</summary>
    public List<BackupDataExport> DataExports { get; set; } = [];

    /// <summary>The key of the links in subscriber mail (base64), so a restored site's old unsubscribe links still work.</summary>
    public string? MailLinkKey { get; set; }

    /// <summary>Sections written by a newer Broadsheet that this one does not know; restoring refuses to drop them silently.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        AllowTrailingCommas = false,
    };
}

public sealed class BackupSettings
{
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public string Culture { get; set; } = "";
    public string TimeZone { get; set; } = "";
    public string BaseUrl { get; set; } = "";
    public int PostsPerPage { get; set; }
    public string Navigation { get; set; } = "";
    public string? LogoUrl { get; set; }
    public DateTime? InitialisedAt { get; set; }
}

public sealed class BackupUser
{
    public required string Id { get; set; }
    public string? UserName { get; set; }
    public string? Email { get; set; }
    public bool EmailConfirmed { get; set; }
    public string DisplayName { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public List<string> Roles { get; set; } = [];
    /// <summary>Only with <c>--include-password-hashes</c>; without it, restored users set a new password.</summary>
    public string? PasswordHash { get; set; }
}

public sealed class BackupAuthor
{
    public required string Slug { get; set; }
    public required string DisplayName { get; set; }
    public string? Bio { get; set; }
    public string? Email { get; set; }
    public string? WebsiteUrl { get; set; }
    public string? UserId { get; set; }
    public string? SourceKey { get; set; }
}

public sealed class BackupTag
{
    public required string Slug { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
}

public sealed class BackupPost
{
    public PostKind Kind { get; set; }
    public required string Slug { get; set; }
    public PostStatus Status { get; set; }
    public required string Title { get; set; }
    public BodyFormat BodyFormat { get; set; }
    public string Body { get; set; } = "";
    public string? Excerpt { get; set; }
    public bool Pinned { get; set; }
    public DateTime? PublishedAt { get; set; }
    public int? ArchiveMonth { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public int Version { get; set; }
    public string? SourceKey { get; set; }
    public string? SourceUrl { get; set; }
    /// <summary>Author slugs, in byline order.</summary>
    public List<string> Authors { get; set; } = [];
    /// <summary>Tag slugs, sorted.</summary>
    public List<string> Tags { get; set; } = [];
}

/// <summary>A post is named by its kind and slug wherever another record points at it.</summary>
public sealed record BackupPostRef(PostKind Kind, string Slug);

public sealed class BackupRevision
{
    public required BackupPostRef Post { get; set; }
    public required string Title { get; set; }
    public BodyFormat BodyFormat { get; set; }
    public string Body { get; set; } = "";
    public string? Excerpt { get; set; }
    public DateTime CreatedAt { get; set; }
    public string? CreatedByUserId { get; set; }
    public bool IsAutosave { get; set; }
}

public sealed class BackupComment
{
    public required BackupPostRef Post { get; set; }
    /// <summary>The position (from 0) in this file's comment list of the comment this replies to.</summary>
    public int? Parent { get; set; }
    public CommentStatus Status { get; set; }
    public required string AuthorName { get; set; }
    public string? AuthorUrl { get; set; }
    public string? AuthorEmail { get; set; }
    public string BodyHtml { get; set; } = "";
    public DateTime PublishedAt { get; set; }
    public string? SourceKey { get; set; }
}

public sealed class BackupRedirect
{
    public required string FromPath { get; set; }
    public required string ToPath { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A reference to an uploaded file; the bytes themselves are in the data folder, copied separately.</summary>
public sealed class BackupMedia
{
    public required string StoredName { get; set; }
    public required string OriginalName { get; set; }
    public required string ContentType { get; set; }
    public long Size { get; set; }
    public string Sha256 { get; set; } = "";
    public int? Width { get; set; }
    public int? Height { get; set; }
    public string? AltText { get; set; }
    public DateTime CreatedAt { get; set; }
    public string? UploadedByUserId { get; set; }
    public string? SourceUrl { get; set; }
}

public sealed class BackupNewsletter
{
    /// <summary>Kept: unsubscribe links carry it.</summary>
    public int Id { get; set; }
    public required string Slug { get; set; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    public required string FromName { get; set; }
    public required string FromAddress { get; set; }
    public string? ReplyTo { get; set; }
    public bool OpenForSubscription { get; set; }
    public string TitlePattern { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public int Version { get; set; }
}

/// <summary>An issue: its words are its post's (named by kind and slug), its mail state is here. Deliveries are not kept.</summary>
public sealed class BackupIssue
{
    public required string Newsletter { get; set; }
    public int Number { get; set; }
    public required BackupPostRef Post { get; set; }
    public required string Subject { get; set; }
    public Newsletters.IssueSendStatus SendStatus { get; set; }
    public DateTime? SendRequestedAt { get; set; }
    public DateTime? SendFinishedAt { get; set; }
    public string? PausedReason { get; set; }
    public string? SentBy { get; set; }
    public DateTime CreatedAt { get; set; }
}

public sealed class BackupSubscriber
{
    /// <summary>Kept: every link mailed to them carries it.</summary>
    public int Id { get; set; }
    public required string Email { get; set; }
    public string? Name { get; set; }

    /// <summary>Part of their links' MAC; kept so the links still work.</summary>
    public required string LinkSecret { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? ConfirmationSentAt { get; set; }
    public List<BackupSubscription> Subscriptions { get; set; } = [];
    public List<BackupConsent> Consent { get; set; } = [];
}

public sealed class BackupSubscription
{
    /// <summary>The newsletter's slug.</summary>
    public required string Newsletter { get; set; }
    public Subscribers.SubscriptionStatus Status { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ConfirmedAt { get; set; }
    public DateTime? UnsubscribedAt { get; set; }
}

public sealed class BackupConsent
{
    /// <summary>The newsletter's slug; null for all of them.</summary>
    public string? Newsletter { get; set; }
    public Subscribers.ConsentAction Action { get; set; }
    public Subscribers.ConsentSource Source { get; set; }
    public string? Detail { get; set; }
    public string? IpAddress { get; set; }
    public DateTime At { get; set; }
}

public sealed class BackupSuppression
{
    public required string AddressHash { get; set; }

    /// <summary>The newsletter's slug; null for every newsletter.</summary>
    public string? Newsletter { get; set; }
    public Subscribers.SuppressionReason Reason { get; set; }
    public string? Detail { get; set; }
    public DateTime At { get; set; }
}

public sealed class BackupDkimKey
{
    public required string Domain { get; set; }
    public required string Selector { get; set; }
    public required string PrivateKeyPem { get; set; }
    public bool Active { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A statement: its words are its post's (named by kind and slug); its signing settings and signatures are here.</summary>
public sealed class BackupStatement
{
    public required BackupPostRef Post { get; set; }
    public string? AdoptedBy { get; set; }
    public DateOnly? AdoptedOn { get; set; }
    public bool OpenForSigning { get; set; }
    public int? Goal { get; set; }
    public DateTime? ClosesAt { get; set; }
    public Statements.SignatureFields FieldsAsked { get; set; }
    public Statements.SignatureFields FieldsRequired { get; set; }
    public bool RequiresApproval { get; set; }

    /// <summary>The slug of the newsletter its form offers.</summary>
    public string? Newsletter { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public int Version { get; set; }
    public List<BackupSignature> Signatures { get; set; } = [];
    public List<BackupSigningRule> Rules { get; set; } = [];
}

public sealed class BackupSignature
{
    /// <summary>Kept: the verify and withdraw links mailed to the signer carry it.</summary>
    public long Id { get; set; }
    public required string Name { get; set; }
    public string? Organisation { get; set; }
    public string? Role { get; set; }
    public string? Town { get; set; }
    public string? Country { get; set; }

    /// <summary>The address as given; its canonical form and hash are made again on restore.</summary>
    public string? Email { get; set; }
    public bool ShowPublicly { get; set; }
    public bool NewsletterOptIn { get; set; }
    public Statements.SignatureStatus Status { get; set; }
    public Statements.SignatureModeration Moderation { get; set; }
    public Statements.SignatureSource Source { get; set; }
    public string? SourceDetail { get; set; }

    /// <summary>The hash of a <see cref="BackupConsentWording"/> in the same file.</summary>
    public string? ConsentWording { get; set; }
    public string? IpAddress { get; set; }

    /// <summary>Part of the signature's links' MAC; kept so the links still work.</summary>
    public required string LinkSecret { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? VerifiedAt { get; set; }
    public DateTime? VerificationSentAt { get; set; }
    public DateTime? ModeratedAt { get; set; }
}

public sealed class BackupConsentWording
{
    public required string Hash { get; set; }
    public required string Text { get; set; }
    public DateTime FirstUsedAt { get; set; }
}

public sealed class BackupSigningRule
{
    public Statements.SigningRuleKind Kind { get; set; }
    public bool Allow { get; set; }
    public required string Value { get; set; }
    public string? Note { get; set; }
    public DateTime CreatedAt { get; set; }
}

public sealed class BackupDataExport
{
    public required string What { get; set; }
    public string? Scope { get; set; }
    public required string By { get; set; }
    public int Rows { get; set; }
    public DateTime At { get; set; }
}
