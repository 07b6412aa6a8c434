using Broadsheet.Data;
using Broadsheet.Features.Newsletters;

namespace Broadsheet.Email;

/// <summary>Counts of an issue's deliveries by status, and the rate so far: the send page's progress view, the API's status and the CLI's.</summary>
public sealed record SendProgress(
    int IssueId,
    IssueSendStatus Status,
    int Total,
    int Queued,
    int InFlight,
    int Sent,
    int Deferred,
    int Failed,
    int Skipped,
    int Cancelled,
    int Uncertain,
    double? MessagesPerSecond,
    TimeSpan? TimeLeft,
    string? PausedReason);

/// <summary>How asking for a send ended.</summary>
public enum SendStartOutcome
{
    Started,
    NotFound,

    /// <summary>It is already sending, paused, sent or cancelled; nothing changed.</summary>
    AlreadyStarted,

    /// <summary>Its post is not published (an issue is mailed with the web page it links to).</summary>
    NotPublished,

    /// <summary>No confirmed subscriber would receive it.</summary>
    NoRecipients,
}

public sealed record SendStartResult(SendStartOutcome Outcome, int Recipients = 0);

/// <summary>
/// The admin's, API's and CLI's one door to sending an issue (the delivery engine's front). LEAD'S CONTRACT: helper B
/// implements every member; the signatures are what the admin, API and CLI are written against.
/// </summary>
public sealed class IssueSending(BroadsheetDb db)
{
    private readonly BroadsheetDb db = db;

    /// <summary>How many would receive it now: confirmed subscribers of its newsletter, less suppressed addresses.</summary>
    public Task<int> RecipientCountAsync(int issueId, CancellationToken cancellationToken = default) => throw new NotImplementedException(db.ToString());

    /// <summary>In one transaction: one delivery row per recipient, the issue marked sending, and its first batches queued.</summary>
    public Task<SendStartResult> StartAsync(int issueId, string by, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<bool> PauseAsync(int issueId, string reason, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    public Task<bool> ResumeAsync(int issueId, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    public Task<bool> CancelAsync(int issueId, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Queues again the issue's failed deliveries (not the skipped or cancelled); returns how many.</summary>
    public Task<int> ResendFailedAsync(int issueId, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<SendProgress?> ProgressAsync(int issueId, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
