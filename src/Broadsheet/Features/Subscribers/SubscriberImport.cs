using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Broadsheet.Data;
using Broadsheet.Data.WorkQueue;
using Broadsheet.Features.Import;
using Broadsheet.Features.Shared;
using Microsoft.EntityFrameworkCore;
using nietras.SeparatedValues;

namespace Broadsheet.Features.Subscribers;

/// <summary>What an importer asks for: which newsletter, which columns, and what consent the rows come with.</summary>
public sealed record SubscriberImportRequest
{
    public required int NewsletterId { get; init; }

    /// <summary>The email column: its heading ("E-mail address") or its number from 1; null finds it (a heading like "email", or the column that holds addresses).</summary>
    public string? EmailColumn { get; init; }

    /// <summary>The name column: its heading or number; null finds it ("name", or "first name" + "last name"); "-" for none.</summary>
    public string? NameColumn { get; init; }

    /// <summary>
    /// True only when the importer says these people already consented to this newsletter elsewhere: their subscriptions
    /// start confirmed. Otherwise they are pending, and nobody is mailed until an admin sends confirmation requests.
    /// </summary>
    public bool Confirmed { get; init; }

    /// <summary>Where the consent was given, in the importer's words ("paper sign-up sheets, 2019 march"); kept on every consent record.</summary>
    public string? Source { get; init; }
}

/// <summary>Why a row of the CSV was not imported.</summary>
public enum ImportRejection
{
    /// <summary>The email cell holds no address that mail could be sent to.</summary>
    BadAddress,

    /// <summary>The same address (canonical form) came earlier in the file.</summary>
    Duplicate,

    /// <summary>The address is already on this newsletter (pending or confirmed): left as it was, so a re-import changes nothing.</summary>
    AlreadySubscribed,

    /// <summary>The address is suppressed (it left, bounced or complained) or left this newsletter: an import never subscribes it again.</summary>
    Suppressed,
}

public sealed record RejectedRow(int Line, ImportRejection Reason, string Detail);

/// <summary>
/// An import's report, written to its job row (<see cref="ImportJob.SummaryJson"/>) in each batch's transaction, so the
/// job page and the API show it growing and a resumed attempt starts where the last commit ended.
/// </summary>
public sealed class SubscriberImportReport
{
    /// <summary>The most rejected rows listed one by one; past it they are only counted.</summary>
    public const int MaxListed = 1000;

    public int NewsletterId { get; set; }
    public bool Confirmed { get; set; }
    public bool HasHeader { get; set; }
    public string? EmailColumn { get; set; }
    public string? NameColumn { get; set; }

    /// <summary>Data rows read (the heading row not counted; blank lines not counted).</summary>
    public int Rows { get; set; }

    /// <summary>New subscribers made.</summary>
    public int Added { get; set; }

    /// <summary>People already on the site (another newsletter) now subscribed to this one too.</summary>
    public int Subscribed { get; set; }

    public int BadAddresses { get; set; }
    public int Duplicates { get; set; }
    public int AlreadySubscribed { get; set; }
    public int Suppressed { get; set; }
    public int RejectedCount => BadAddresses + Duplicates + AlreadySubscribed + Suppressed;

    public List<RejectedRow> Rejected { get; set; } = [];

    /// <summary>The file's row index (from 0, heading included) the next batch starts at: how far the committed work got.</summary>
    public int NextRow { get; set; }

    public bool Finished { get; set; }

    internal void Reject(int line, ImportRejection reason, string detail)
    {
        switch (reason)
        {
            case ImportRejection.BadAddress: BadAddresses++; break;
            case ImportRejection.Duplicate: Duplicates++; break;
            case ImportRejection.AlreadySubscribed: AlreadySubscribed++; break;
            default: Suppressed++; break;
        }
        if (Rejected.Count < MaxListed) Rejected.Add(new RejectedRow(line, reason, detail));
    }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static SubscriberImportReport? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<SubscriberImportReport>(json, Json);

    /// <summary>The CLI's summary.</summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Rows read: {Rows}");
        text.AppendLine(CultureInfo.InvariantCulture, $"New subscribers: {Added} ({(Confirmed ? "confirmed: consent was given" : "pending: nobody is mailed until you send confirmation requests")})");
        if (Subscribed > 0) text.AppendLine(CultureInfo.InvariantCulture, $"Existing subscribers added to this newsletter: {Subscribed}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Rejected: {RejectedCount} (bad address {BadAddresses}, duplicate in the file {Duplicates}, already subscribed {AlreadySubscribed}, suppressed {Suppressed})");
        foreach (var row in Rejected) text.AppendLine(CultureInfo.InvariantCulture, $"  line {row.Line}: {row.Detail}");
        if (RejectedCount > Rejected.Count) text.AppendLine(CultureInfo.InvariantCulture, $"  … and {RejectedCount - Rejected.Count} more");
        return text.ToString();
    }
}

