using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Newsletters;

/// <summary>What a new issue is made of; its words become a post through <see cref="PostWriter"/>.</summary>
public sealed record NewIssue(int NewsletterId, string Title, string Body)
{
    /// <summary>The issue's number; null takes the next (one more than the newsletter's highest).</summary>
    public int? Number { get; init; }

    /// <summary>The Subject: line; null uses the title.</summary>
    public string? Subject { get; init; }

    public BodyFormat Format { get; init; } = BodyFormat.Markdown;

    /// <summary>Publish its web page now (an issue must be published before it is sent).</summary>
    public bool Publish { get; init; } = true;

    public DateTime? PublishedAt { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
}

public enum IssueCreateOutcome
{
    Created,
    NewsletterNotFound,

    /// <summary>The number is taken in this newsletter.</summary>
    NumberTaken,

    /// <summary>The post was refused (<see cref="IssueCreateResult.Errors"/>).</summary>
    Invalid,
}

public sealed record IssueCreateResult(IssueCreateOutcome Outcome, NewsletterIssue? Issue = null, IReadOnlyDictionary<string, string[]>? Errors = null);

/// <summary>
/// The one way to make an issue (admin, API, CLI, and the digest composer next): its post and its row in one
/// transaction, so there is never an issue without its page or a page that lost its issue.
/// </summary>
public sealed class NewsletterIssues(BroadsheetDb db, PostWriter posts, TimeProvider clock)
{
    /// <summary>The number the next issue of <paramref name="newsletterId"/> takes: one more than its highest, 1 for the first.</summary>
    public async Task<int> NextNumberAsync(int newsletterId, CancellationToken cancellationToken = default) =>
        (await db.NewsletterIssues.Where(i => i.NewsletterId == newsletterId).MaxAsync(i => (int?)i.Number, cancellationToken) ?? 0) + 1;

    public async Task<IssueCreateResult> CreateAsync(NewIssue change, PostActor by, CancellationToken cancellationToken = default)
    {
        var newsletter = await db.Newsletters.AsNoTracking().FirstOrDefaultAsync(n => n.Id == change.NewsletterId, cancellationToken);
        if (newsletter is null) return new(IssueCreateOutcome.NewsletterNotFound);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var number = change.Number ?? await NextNumberAsync(newsletter.Id, cancellationToken);
        if (number < 1 || await db.NewsletterIssues.AnyAsync(i => i.NewsletterId == newsletter.Id && i.Number == number, cancellationToken))
            return new(IssueCreateOutcome.NumberTaken);
        var saved = await posts.SaveAsync(new PostChange(PostKind.Post)
        {
            Title = change.Title,
            Body = change.Body,
            Format = change.Format,
            Tags = change.Tags ?? [newsletter.Name],
            PublishedAt = change.PublishedAt is { } at ? at : null,
            PublishNow = change.Publish && change.PublishedAt is null,
            Status = change.Publish ? PostStatus.Published : PostStatus.Draft,
        }, by, cancellationToken);
        if (saved.Outcome != PostSaveOutcome.Saved) return new(IssueCreateOutcome.Invalid, Errors: saved.Errors);
        var issue = new NewsletterIssue
        {
            NewsletterId = newsletter.Id,
            Number = number,
            PostId = saved.Post!.Id,
            Subject = string.IsNullOrWhiteSpace(change.Subject) ? saved.Post.Title : change.Subject.Trim(),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.NewsletterIssues.Add(issue);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another request took the number between the check and the insert (the unique index refused it).
            return new(IssueCreateOutcome.NumberTaken);
        }
        return new(IssueCreateOutcome.Created, issue);
    }
}
