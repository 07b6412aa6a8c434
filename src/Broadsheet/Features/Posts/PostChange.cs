using System.Security.Claims;
using Broadsheet.Features.Api;

namespace Broadsheet.Features.Posts;

/// <summary>
/// What a caller wants changed in a post or page, handed to <see cref="PostWriter.SaveAsync"/>. A field left
/// null keeps the post's value (a new post starts empty, as a draft). The writer validates, resolves and saves it.
/// </summary>
/// <param name="Kind">Post or page; an existing post of another kind is not found.</param>
public sealed record PostChange(PostKind Kind)
{
    /// <summary>The post to change; null creates one.</summary>
    public int? Id { get; init; }

    /// <summary>The <see cref="Post.Version"/> the caller last read; a newer one refuses the save as stale. Null skips the early check (the UPDATE still guards a race).</summary>
    public int? ExpectedVersion { get; init; }

    public string? Title { get; init; }

    /// <summary>The slug asked for; the writer gives the nearest free one and says so in <see cref="PostSaveResult.Notice"/>. A new post without one takes its title's.</summary>
    public string? Slug { get; init; }

    public string? Body { get; init; }
    public BodyFormat? Format { get; init; }

    /// <summary>An empty string clears the excerpt.</summary>
    public string? Excerpt { get; init; }

    public bool? Pinned { get; init; }

    /// <summary>Tag names, replacing the post's tags; tags not yet known are created.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Author display names, in byline order; authors not yet known are created. A post left with no byline gets its person's author.</summary>
    public IReadOnlyList<string>? Authors { get; init; }

    /// <summary>Draft, or published (the writer makes it scheduled when its date is still ahead), or scheduled (which needs a date ahead).</summary>
    public PostStatus? Status { get; init; }

    /// <summary>The publication date; <see cref="PublishDate.None"/> clears it (a draft with no intended date).</summary>
    public PublishDate? PublishedAt { get; init; }

    /// <summary>Publish at once: the status becomes published and a date still ahead is brought forward to now.</summary>
    public bool PublishNow { get; init; }
}

/// <summary>A publication date to set (UTC), or none.</summary>
public readonly record struct PublishDate(DateTime? Utc)
{
    public static PublishDate None => new(null);

    public static implicit operator PublishDate(DateTime utc) => new(utc);
}

/// <summary>
/// Who makes a change: a person signed in, or an integration through its API key. Revisions record <see cref="Id"/>;
/// only a person gets their own author as a new post's byline.
/// </summary>
public sealed record PostActor(string? Id, bool IsPerson)
{
    /// <summary>The site itself (the demo content, tests that arrange content): no one to name.</summary>
    public static PostActor Site { get; } = new(null, false);

    public static PostActor Of(ClaimsPrincipal user) =>
        new(user.FindFirstValue(ClaimTypes.NameIdentifier), user.FindFirstValue(ApiKeyAuthenticationHandler.ApiKeyIdClaim) is null);
}

/// <summary>How a save through <see cref="PostWriter"/> ended.</summary>
public enum PostSaveOutcome
{
    Saved,
    NotFound,

    /// <summary>Someone saved in between; nothing was written. <see cref="PostSaveResult.CurrentVersion"/> is theirs.</summary>
    Stale,

    /// <summary>The change was refused whole; <see cref="PostSaveResult.Errors"/> says why, field by field.</summary>
    Invalid,
}

/// <summary>The answer of <see cref="PostWriter.SaveAsync"/> and <see cref="PostWriter.DeleteAsync"/>.</summary>
public sealed record PostSaveResult(PostSaveOutcome Outcome)
{
    /// <summary>The saved post (tracked, with its tags and byline), when <see cref="Outcome"/> is Saved.</summary>
    public Post? Post { get; init; }

    /// <summary>What was done differently from what was asked (another slug than the one asked for).</summary>
    public string? Notice { get; init; }

    /// <summary>Field name (as in <see cref="PostChange"/>, camel-cased) to messages.</summary>
    public Dictionary<string, string[]> Errors { get; init; } = [];

    public int CurrentVersion { get; init; }

    public static PostSaveResult Invalid(string field, string message) => new(PostSaveOutcome.Invalid) { Errors = { [field] = [message] } };
}