/// <summary>
/// The one CSV import of subscribers, behind the admin page, the Admin API and <c>broadsheet subscribers import</c>.
/// <para>
/// <see cref="QueueAsync"/> stores the file in an <see cref="ImportJob"/> (format <see cref="ImportJobFormat.SubscribersCsv"/>)
/// and queues a <c>subscriber-import</c> work item, in one transaction, as content imports do; whichever node claims
/// the item runs <see cref="SubscriberImportWork"/>. The file is parsed as it is read (Sep: quoted fields, embedded line
/// breaks, a byte-order mark, CRLF, a semicolon or tab separator found from the first line), 500 rows a transaction.
/// Each transaction also writes the report so far and the row it reached to the job row, so the progress bar moves and
/// an attempt after a crash resumes after the last commit.
/// </para>
/// <para>
/// Rules per row: the address is checked and tidied by <see cref="EmailAddresses.Clean"/> and compared by its canonical
/// form; a suppressed address (every newsletter's or this one's, by <see cref="EmailAddresses.Hash"/>) and one that left
/// this newsletter are never subscribed again; one already on the newsletter is left alone. Re-importing a file is
/// therefore idempotent. Each subscription made gets a <see cref="ConsentRecord"/> (imported confirmed or pending,
/// source Import, the file name and the importer's words).
/// </para>
/// </summary>
public sealed class SubscriberImport(BroadsheetDb db, WorkQueue queue, TimeProvider clock)
{
    public const string WorkKind = "subscriber-import";
    private const int BatchSize = 500;

    /// <summary>What a <c>subscriber-import</c> work item holds.</summary>
    public sealed record Payload(int JobId, SubscriberImportRequest Request);

