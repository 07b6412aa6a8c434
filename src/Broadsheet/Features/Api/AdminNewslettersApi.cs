using System.Security.Claims;
using Broadsheet.Data;
using Broadsheet.Email;
using Broadsheet.Features.Import;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Shared;
using Broadsheet.Features.Subscribers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Api;

public sealed record AdminNewsletter(
    int Id, string Slug, string Name, string Description, string FromName, string FromAddress, string? ReplyTo, bool OpenForSubscription,
    string TitlePattern, DateTime CreatedAt, int Version, int Confirmed, int Pending);

public sealed record AdminIssue(
    int Id, int NewsletterId, int Number, string Subject, int PostId, string Title, string? Url, PostStatus PostStatus, IssueSendStatus SendStatus,
    DateTime? SendRequestedAt, DateTime? SendFinishedAt, string? PausedReason, string? SentBy, DateTime CreatedAt);

public sealed record IssueInput(string? Title = null, string? Body = null, string? Subject = null, int? Number = null, BodyFormat? Format = null, bool? Publish = null);

public sealed record SendStarted(int Recipients, string StatusUrl);
public sealed record ResendStarted(int Requeued);

public sealed record AdminSubscription(int NewsletterId, string Newsletter, SubscriptionStatus Status, DateTime CreatedAt, DateTime? ConfirmedAt, DateTime? UnsubscribedAt);
public sealed record AdminConsent(int? NewsletterId, ConsentAction Action, ConsentSource Source, string? Detail, string? IpAddress, DateTime At);
public sealed record AdminSubscriber(int Id, string Email, string? Name, DateTime CreatedAt, bool Suppressed, IReadOnlyList<AdminSubscription> Subscriptions);
public sealed record AdminSubscriberDetail(
    int Id, string Email, string? Name, DateTime CreatedAt, DateTime UpdatedAt, DateTime? ConfirmationSentAt, bool Suppressed,
    IReadOnlyList<AdminSubscription> Subscriptions, IReadOnlyList<AdminConsent> Consent);

/// <summary>A new subscriber from a campaign's own tool: pending on each newsletter until they confirm.</summary>
public sealed record SubscriberInput(string? Email = null, string? Name = null, IReadOnlyList<string>? Newsletters = null);

public sealed record ImportQueued(int JobId, string StatusUrl);
public sealed record ImportStatus(int JobId, string FileName, ImportJobStatus Status, long FileSize, long BytesRead, int Percent, string? Error, SubscriberImportReport? Report);
public sealed record ConfirmationRequestsQueued(int Pending, long WorkItemId);

