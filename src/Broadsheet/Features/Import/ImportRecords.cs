using Broadsheet.Features.Posts;

namespace Broadsheet.Features.Import;

/// <summary>
/// What a reader (Blogger, WordPress) hands the <see cref="Importer"/>: the source's records in
/// Broadsheet's words, one at a time, as the file is streamed. Readers only read; every rule about
/// writing (slugs, sanitising, redirects, idempotency) lives in the importer.
/// </summary>
internal abstract record ImportRecord;

/// <summary>The blog's own title, description and time zone (an IANA id), where the file has them.</summary>
internal sealed record ImportedSite(string? Title, string? Description, string? TimeZone = null) : ImportRecord;

/// <summary>A person who wrote posts, keyed by the source's login or profile.</summary>
internal sealed record ImportedAuthor(string SourceKey, string DisplayName, string? Email, string? WebsiteUrl);

internal sealed record ImportedPost(
    string SourceKey,
    PostKind Kind,
    PostStatus Status,
    string Title,
    string? WantedSlug,
    string BodyHtml,
    DateTime? PublishedAt,
    string? Excerpt,
    bool Pinned,
    IReadOnlyList<string> Tags,
    IReadOnlyList<ImportedAuthor> Authors,
    string? SourceUrl,
    IReadOnlyList<string> OldPaths) : ImportRecord
{
    /// <summary>Old query-string addresses (WordPress's <c>/?p=123</c>) that answer with this post.</summary>
    public IReadOnlyList<string> OldIdPaths { get; init; } = [];

    /// <summary>
    /// Tidies the source's markup into what is stored as <see cref="Post.Body"/> (Blogger's divs and
    /// breaks, WordPress's bare lines into paragraphs); the importer runs it off the reading thread,
    /// in parallel with other posts, just before sanitising.
    /// </summary>
    public Func<string, string>? Tidy { get; init; }

    /// <summary>The source showed it only to readers with a password; the reader has made it a draft.</summary>
    public bool PasswordProtected { get; init; }

    /// <summary>Comments read together with the post (WordPress nests them in the item).</summary>
    public IReadOnlyList<ImportedComment> Comments { get; init; } = [];
}

/// <summary>A comment; <see cref="PostSourceKey"/> names the post it belongs to.</summary>
internal sealed record ImportedComment(
    string SourceKey,
    string PostSourceKey,
    string? ParentSourceKey,
    string AuthorName,
    string? AuthorUrl,
    string? AuthorEmail,
    string BodyHtml,
    DateTime PublishedAt) : ImportRecord;

/// <summary>An old address with no post of its own (a label page, a feed) and where it now lives.</summary>
internal sealed record ImportedRedirect(string FromPath, string ToPath) : ImportRecord;

/// <summary>Something in the file that is deliberately not imported, and why.</summary>
internal sealed record ImportSkipped(string What, string Why) : ImportRecord;

/// <summary>Something the owner should know about an item that was imported (e.g. a duplicate id).</summary>
internal sealed record ImportNote(string Text) : ImportRecord;