    public async Task<(int JobId, long WorkItemId)> QueueAsync(SubscriberImportRequest request, string fileName, Stream file, string? by, CancellationToken cancellationToken)
    {
        var job = new ImportJob
        {
            Format = ImportJobFormat.SubscribersCsv,
            FileName = fileName.Length > 300 ? fileName[..300] : fileName,
            FileSize = file.Length - file.Position,
            UploadedBy = by is { Length: > 450 } ? by[..450] : by,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        long workItemId;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            db.ImportJobs.Add(job);
            await db.SaveChangesAsync(cancellationToken);
            await ImportJobFiles.WriteAsync(db, job.Id, file, cancellationToken);
            workItemId = await queue.EnqueueAsync(db, WorkKind, new Payload(job.Id, request), dedupeKey: $"job:{job.Id}", cancellationToken: cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        queue.Wake();
        return (job.Id, workItemId);
    }

    /// <summary>A subscriber import job, without its file: its state and report (null when there is none of that id).</summary>
    public async Task<(ImportJob Job, SubscriberImportReport? Report)?> JobAsync(int jobId, CancellationToken cancellationToken)
    {
        var job = await db.ImportJobs.AsNoTracking().Where(j => j.Id == jobId && j.Format == ImportJobFormat.SubscribersCsv)
            .Select(j => new ImportJob
            {
                Id = j.Id, Format = j.Format, Status = j.Status, FileName = j.FileName, FileSize = j.FileSize, CreatedAt = j.CreatedAt, UploadedBy = j.UploadedBy,
                StartedAt = j.StartedAt, FinishedAt = j.FinishedAt, BytesRead = j.BytesRead, Items = j.Items, SummaryJson = j.SummaryJson, Error = j.Error,
            })
            .SingleOrDefaultAsync(cancellationToken);
        return job is null ? null : (job, SubscriberImportReport.FromJson(job.SummaryJson));
    }

    /// <summary>Runs (or resumes) one job to its end. Throws <see cref="ImportFailedException"/> when the file cannot be imported at all.</summary>
    internal async Task RunAsync(int jobId, SubscriberImportRequest request, string fileName, Stream file, SubscriberImportReport? resumed, CancellationToken cancellationToken)
    {
        var newsletter = await db.Newsletters.AsNoTracking().Where(n => n.Id == request.NewsletterId).Select(n => new { n.Id, n.Name }).FirstOrDefaultAsync(cancellationToken)
            ?? throw new ImportFailedException(fileName, null, $"newsletter {request.NewsletterId} does not exist (any more)");
        var report = resumed ?? new SubscriberImportReport { NewsletterId = newsletter.Id, Confirmed = request.Confirmed };
        var detail = Truncate(string.IsNullOrWhiteSpace(request.Source) ? fileName : $"{fileName}: {request.Source.Trim()}", 500);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        using var reader = Open(file, fileName);
        if (!reader.MoveNext())
        {
            report.Finished = true;
            await CommitAsync(jobId, report, file, [], [], cancellationToken);
            return;
        }
        var columns = Columns(reader.Current, request, fileName);
        report.HasHeader = columns.HasHeader;
        report.EmailColumn = columns.EmailName;
        report.NameColumn = columns.NameName;
        var pending = new List<CsvRow>(BatchSize);
        if (!columns.HasHeader && reader.Current.RowIndex >= report.NextRow) pending.Add(Read(reader.Current, columns));
        while (true)
        {
            var more = true;
            while (pending.Count < BatchSize && (more = reader.MoveNext()))
            {
                if (reader.Current.RowIndex < report.NextRow) continue;
                pending.Add(Read(reader.Current, columns));
            }
            report.NextRow = more ? reader.Current.RowIndex + 1 : int.MaxValue;
            report.Finished = !more;
            await ImportBatchAsync(jobId, pending, request, newsletter.Id, detail, seen, report, file, cancellationToken);
            pending.Clear();
            if (!more) return;
        }
    }

    private async Task ImportBatchAsync(int jobId, List<CsvRow> rows, SubscriberImportRequest request, int newsletterId, string detail, HashSet<string> seen,
        SubscriberImportReport report, Stream file, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var candidates = new List<(CsvRow Row, string Clean, string Canonical, string Hash)>();
        foreach (var row in rows)
        {
            if (row.Blank) continue;
            report.Rows++;
            if (EmailAddresses.Clean(row.Email) is not { } clean)
            {
                report.Reject(row.Line, ImportRejection.BadAddress, row.Email.Length == 0 ? "no address" : $"'{Truncate(row.Email, 80)}' is not an email address");
                continue;
            }
            var canonical = EmailAddresses.Canonical(clean);
            if (!seen.Add(canonical))
            {
                report.Reject(row.Line, ImportRejection.Duplicate, $"{clean} is in the file more than once");
                continue;
            }
            candidates.Add((row, clean, canonical, EmailAddresses.Hash(clean)));
        }
        var canonicals = candidates.Select(c => c.Canonical).ToList();
        var hashes = candidates.Select(c => c.Hash).ToList();
        var existing = await db.Subscribers.Where(s => canonicals.Contains(s.CanonicalEmail))
            .Include(s => s.Subscriptions.Where(x => x.NewsletterId == newsletterId)).ToDictionaryAsync(s => s.CanonicalEmail, StringComparer.Ordinal, cancellationToken);
        var suppressed = (await db.Suppressions.Where(s => hashes.Contains(s.AddressHash) && (s.NewsletterId == Suppression.EveryNewsletter || s.NewsletterId == newsletterId))
            .Select(s => s.AddressHash).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);

        var status = request.Confirmed ? SubscriptionStatus.Confirmed : SubscriptionStatus.Pending;
        var subscribed = new List<Subscriber>();
        foreach (var (row, clean, canonical, hash) in candidates)
        {
            if (suppressed.Contains(hash))
            {
                report.Reject(row.Line, ImportRejection.Suppressed, $"{clean} is suppressed (it left, bounced or was suppressed by an admin)");
                continue;
            }
            if (existing.TryGetValue(canonical, out var person))
            {
                if (person.Subscriptions.FirstOrDefault() is { } subscription)
                {
                    if (subscription.Status == SubscriptionStatus.Unsubscribed)
                        report.Reject(row.Line, ImportRejection.Suppressed, $"{clean} left this newsletter");
                    else
                        report.Reject(row.Line, ImportRejection.AlreadySubscribed, $"{clean} is already subscribed");
                    continue;
                }
                report.Subscribed++;
            }
            else
            {
                person = new Subscriber
                {
                    Email = clean, CanonicalEmail = canonical, AddressHash = hash, Name = row.Name, LinkSecret = SubscriberLinks.NewLinkSecret(),
                    CreatedAt = now, UpdatedAt = now,
                };
                db.Subscribers.Add(person);
                existing[canonical] = person;
                report.Added++;
            }
            person.Subscriptions.Add(new Subscription { NewsletterId = newsletterId, Status = status, CreatedAt = now, ConfirmedAt = request.Confirmed ? now : null });
            subscribed.Add(person);
        }
        await CommitAsync(jobId, report, file, subscribed, [detail], cancellationToken);
    }

    /// <summary>One batch's rows, their consent records and the job's progress and report, in one transaction.</summary>
    private async Task CommitAsync(int jobId, SubscriberImportReport report, Stream file, List<Subscriber> subscribed, string[] detail, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        foreach (var person in subscribed)
            db.ConsentRecords.Add(new ConsentRecord
            {
                SubscriberId = person.Id, NewsletterId = report.NewsletterId, At = now, Source = ConsentSource.Import, Detail = detail[0],
                Action = report.Confirmed ? ConsentAction.ImportedConfirmed : ConsentAction.ImportedPending,
            });
        await db.SaveChangesAsync(cancellationToken);
        var json = report.ToJson();
        var read = report.Finished ? file.Length : Math.Min(file.Position, file.Length);
        var items = report.Added + report.Subscribed;
        if (report.Finished)
            await db.ImportJobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(j => j
                .SetProperty(x => x.Status, ImportJobStatus.Succeeded).SetProperty(x => x.FinishedAt, now).SetProperty(x => x.Error, (string?)null)
                .SetProperty(x => x.SummaryJson, json).SetProperty(x => x.BytesRead, read).SetProperty(x => x.Items, items)
                .SetProperty(x => x.File, (byte[]?)null), cancellationToken);
        else
            await db.ImportJobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(j => j
                .SetProperty(x => x.SummaryJson, json).SetProperty(x => x.BytesRead, read).SetProperty(x => x.Items, items), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }

    private static SepReader Open(Stream file, string fileName)
    {
        try
        {
            // No header handling by Sep: whether the first row is a heading is decided here (Columns), and rows
            // of differing lengths are normal in hand-made lists.
            return Sep.Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true, Trim = SepTrim.Outer }).From(file);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new ImportFailedException(fileName, null, $"this is not a CSV file Broadsheet can read ({e.Message})", e);
        }
    }

    private sealed record CsvRow(int Line, string Email, string? Name, bool Blank);

    private sealed record ColumnChoice(bool HasHeader, int Email, int[] Name, string EmailName, string? NameName);

    private static CsvRow Read(SepReader.Row row, ColumnChoice columns)
    {
        var line = row.LineNumberFrom;
        var email = columns.Email < row.ColCount ? row[columns.Email].ToString() : "";
        var blank = row.ColCount <= 1 && email.Length == 0;
        var parts = new List<string>(columns.Name.Length);
        foreach (var i in columns.Name)
            if (i < row.ColCount && row[i].ToString() is { Length: > 0 } part) parts.Add(part);
        var name = string.Join(' ', parts);
        return new CsvRow(line, email, name.Length == 0 ? null : Truncate(XmlSafeText.Clean(name).Trim(), 300), blank);
    }

    private static readonly string[] EmailHeadings = ["email", "e-mail", "email address", "e-mail address", "mail", "emailaddress", "email_address", "address"];
    private static readonly string[] NameHeadings = ["name", "full name", "fullname", "full_name", "display name", "subscriber name"];
    private static readonly string[] FirstNameHeadings = ["first name", "firstname", "first_name", "given name", "forename"];
    private static readonly string[] LastNameHeadings = ["last name", "lastname", "last_name", "surname", "family name"];

    /// <summary>Which column is the address and which the name, from the request or the first row.</summary>
    private static ColumnChoice Columns(SepReader.Row first, SubscriberImportRequest request, string fileName)
    {
        var cells = new string[first.ColCount];
        for (var i = 0; i < cells.Length; i++) cells[i] = first[i].ToString();
        if (cells.Length > 0) cells[0] = cells[0].TrimStart('\uFEFF'); // a byte-order mark the reader left in
        var anyAddress = cells.Any(c => EmailAddresses.Clean(c) is not null);
        var hasHeader = !anyAddress;
        int FindHeading(string[] headings) => Array.FindIndex(cells, c => headings.Contains(c.Trim().ToLowerInvariant()));
        int Pick(string given, string what)
        {
            if (int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                if (number < 1) throw new ImportFailedException(fileName, null, $"the {what} column is numbered from 1 (it was given as {given})");
                return number - 1;
            }
            var at = Array.FindIndex(cells, c => string.Equals(c.Trim(), given.Trim(), StringComparison.OrdinalIgnoreCase));
            if (at < 0 || !hasHeader)
                throw new ImportFailedException(fileName, null, $"no column is headed '{given}' (the first line is: {Truncate(string.Join(", ", cells), 200)})");
            return at;
        }
        string Label(int i) => hasHeader && i < cells.Length ? $"{cells[i]} (column {i + 1})" : $"column {i + 1}";

        int email;
        if (!string.IsNullOrWhiteSpace(request.EmailColumn)) email = Pick(request.EmailColumn, "email");
        else if (hasHeader)
        {
            email = FindHeading(EmailHeadings);
            if (email < 0)
                throw new ImportFailedException(fileName, null, $"no column is headed 'email' and the first line holds no address (it is: {Truncate(string.Join(", ", cells), 200)}); say which column holds the addresses");
        }
        else email = Array.FindIndex(cells, c => EmailAddresses.Clean(c) is not null);

        int[] name;
        if (request.NameColumn is "-") name = [];
        else if (!string.IsNullOrWhiteSpace(request.NameColumn)) name = [Pick(request.NameColumn, "name")];
        else if (hasHeader)
        {
            var full = FindHeading(NameHeadings);
            var firstName = FindHeading(FirstNameHeadings);
            var lastName = FindHeading(LastNameHeadings);
            name = full >= 0 ? [full] : firstName >= 0 ? lastName >= 0 ? [firstName, lastName] : [firstName] : [];
        }
        // "address,name" with no heading: the other column of two is the name.
        else name = cells.Length == 2 ? [1 - email] : [];
        return new ColumnChoice(hasHeader, email, name, Label(email), name.Length == 0 ? null : string.Join(" + ", name.Select(Label)));
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}

/// <summary>
/// The handler of <c>subscriber-import</c> work items. Idempotent: the file is re-read from the start each attempt, rows
/// before the report's <see cref="SubscriberImportReport.NextRow"/> (committed by an earlier attempt) are skipped, and a
/// row that reached the database anyway is found already subscribed. A finished job is not run again.
/// </summary>
internal sealed class SubscriberImportWork(BroadsheetDb db, SubscriberImport import, IServiceScopeFactory scopes, TimeProvider clock, ILogger<SubscriberImportWork> logger) : IWorkHandler
{
    public async Task RunAsync(WorkContext work, CancellationToken cancellationToken)
    {
        var payload = work.Read<SubscriberImport.Payload>();
        var job = await db.ImportJobs.AsNoTracking().Where(j => j.Id == payload.JobId)
            .Select(j => new { j.Status, j.FileName, j.SummaryJson }).SingleOrDefaultAsync(cancellationToken)
            ?? throw new WorkFailedException($"Import job {payload.JobId} is not there any more.");
        if (job.Status is ImportJobStatus.Succeeded or ImportJobStatus.Failed) return;
        var now = clock.GetUtcNow().UtcDateTime;
        await db.ImportJobs.Where(j => j.Id == payload.JobId).ExecuteUpdateAsync(j => j.SetProperty(x => x.Status, ImportJobStatus.Running).SetProperty(x => x.StartedAt, now), cancellationToken);
        try
        {
            await using var file = new FileStream(Path.Combine(Path.GetTempPath(), $"broadsheet-subscribers-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None,
                64 * 1024, FileOptions.DeleteOnClose | FileOptions.SequentialScan);
            await ImportJobFiles.CopyToAsync(db, payload.JobId, file, cancellationToken);
            file.Position = 0;
            await import.RunAsync(payload.JobId, payload.Request, job.FileName, file, SubscriberImportReport.FromJson(job.SummaryJson), cancellationToken);
        }
        catch (ImportFailedException e)
        {
            await FailedAsync(payload.JobId, e.Message);
            throw new WorkFailedException(e.Message, e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.SubscriberImportFailed(e, payload.JobId, work.Attempt, work.MaxAttempts);
            if (work.IsLastAttempt) await FailedAsync(payload.JobId, "The import stopped with an unexpected error (it is in the server's log). The rows before it are imported; import the file again to add the rest (rows already in are left alone).");
            throw;
        }
    }

    private async Task FailedAsync(int jobId, string error)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().ImportJobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(j => j
            .SetProperty(x => x.Status, ImportJobStatus.Failed).SetProperty(x => x.FinishedAt, now).SetProperty(x => x.Error, error)
            .SetProperty(x => x.File, (byte[]?)null), CancellationToken.None);
    }
}

internal static partial class SubscriberImportLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Subscriber import job {JobId} failed on attempt {Attempt} of {MaxAttempts}")]
    public static partial void SubscriberImportFailed(this ILogger logger, Exception e, int jobId, int attempt, int maxAttempts);
}