/// <summary>
/// The Admin API of newsletters (<c>/api/admin/newsletters</c>, their issues and sending) and subscribers
/// (<c>/api/admin/subscribers</c>, with the CSV import). Issues are made through <see cref="NewsletterIssues"/> and sent
/// through <see cref="IssueSending"/>, the doors the admin pages and the CLI use; the CSV import is <see cref="SubscriberImport"/>.
/// Newsletters and their issues need an editor's key (a newsletter's own settings an administrator's); subscribers, who
/// are personal data, an administrator's.
/// </summary>
public static class AdminNewslettersApi
{
    public static void MapNewsletters(RouteGroupBuilder newsletters)
    {
        newsletters.WithTags("Admin: newsletters");
        newsletters.MapGet("/", async (BroadsheetDb db, CancellationToken ct) =>
                TypedResults.Ok(await Query(db, db.Newsletters.OrderBy(n => n.Name).ThenBy(n => n.Id)).ToListAsync(ct)))
            .WithName("ListNewsletters").WithSummary("Lists the newsletters, with their confirmed and pending subscriber counts.");

        newsletters.MapPost("/", async (HttpRequest request, BroadsheetDb db, TimeProvider clock, CancellationToken ct) =>
            {
                var (input, error) = await ApiJson.ReadAsync<NewsletterInput>(request);
                if (input is null) return error!;
                var newsletter = new Newsletter { Slug = "", Name = "", FromName = "", FromAddress = "", CreatedAt = clock.GetUtcNow().UtcDateTime };
                if (await NewsletterEdits.ApplyAsync(db, newsletter, input, creating: true, ct) is { Count: > 0 } errors) return ApiResults.Invalid(errors);
                db.Newsletters.Add(newsletter);
                await db.SaveChangesAsync(ct);
                return TypedResults.Created($"/api/admin/newsletters/{newsletter.Id}", await Query(db, db.Newsletters.Where(n => n.Id == newsletter.Id)).FirstAsync(ct));
            })
            .RequireAuthorization(AdminApi.Policy(Accounts.Policies.Administer))
            .WithName("CreateNewsletter").WithSummary("Makes a newsletter: name and fromAddress are required; the slug is made from the name when left out.")
            .Accepts<NewsletterInput>("application/json").Produces<AdminNewsletter>(StatusCodes.Status201Created).ProducesValidationProblem();

        newsletters.MapGet("/{id:int}", async (int id, BroadsheetDb db, CancellationToken ct) =>
                await Query(db, db.Newsletters.Where(n => n.Id == id)).FirstOrDefaultAsync(ct) is { } found ? TypedResults.Ok(found) : ApiResults.NotFound($"There is no newsletter {id}."))
            .WithName("GetNewsletter").WithSummary("Gets one newsletter.")
            .Produces<AdminNewsletter>().ProducesProblem(StatusCodes.Status404NotFound);

        newsletters.MapPut("/{id:int}", async (int id, HttpRequest request, BroadsheetDb db, CancellationToken ct) =>
            {
                var (input, error) = await ApiJson.ReadAsync<NewsletterInput>(request);
                if (input is null) return error!;
                if (input.Version is null) return ApiResults.Invalid("version", "Send the version you last read, so a newer edit is never overwritten.");
                var newsletter = await db.Newsletters.FirstOrDefaultAsync(n => n.Id == id, ct);
                if (newsletter is null) return ApiResults.NotFound($"There is no newsletter {id}.");
                if (newsletter.Version != input.Version) return ApiResults.Stale("newsletter", newsletter.Version);
                if (await NewsletterEdits.ApplyAsync(db, newsletter, input, creating: false, ct) is { Count: > 0 } errors) return ApiResults.Invalid(errors);
                newsletter.Version++;
                try
                {
                    await db.SaveChangesAsync(ct);
                }
                catch (DbUpdateConcurrencyException)
                {
                    return ApiResults.Stale("newsletter", await db.Newsletters.AsNoTracking().Where(n => n.Id == id).Select(n => n.Version).FirstAsync(ct));
                }
                return TypedResults.Ok(await Query(db, db.Newsletters.Where(n => n.Id == id)).FirstAsync(ct));
            })
            .RequireAuthorization(AdminApi.Policy(Accounts.Policies.Administer))
            .WithName("UpdateNewsletter").WithSummary("Changes a newsletter; fields left out keep their value. Send the version you read (409 if someone changed it since).")
            .Accepts<NewsletterInput>("application/json").Produces<AdminNewsletter>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        MapIssues(newsletters.MapGroup("/{newsletterId:int}/issues"));
    }

    private static IQueryable<AdminNewsletter> Query(BroadsheetDb db, IQueryable<Newsletter> newsletters) => newsletters.AsNoTracking().Select(n => new AdminNewsletter(
        n.Id, n.Slug, n.Name, n.Description, n.FromName, n.FromAddress, n.ReplyTo, n.OpenForSubscription, n.TitlePattern, n.CreatedAt, n.Version,
        db.Subscriptions.Count(s => s.NewsletterId == n.Id && s.Status == SubscriptionStatus.Confirmed),
        db.Subscriptions.Count(s => s.NewsletterId == n.Id && s.Status == SubscriptionStatus.Pending)));

