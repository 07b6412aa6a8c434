using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Statements;

/// <summary>The signing settings of a statement, as an editor sets them (a new statement, or a post made one).</summary>
public sealed record StatementSettings
{
    public string? AdoptedBy { get; init; }
    public DateOnly? AdoptedOn { get; init; }
    public bool OpenForSigning { get; init; } = true;
    public int? Goal { get; init; }
    public DateTime? ClosesAt { get; init; }
    public SignatureFields FieldsAsked { get; init; } = SignatureFields.Organisation | SignatureFields.Town | SignatureFields.Country;
    public SignatureFields FieldsRequired { get; init; }
    public bool RequiresApproval { get; init; }
    public int? NewsletterId { get; init; }
}

/// <summary>A new statement: its words (a new post or page through <see cref="PostWriter"/>) and its signing settings.</summary>
public sealed record NewStatement(string Title, string Body, StatementSettings Settings)
{
    /// <summary>A page (the usual home of a standing statement) or a dated post.</summary>
    public PostKind Kind { get; init; } = PostKind.Page;

    public string? Slug { get; init; }
    public BodyFormat Format { get; init; } = BodyFormat.Markdown;
    public bool Publish { get; init; } = true;
    public bool Pinned { get; init; }
}

public enum StatementCreateOutcome
{
    Created,

    /// <summary>The post to make a statement of does not exist.</summary>
    PostNotFound,

    /// <summary>That post is a statement already.</summary>
    AlreadyAStatement,

    /// <summary>The post or the settings were refused (<see cref="StatementCreateResult.Errors"/>, by field).</summary>
    Invalid,
}

public sealed record StatementCreateResult(StatementCreateOutcome Outcome, Statement? Statement = null, IReadOnlyDictionary<string, string[]>? Errors = null);

/// <summary>
/// The one way to make a statement (admin, API, CLI, restore of a page that "please contact us" ends): a new post and
/// its statement row in one transaction, or a statement row for a post that exists, whose address then stays as it was.
/// </summary>
public sealed class StatementWriter(BroadsheetDb db, PostWriter posts, TimeProvider clock)
{
    /// <summary>Limits shared by every door that edits a statement's settings.</summary>
    public static Dictionary<string, string[]> Validate(StatementSettings settings)
    {
        var errors = new Dictionary<string, string[]>();
        if (settings.Goal is < 1) errors["Goal"] = ["The goal must be at least one signature, or left empty."];
        if (settings.AdoptedBy is { Length: > 500 }) errors["AdoptedBy"] = ["\"Adopted by\" is at most 500 characters."];
        if ((settings.FieldsRequired & ~settings.FieldsAsked) != SignatureFields.None)
            errors["FieldsRequired"] = ["A field can be required only if the form asks for it."];
        return errors;
    }

    public async Task<StatementCreateResult> CreateAsync(NewStatement change, PostActor by, CancellationToken cancellationToken = default)
    {
        var errors = Validate(change.Settings);
        if (errors.Count > 0) return new(StatementCreateOutcome.Invalid, Errors: errors);
        if (await NewsletterMissingAsync(change.Settings, cancellationToken)) return NoSuchNewsletter();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var saved = await posts.SaveAsync(new PostChange(change.Kind)
        {
            Title = change.Title,
            Body = change.Body,
            Slug = change.Slug,
            Format = change.Format,
            Pinned = change.Pinned,
            PublishNow = change.Publish,
            Status = change.Publish ? PostStatus.Published : PostStatus.Draft,
        }, by, cancellationToken);
        if (saved.Outcome != PostSaveOutcome.Saved) return new(StatementCreateOutcome.Invalid, Errors: saved.Errors);
        var statement = Add(saved.Post!.Id, change.Settings);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(StatementCreateOutcome.Created, statement);
    }

    /// <summary>Makes an existing post or page a statement: its words, slug and address stay; the sign form appears on it.</summary>
    public async Task<StatementCreateResult> AttachAsync(int postId, StatementSettings settings, CancellationToken cancellationToken = default)
    {
        var errors = Validate(settings);
        if (errors.Count > 0) return new(StatementCreateOutcome.Invalid, Errors: errors);
        if (!await db.Posts.AnyAsync(p => p.Id == postId, cancellationToken)) return new(StatementCreateOutcome.PostNotFound);
        if (await db.Statements.AnyAsync(s => s.PostId == postId, cancellationToken)) return new(StatementCreateOutcome.AlreadyAStatement);
        if (await NewsletterMissingAsync(settings, cancellationToken)) return NoSuchNewsletter();
        var statement = Add(postId, settings);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another request made it a statement between the check and the insert (the unique index on PostId).
            return new(StatementCreateOutcome.AlreadyAStatement);
        }
        return new(StatementCreateOutcome.Created, statement);
    }

    private Statement Add(int postId, StatementSettings settings)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var statement = new Statement { PostId = postId, CreatedAt = now, UpdatedAt = now };
        Apply(statement, settings);
        db.Statements.Add(statement);
        return statement;
    }

    /// <summary>Copies the settings onto the row (create, attach, and the admin's edit).</summary>
    public static void Apply(Statement statement, StatementSettings settings)
    {
        statement.AdoptedBy = string.IsNullOrWhiteSpace(settings.AdoptedBy) ? null : settings.AdoptedBy.Trim();
        statement.AdoptedOn = settings.AdoptedOn;
        statement.OpenForSigning = settings.OpenForSigning;
        statement.Goal = settings.Goal;
        statement.ClosesAt = settings.ClosesAt;
        statement.FieldsAsked = settings.FieldsAsked;
        statement.FieldsRequired = settings.FieldsRequired;
        statement.RequiresApproval = settings.RequiresApproval;
        statement.NewsletterId = settings.NewsletterId;
    }

    private async Task<bool> NewsletterMissingAsync(StatementSettings settings, CancellationToken cancellationToken) =>
        settings.NewsletterId is { } id && !await db.Newsletters.AnyAsync(n => n.Id == id, cancellationToken);

    private static StatementCreateResult NoSuchNewsletter() =>
        new(StatementCreateOutcome.Invalid, Errors: new Dictionary<string, string[]> { ["NewsletterId"] = ["There is no such newsletter."] });
}
