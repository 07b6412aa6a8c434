using System.Globalization;
using Broadsheet.Data;
using Broadsheet.Email;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Newsletters;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Newsletters;

/// <summary>
/// One issue as mail. Before it is sent: how many confirmed recipients would get it, what stands in the way (no SMTP
/// server, so everything goes to the pickup folder; no DKIM key for the sender's domain), and a button that asks once
/// more. Once sending: the progress (queued, sent, failed, deferred, rate, time left), which the admin script keeps
/// fresh from <c>?handler=progress</c>, and pause, resume, cancel and "resend to the failed only". Everything here goes
/// through <see cref="IssueSending"/>, the engine's one door.
/// </summary>
[Authorize(Policy = Policies.EditAll)]
public sealed class IssueModel(BroadsheetDb db, IssueSending sending, IEmailSender sender, MessageSigning signing, IConfiguration configuration) : AdminPageModel
{
    public NewsletterIssue Issue { get; private set; } = null!;
    public Newsletter Newsletter { get; private set; } = null!;
    public string PostTitle { get; private set; } = "";
    public bool PostPublished { get; private set; }

    /// <summary>Before a send: who would get it now.</summary>
    public int Recipients { get; private set; }

    public SendProgress? Progress { get; private set; }
    public string? Error { get; private set; }

    public bool NotSent => Issue.SendStatus == IssueSendStatus.NotSent;
    public bool SmtpConfigured => sender.IsConfigured;
    public string PickupFolderPath => PickupFolder.From(configuration);
    public string FromDomain => Newsletter.FromAddress[(Newsletter.FromAddress.LastIndexOf('@') + 1)..];
    public bool HasDkimKey => signing.HasKeyFor(FromDomain);

    public async Task<IActionResult> OnGetAsync(int id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken)) return NotFound();
        Response.Headers.CacheControl = "no-store";
        return Page();
    }

    /// <summary>The progress as JSON, for the page's script to poll (the numbers, and the same words the page shows).</summary>
    public async Task<IActionResult> OnGetProgressAsync(int id, CancellationToken cancellationToken)
    {
        var progress = await sending.ProgressAsync(id, cancellationToken);
        if (progress is null) return NotFound();
        Response.Headers.CacheControl = "no-store";
        return new JsonResult(new
        {
            status = IssuesModel.StatusName(progress.Status),
            progress.Total, progress.Queued, progress.InFlight, progress.Sent, progress.Deferred, progress.Failed,
            progress.Skipped, progress.Cancelled, progress.Uncertain,
            done = Done(progress),
            rate = RateText(progress),
            timeLeft = TimeLeftText(progress),
            pausedReason = progress.PausedReason,
        });
    }

    public async Task<IActionResult> OnPostSendAsync(int id, CancellationToken cancellationToken)
    {
        if (!await LoadIssueAsync(id, cancellationToken)) return NotFound();
        var result = await sending.StartAsync(id, User.Identity?.Name ?? UserId, cancellationToken);
        switch (result.Outcome)
        {
            case SendStartOutcome.Started:
                Notice = string.Create(CultureInfo.InvariantCulture, $"Sending to {result.Recipients} confirmed subscribers.");
                return Redirect($"/admin/newsletters/issues/{id}");
            case SendStartOutcome.AlreadyStarted:
                Notice = "This issue was sent already (or is being sent); nothing changed.";
                return Redirect($"/admin/newsletters/issues/{id}");
            case SendStartOutcome.NotFound:
                return NotFound();
            default:
                Error = result.Outcome == SendStartOutcome.NotPublished
                    ? "Publish the issue's web page first: the mail links to it. Open it in the editor and publish it."
                    : "No confirmed subscriber would receive it: nothing was sent.";
                await LoadAsync(id, cancellationToken);
                Response.StatusCode = StatusCodes.Status400BadRequest;
                return Page();
        }
    }

    public async Task<IActionResult> OnPostPauseAsync(int id, CancellationToken cancellationToken) =>
        await ChangeAsync(id, () => sending.PauseAsync(id, $"Paused by {User.Identity?.Name ?? "an admin"}", cancellationToken), "Paused: nothing more goes out until you resume.", cancellationToken);

    public async Task<IActionResult> OnPostResumeAsync(int id, CancellationToken cancellationToken) =>
        await ChangeAsync(id, () => sending.ResumeAsync(id, cancellationToken), "Resumed.", cancellationToken);

    public async Task<IActionResult> OnPostCancelAsync(int id, CancellationToken cancellationToken) =>
        await ChangeAsync(id, () => sending.CancelAsync(id, cancellationToken), "Cancelled: the messages not yet sent will not be.", cancellationToken);

    public async Task<IActionResult> OnPostResendFailedAsync(int id, CancellationToken cancellationToken)
    {
        if (!await LoadIssueAsync(id, cancellationToken)) return NotFound();
        var count = await sending.ResendFailedAsync(id, cancellationToken);
        Notice = count == 0 ? "No failed messages to send again." : string.Create(CultureInfo.InvariantCulture, $"Sending again to the {count} that failed.");
        return Redirect($"/admin/newsletters/issues/{id}");
    }

    /// <summary>Checks the issue exists, then makes the change (started only then: the two share the request's DbContext).</summary>
    private async Task<IActionResult> ChangeAsync(int id, Func<Task<bool>> change, string done, CancellationToken cancellationToken)
    {
        if (!await LoadIssueAsync(id, cancellationToken)) return NotFound();
        Notice = await change() ? done : "Nothing changed: the send is not in a state where that applies (someone may have changed it a moment ago).";
        return Redirect($"/admin/newsletters/issues/{id}");
    }

    private async Task<bool> LoadIssueAsync(int id, CancellationToken cancellationToken) =>
        await db.NewsletterIssues.AsNoTracking().AnyAsync(i => i.Id == id, cancellationToken);

    private async Task<bool> LoadAsync(int id, CancellationToken cancellationToken)
    {
        var issue = await db.NewsletterIssues.AsNoTracking().Include(i => i.Newsletter).Include(i => i.Post).FirstOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (issue is null) return false;
        Issue = issue;
        Newsletter = issue.Newsletter!;
        PostTitle = issue.Post!.Title;
        PostPublished = issue.Post.Status == Broadsheet.Features.Posts.PostStatus.Published && issue.Post.PublishedAt <= NowUtc;
        if (NotSent) Recipients = await sending.RecipientCountAsync(id, cancellationToken);
        else Progress = await sending.ProgressAsync(id, cancellationToken);
        return true;
    }

    /// <summary>Deliveries that reached an end, of all (the progress bar).</summary>
    public static int Done(SendProgress p) => p.Sent + p.Failed + p.Skipped + p.Cancelled;

    public static string RateText(SendProgress p) =>
        p.MessagesPerSecond is { } rate ? string.Create(CultureInfo.InvariantCulture, $"{rate:0.#} messages a second") : "—";

    public static string TimeLeftText(SendProgress p) => p.TimeLeft switch
    {
        null => "—",
        { TotalSeconds: < 60 } t => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(1, (int)Math.Ceiling(t.TotalSeconds))} s"),
        { TotalHours: < 1 } t => string.Create(CultureInfo.InvariantCulture, $"{(int)Math.Ceiling(t.TotalMinutes)} min"),
        var t => string.Create(CultureInfo.InvariantCulture, $"{(int)t.Value.TotalHours} h {t.Value.Minutes} min"),
    };
}