    private static void MapIssues(RouteGroupBuilder issues)
    {
        issues.MapGet("/", async (int newsletterId, BroadsheetDb db, CancellationToken ct) =>
            {
                if (!await db.Newsletters.AnyAsync(n => n.Id == newsletterId, ct)) return ApiResults.NotFound($"There is no newsletter {newsletterId}.");
                var rows = await db.NewsletterIssues.AsNoTracking().Where(i => i.NewsletterId == newsletterId).OrderByDescending(i => i.Number).Include(i => i.Post).ToListAsync(ct);
                return TypedResults.Ok(rows.Select(ToAdmin).ToList());
            })
            .WithName("ListIssues").WithSummary("Lists a newsletter's issues, newest first.")
            .Produces<List<AdminIssue>>().ProducesProblem(StatusCodes.Status404NotFound);

        issues.MapPost("/", async (int newsletterId, HttpRequest request, NewsletterIssues make, BroadsheetDb db, CancellationToken ct) =>
            {
                var (input, error) = await ApiJson.ReadAsync<IssueInput>(request);
                if (input is null) return error!;
                if (string.IsNullOrWhiteSpace(input.Title) && string.IsNullOrWhiteSpace(input.Subject)) return ApiResults.Invalid("title", "An issue needs a title (or a subject, which the title then is).");
                if (input.Subject is { Length: > 500 }) return ApiResults.Invalid("subject", "At most 500 characters.");
                var created = await make.CreateAsync(new NewIssue(newsletterId, input.Title ?? input.Subject!, input.Body ?? "")
                {
                    Number = input.Number, Subject = input.Subject, Format = input.Format ?? BodyFormat.Markdown, Publish = input.Publish ?? true,
                }, PostActor.Of(request.HttpContext.User), ct);
                return created.Outcome switch
                {
                    IssueCreateOutcome.NewsletterNotFound => ApiResults.NotFound($"There is no newsletter {newsletterId}."),
                    IssueCreateOutcome.NumberTaken => ApiResults.Invalid("number", $"Issue number {input.Number} is taken in this newsletter (or is below 1)."),
                    IssueCreateOutcome.Invalid => ApiResults.Invalid(created.Errors!.ToDictionary(e => e.Key, e => e.Value)),
                    _ => TypedResults.Created($"/api/admin/newsletters/{newsletterId}/issues/{created.Issue!.Number}", ToAdmin(await IssueAsync(db, newsletterId, created.Issue.Number, ct) ?? created.Issue)),
                };
            })
            .WithName("CreateIssue").WithSummary("Makes the next issue (or the number given): its post is written and, unless publish is false, published; it is not sent until you POST …/send.")
            .Accepts<IssueInput>("application/json").Produces<AdminIssue>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        issues.MapGet("/{number:int}", async (int newsletterId, int number, BroadsheetDb db, CancellationToken ct) =>
                await IssueAsync(db, newsletterId, number, ct) is { } issue ? TypedResults.Ok(ToAdmin(issue)) : NoIssue(newsletterId, number))
            .WithName("GetIssue").WithSummary("Gets one issue by its number.")
            .Produces<AdminIssue>().ProducesProblem(StatusCodes.Status404NotFound);

        issues.MapPost("/{number:int}/send", async (int newsletterId, int number, HttpRequest request, BroadsheetDb db, IssueSending sending, CancellationToken ct) =>
            {
                if (await IssueAsync(db, newsletterId, number, ct) is not { } issue) return NoIssue(newsletterId, number);
                var started = await sending.StartAsync(issue.Id, "api:" + (request.HttpContext.User.FindFirstValue(ClaimTypes.Name) ?? "key"), ct);
                return started.Outcome switch
                {
                    SendStartOutcome.Started => TypedResults.Accepted($"/api/admin/newsletters/{newsletterId}/issues/{number}/status",
                        new SendStarted(started.Recipients, $"/api/admin/newsletters/{newsletterId}/issues/{number}/status")),
                    SendStartOutcome.NotFound => NoIssue(newsletterId, number),
                    _ => Conflict($"Issue {number} was not sent: {DeliveryCommands.Explain(started.Outcome)}"),
                };
            })
            .WithName("SendIssue").WithSummary("Sends the issue to the newsletter's confirmed subscribers (less suppressed addresses): writes a delivery per recipient and queues the work. 202 with the status address.")
            .Produces<SendStarted>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        issues.MapGet("/{number:int}/status", async (int newsletterId, int number, BroadsheetDb db, IssueSending sending, CancellationToken ct) =>
                await IssueAsync(db, newsletterId, number, ct) is { } issue && await sending.ProgressAsync(issue.Id, ct) is { } progress
                    ? TypedResults.Ok(progress) : NoIssue(newsletterId, number))
            .WithName("GetIssueSendStatus").WithSummary("How far sending is: deliveries queued, in flight, sent, deferred, failed, skipped, cancelled, uncertain; the rate and the time left.")
            .Produces<SendProgress>().ProducesProblem(StatusCodes.Status404NotFound);

        MapSendAction(issues, "pause", "PauseIssueSend", "Pauses sending (resumable); messages already with the SMTP server still go.",
            (sending, id, user, ct) => sending.PauseAsync(id, "Paused through the API by " + (user.FindFirstValue(ClaimTypes.Name) ?? "a key"), ct));
        MapSendAction(issues, "resume", "ResumeIssueSend", "Resumes a paused send.", (sending, id, _, ct) => sending.ResumeAsync(id, ct));
        MapSendAction(issues, "cancel", "CancelIssueSend", "Cancels the send for good: deliveries not yet sent are cancelled.", (sending, id, _, ct) => sending.CancelAsync(id, ct));

        issues.MapPost("/{number:int}/resend-failed", async (int newsletterId, int number, BroadsheetDb db, IssueSending sending, CancellationToken ct) =>
                await IssueAsync(db, newsletterId, number, ct) is { } issue ? TypedResults.Ok(new ResendStarted(await sending.ResendFailedAsync(issue.Id, ct))) : NoIssue(newsletterId, number))
            .WithName("ResendFailed").WithSummary("Queues again the issue's failed deliveries (not the skipped or cancelled); says how many.")
            .Produces<ResendStarted>().ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static void MapSendAction(RouteGroupBuilder issues, string action, string name, string summary, Func<IssueSending, int, ClaimsPrincipal, CancellationToken, Task<bool>> act) =>
        issues.MapPost($"/{{number:int}}/{action}", async (int newsletterId, int number, HttpRequest request, BroadsheetDb db, IssueSending sending, CancellationToken ct) =>
            {
                if (await IssueAsync(db, newsletterId, number, ct) is not { } issue) return NoIssue(newsletterId, number);
                if (!await act(sending, issue.Id, request.HttpContext.User, ct))
                    return Conflict($"Issue {number} cannot be {(action == "pause" ? "paused" : action == "resume" ? "resumed" : "cancelled")} now: it is {issue.SendStatus.ToString().ToLowerInvariant()}.");
                return await sending.ProgressAsync(issue.Id, ct) is { } progress ? TypedResults.Ok(progress) : NoIssue(newsletterId, number);
            })
            .WithName(name).WithSummary(summary)
            .Produces<SendProgress>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

    private static Task<NewsletterIssue?> IssueAsync(BroadsheetDb db, int newsletterId, int number, CancellationToken ct) =>
        db.NewsletterIssues.AsNoTracking().Include(i => i.Post).Include(i => i.Newsletter).FirstOrDefaultAsync(i => i.NewsletterId == newsletterId && i.Number == number, ct);

    private static IResult NoIssue(int newsletterId, int number) => ApiResults.NotFound($"Newsletter {newsletterId} has no issue {number}.");

    private static ProblemHttpResult Conflict(string detail) => TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    private static AdminIssue ToAdmin(NewsletterIssue i) => new(
        i.Id, i.NewsletterId, i.Number, i.Subject, i.PostId, i.Post?.Title ?? i.Subject,
        i.Newsletter is { } n ? $"/newsletters/{n.Slug}/{i.Number}" : null, i.Post?.Status ?? PostStatus.Draft, i.SendStatus,
        i.SendRequestedAt, i.SendFinishedAt, i.PausedReason, i.SentBy, i.CreatedAt);

    // ---- subscribers ----

    public static void MapSubscribers(RouteGroupBuilder subscribers)
    {
        subscribers.WithTags("Admin: subscribers");
        subscribers.MapGet("/", async (BroadsheetDb db, string? q, int? newsletter, string? status, int? page, int? pageSize, CancellationToken ct) =>
            {
                SubscriptionStatus? wantedStatus = null;
                if (status is { Length: > 0 })
                {
                    if (!Enum.TryParse<SubscriptionStatus>(status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || char.IsDigit(status[0]))
                        return ApiResults.Invalid("status", "pending, confirmed or unsubscribed.");
                    wantedStatus = parsed;
                }
                var size = pageSize ?? 50;
                var number = page ?? 1;
                if (size is < 1 or > AdminPostsApi.MaxPageSize || number is < 1 or > PageNumbers.Max) return ApiResults.Invalid("page", $"page is 1 to {PageNumbers.Max}; pageSize is 1 to {AdminPostsApi.MaxPageSize}.");
                if (q is { Length: > 320 }) return ApiResults.Invalid("q", "At most 320 characters.");
                var query = db.Subscribers.AsNoTracking();
                if (!string.IsNullOrWhiteSpace(q))
                {
                    // The canonical address is lower case, so a search of it ignores case on either database; the address as
                    // given and the name are matched as typed.
                    var text = q.Trim();
                    var term = text.ToLowerInvariant();
                    query = query.Where(s => s.CanonicalEmail.Contains(term) || s.Email.Contains(text) || (s.Name != null && s.Name.Contains(text)));
                }
                if (newsletter is { } n) query = query.Where(s => s.Subscriptions.Any(x => x.NewsletterId == n && (wantedStatus == null || x.Status == wantedStatus)));
                else if (wantedStatus is { } st) query = query.Where(s => s.Subscriptions.Any(x => x.Status == st));
                var total = await query.CountAsync(ct);
                var rows = await query.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id).Skip((number - 1) * size).Take(size)
                    .Include(s => s.Subscriptions).ThenInclude(x => x.Newsletter).AsSplitQuery().ToListAsync(ct);
                var suppressed = await SuppressedAsync(db, rows.Select(r => r.AddressHash).ToList(), ct);
                return TypedResults.Ok(new Paged<AdminSubscriber>([.. rows.Select(s => new AdminSubscriber(s.Id, s.Email, s.Name, s.CreatedAt, suppressed.Contains(s.AddressHash), Subscriptions(s)))], number, size, total));
            })
            .WithName("ListSubscribers").WithSummary("Lists subscribers, newest first; q searches address and name; newsletter and status filter.")
            .Produces<Paged<AdminSubscriber>>().ProducesValidationProblem();

        subscribers.MapGet("/{id:int}", async (int id, BroadsheetDb db, CancellationToken ct) =>
                await DetailAsync(db, id, ct) is { } found ? TypedResults.Ok(found) : ApiResults.NotFound($"There is no subscriber {id}."))
            .WithName("GetSubscriber").WithSummary("Gets one subscriber with their subscriptions and consent records.")
            .Produces<AdminSubscriberDetail>().ProducesProblem(StatusCodes.Status404NotFound);

        subscribers.MapPost("/", async (HttpRequest request, BroadsheetDb db, TimeProvider clock, CancellationToken ct) =>
            {
                var (input, error) = await ApiJson.ReadAsync<SubscriberInput>(request);
                if (input is null) return error!;
                if (EmailAddresses.Clean(input.Email) is not { } email) return ApiResults.Invalid("email", $"'{input.Email}' is not an email address mail can be sent to.");
                if (input.Name is { Length: > 300 }) return ApiResults.Invalid("name", "At most 300 characters.");
                if (input.Newsletters is not { Count: > 0 } wanted) return ApiResults.Invalid("newsletters", "Name at least one newsletter (its slug or id).");
                var all = await db.Newsletters.AsNoTracking().Select(n => new { n.Id, n.Slug }).ToListAsync(ct);
                var ids = new List<int>();
                foreach (var w in wanted)
                {
                    var match = all.FirstOrDefault(n => n.Slug == w || n.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == w);
                    if (match is null) return ApiResults.Invalid("newsletters", $"There is no newsletter '{w}'.");
                    if (!ids.Contains(match.Id)) ids.Add(match.Id);
                }
                var hash = EmailAddresses.Hash(email);
                if (await db.Suppressions.AnyAsync(s => s.AddressHash == hash && (s.NewsletterId == Suppression.EveryNewsletter || ids.Contains(s.NewsletterId)), ct))
                    return Conflict($"{email} is suppressed (it left, bounced or was suppressed by an admin): it is not subscribed through the API. Its owner can subscribe again through the site's form and confirm.");
                var canonical = EmailAddresses.Canonical(email);
                var now = clock.GetUtcNow().UtcDateTime;
                var subscriber = await db.Subscribers.Include(s => s.Subscriptions).FirstOrDefaultAsync(s => s.CanonicalEmail == canonical, ct);
                var isNew = subscriber is null;
                subscriber ??= new Subscriber
                {
                    Email = email, CanonicalEmail = canonical, AddressHash = hash, LinkSecret = SubscriberLinks.NewLinkSecret(), CreatedAt = now, UpdatedAt = now,
                    Name = string.IsNullOrWhiteSpace(input.Name) ? null : XmlSafeText.Clean(input.Name).Trim(),
                };
                var added = ids.Where(id => subscriber.Subscriptions.All(x => x.NewsletterId != id)).ToList();
                foreach (var id in added) subscriber.Subscriptions.Add(new Subscription { NewsletterId = id, Status = SubscriptionStatus.Pending, CreatedAt = now });
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                if (isNew) db.Subscribers.Add(subscriber);
                try
                {
                    await db.SaveChangesAsync(ct);
                }
                catch (DbUpdateException)
                {
                    return Conflict($"{email} was subscribed by someone else at the same moment; fetch it and try again.");
                }
                var key = "api:" + (request.HttpContext.User.FindFirstValue(ClaimTypes.Name) ?? "key");
                foreach (var id in added)
                    db.ConsentRecords.Add(new ConsentRecord { SubscriberId = subscriber.Id, NewsletterId = id, Action = ConsentAction.Requested, Source = ConsentSource.Api, Detail = key.Length > 500 ? key[..500] : key, At = now });
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
                var detail = await DetailAsync(db, subscriber.Id, ct);
                return isNew ? TypedResults.Created($"/api/admin/subscribers/{subscriber.Id}", detail) : TypedResults.Ok(detail);
            })
            .WithName("CreateSubscriber").WithSummary("Adds a subscriber, pending on each newsletter named until they confirm (send them a confirmation request). An address already there gets the missing newsletters (200); a suppressed one is refused (409).")
            .Accepts<SubscriberInput>("application/json").Produces<AdminSubscriberDetail>(StatusCodes.Status201Created).Produces<AdminSubscriberDetail>()
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);

        subscribers.MapDelete("/{id:int}", async (int id, bool? suppress, HttpRequest request, SubscriberErasure erasure, CancellationToken ct) =>
                await erasure.EraseAsync(id, "erased through the API by " + (request.HttpContext.User.FindFirstValue(ClaimTypes.Name) ?? "a key"), suppress ?? true, ct)
                    ? TypedResults.NoContent() : ApiResults.NotFound($"There is no subscriber {id}."))
            .WithName("EraseSubscriber").WithSummary("Erases a subscriber: their row, subscriptions and consent records; the address on past deliveries is blanked. A suppression (a hash, nothing readable) stays unless suppress=false, so an old list cannot subscribe them again.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);

        subscribers.MapPost("/import", async (HttpRequest request, BroadsheetDb db, SubscriberImport import, IConfiguration configuration, CancellationToken ct) =>
            {
                if (!request.HasFormContentType) return ApiResults.Invalid("file", "Send the CSV as multipart/form-data in a field named 'file', with 'newsletter' (its slug or id).");
                var max = configuration.GetValue("Import:MaxUploadBytes", ImportJobs.DefaultMaxUploadBytes);
                var (outcome, read) = await UploadLimit.ReadFormAsync(request.HttpContext, max, ct);
                if (outcome == UploadLimit.Outcome.TooLarge) return ApiResults.TooLarge($"The file is larger than the {max / (1024 * 1024)} MB an import may be (Import:MaxUploadBytes).");
                if (read is not { } form) return ApiResults.Invalid("file", UploadLimit.UnreadableMessage);
                if (form.Files.GetFile("file") is not { Length: > 0 } file) return ApiResults.Invalid("file", "Send the CSV in a form field named 'file' (it was missing or empty).");
                var wanted = form["newsletter"].ToString();
                var wantedId = int.TryParse(wanted, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsedId) ? parsedId : -1;
                var newsletterId = await db.Newsletters.Where(n => n.Slug == wanted || n.Id == wantedId).Select(n => (int?)n.Id).FirstOrDefaultAsync(ct);
                if (newsletterId is null) return ApiResults.Invalid("newsletter", wanted.Length == 0 ? "Name the newsletter (its slug or id) in the field 'newsletter'." : $"There is no newsletter '{wanted}'.");
                var confirmed = form["confirmed"].ToString() is "true" or "on" or "1";
                var source = form["source"].ToString();
                if (confirmed && string.IsNullOrWhiteSpace(source)) return ApiResults.Invalid("source", "confirmed=true needs a source: where these people gave their consent (it is kept as the evidence of it).");
                if (source.Length > 400) return ApiResults.Invalid("source", "At most 400 characters.");
                var request2 = new SubscriberImportRequest
                {
                    NewsletterId = newsletterId.Value, Confirmed = confirmed, Source = source.Length == 0 ? null : source,
                    EmailColumn = NullIfEmpty(form["emailColumn"].ToString()), NameColumn = NullIfEmpty(form["nameColumn"].ToString()),
                };
                await using var stream = file.OpenReadStream();
                var by = "api:" + (request.HttpContext.User.FindFirstValue(ClaimTypes.Name) ?? "key");
                var (jobId, _) = await import.QueueAsync(request2, Path.GetFileName(file.FileName), stream, by, ct);
                var status = $"/api/admin/subscribers/import/{jobId}";
                return TypedResults.Accepted(status, new ImportQueued(jobId, status));
            })
            .WithName("ImportSubscribers")
            .WithSummary("Imports a CSV of subscribers (multipart: 'file', 'newsletter' slug or id, optional 'confirmed' (true only when consent was already given; then 'source' is required), 'source', 'emailColumn', 'nameColumn'). 202 with the job's status address.")
            .Accepts<ImportForm>("multipart/form-data")
            .Produces<ImportQueued>(StatusCodes.Status202Accepted).ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        subscribers.MapGet("/import/{jobId:int}", async (int jobId, SubscriberImport import, CancellationToken ct) =>
            {
                if (await import.JobAsync(jobId, ct) is not { } found) return ApiResults.NotFound($"There is no subscriber import job {jobId}.");
                var (job, report) = found;
                var percent = job.Status == ImportJobStatus.Succeeded ? 100 : job.FileSize > 0 ? (int)Math.Clamp(job.BytesRead * 100 / job.FileSize, 0, 100) : 0;
                return TypedResults.Ok(new ImportStatus(job.Id, job.FileName, job.Status, job.FileSize, job.BytesRead, percent, job.Error, report));
            })
            .WithName("GetSubscriberImport").WithSummary("An import's status and its report: rows read, added, and each rejected row with its line and reason.")
            .Produces<ImportStatus>().ProducesProblem(StatusCodes.Status404NotFound);

        subscribers.MapPost("/confirmation-requests", async (int? newsletter, BroadsheetDb db, ConfirmationRequests requests, CancellationToken ct) =>
            {
                if (newsletter is not { } id || !await db.Newsletters.AnyAsync(n => n.Id == id, ct)) return ApiResults.Invalid("newsletter", "Name the newsletter by its id (?newsletter=ID).");
                var pending = await ConfirmationRequests.PendingCountAsync(db, id, ct);
                return TypedResults.Accepted((string?)null, new ConfirmationRequestsQueued(pending, await requests.QueueAsync(db, id, ct)));
            })
            .WithName("SendConfirmationRequests").WithSummary("Mails each pending subscriber of the newsletter a link to confirm (queued; those asked since are not asked twice).")
            .Produces<ConfirmationRequestsQueued>(StatusCodes.Status202Accepted).ProducesValidationProblem();
    }

    /// <summary>The multipart form of a CSV import, for the OpenAPI document.</summary>
    public sealed class ImportForm
    {
        public required IFormFile File { get; init; }
        public required string Newsletter { get; init; }
        public bool? Confirmed { get; init; }
        public string? Source { get; init; }
        public string? EmailColumn { get; init; }
        public string? NameColumn { get; init; }
    }

    private static string? NullIfEmpty(string text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static async Task<HashSet<string>> SuppressedAsync(BroadsheetDb db, List<string> hashes, CancellationToken ct) =>
        (await db.Suppressions.AsNoTracking().Where(s => hashes.Contains(s.AddressHash) && s.NewsletterId == Suppression.EveryNewsletter).Select(s => s.AddressHash).ToListAsync(ct))
        .ToHashSet(StringComparer.Ordinal);

    private static List<AdminSubscription> Subscriptions(Subscriber s) =>
        [.. s.Subscriptions.OrderBy(x => x.NewsletterId).Select(x => new AdminSubscription(x.NewsletterId, x.Newsletter?.Slug ?? "", x.Status, x.CreatedAt, x.ConfirmedAt, x.UnsubscribedAt))];

    private static async Task<AdminSubscriberDetail?> DetailAsync(BroadsheetDb db, int id, CancellationToken ct)
    {
        var s = await db.Subscribers.AsNoTracking().Include(x => x.Subscriptions).ThenInclude(x => x.Newsletter).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (s is null) return null;
        var consent = await db.ConsentRecords.AsNoTracking().Where(c => c.SubscriberId == id).OrderBy(c => c.At).ThenBy(c => c.Id)
            .Select(c => new AdminConsent(c.NewsletterId, c.Action, c.Source, c.Detail, c.IpAddress, c.At)).ToListAsync(ct);
        var suppressed = await db.Suppressions.AnyAsync(x => x.AddressHash == s.AddressHash && x.NewsletterId == Suppression.EveryNewsletter, ct);
        return new AdminSubscriberDetail(s.Id, s.Email, s.Name, s.CreatedAt, s.UpdatedAt, s.ConfirmationSentAt, suppressed, Subscriptions(s), consent);
    }
}
