using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Import;
using Broadsheet.Features.Shared;
using Broadsheet.Features.Subscribers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Subscribers;

/// <summary>
/// Import subscribers of one newsletter from a CSV (<see cref="SubscriberImport"/>): the file, which columns hold the
/// address and the name (found by themselves unless said), where their consent was given, and whether it was (only
/// then do they arrive confirmed). The browser goes on to the job's page (progress, then the report). Below, "send
/// confirmation requests" mails every pending subscriber of a newsletter a link to confirm (<see cref="ConfirmationRequests"/>).
/// Administrators only: subscribers are personal data.
/// </summary>
[Authorize(Policy = Policies.Administer)]
[UploadLimit("Import:MaxUploadBytes", ImportJobs.DefaultMaxUploadBytes)]
public sealed class ImportModel(BroadsheetDb db, SubscriberImport import, ConfirmationRequests confirmations, IConfiguration configuration) : AdminPageModel
{
    public sealed record NewsletterRow(int Id, string Name, string Slug, int Pending, int Confirmed);

    public long MaxUploadBytes => Admin.Import.IndexModel.MaxUpload(configuration);

    [BindProperty] public int NewsletterId { get; set; }
    [BindProperty] public IFormFile? Upload { get; set; }
    [BindProperty] public string? EmailColumn { get; set; }
    [BindProperty] public string? NameColumn { get; set; }
    [BindProperty] public string? Source { get; set; }
    [BindProperty] public bool Confirmed { get; set; }

    public string? Error { get; private set; }
    public IReadOnlyList<NewsletterRow> Newsletters { get; private set; } = [];
    public IReadOnlyList<ImportJob> Recent { get; private set; } = [];

    public async Task OnGetAsync(bool tooLarge, CancellationToken cancellationToken)
    {
        if (tooLarge) Error = TooLargeMessage;
        await LoadAsync(cancellationToken);
    }

    private string TooLargeMessage =>
        $"The file is larger than the upload limit of {Admin.Import.IndexModel.Megabytes(MaxUploadBytes)}. Import it from the command line (broadsheet subscribers import …), or raise Import:MaxUploadBytes.";

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (Upload is { Length: var length } && length > MaxUploadBytes) return await RefuseAsync(TooLargeMessage, StatusCodes.Status413PayloadTooLarge, cancellationToken);
        if (Upload is null || Upload.Length == 0) return await RefuseAsync("Choose a CSV file to upload.", StatusCodes.Status400BadRequest, cancellationToken);
        if (!await db.Newsletters.AnyAsync(n => n.Id == NewsletterId, cancellationToken)) return await RefuseAsync("Choose the newsletter they subscribe to.", StatusCodes.Status400BadRequest, cancellationToken);
        if (Confirmed && string.IsNullOrWhiteSpace(Source))
            return await RefuseAsync("Say where these people gave their consent: it is kept with each of them as the evidence of it.", StatusCodes.Status400BadRequest, cancellationToken);
        if (Source is { Length: > 400 } || EmailColumn is { Length: > 200 } || NameColumn is { Length: > 200 })
            return await RefuseAsync("The consent source is at most 400 characters, a column at most 200.", StatusCodes.Status400BadRequest, cancellationToken);
        var request = new SubscriberImportRequest
        {
            NewsletterId = NewsletterId, Confirmed = Confirmed, Source = string.IsNullOrWhiteSpace(Source) ? null : Source.Trim(),
            EmailColumn = string.IsNullOrWhiteSpace(EmailColumn) ? null : EmailColumn.Trim(), NameColumn = string.IsNullOrWhiteSpace(NameColumn) ? null : NameColumn.Trim(),
        };
        await using var upload = Upload.OpenReadStream();
        var name = Path.GetFileName(Upload.FileName);
        var (id, _) = await import.QueueAsync(request, string.IsNullOrWhiteSpace(name) ? "upload.csv" : name, upload, UserId, cancellationToken);
        return Redirect($"/admin/subscribers/import/{id}");
    }

    /// <summary>"Send confirmation requests" to the pending subscribers of one newsletter.</summary>
    public async Task<IActionResult> OnPostConfirmAsync(int newsletter, CancellationToken cancellationToken)
    {
        if (!await db.Newsletters.AnyAsync(n => n.Id == newsletter, cancellationToken)) return await RefuseAsync("There is no such newsletter.", StatusCodes.Status400BadRequest, cancellationToken);
        if (!Site.HasAddress) return await RefuseAsync(Settings.Site.AddressNotSet, StatusCodes.Status400BadRequest, cancellationToken);
        var pending = await ConfirmationRequests.PendingCountAsync(db, newsletter, cancellationToken);
        await confirmations.QueueAsync(db, newsletter, cancellationToken);
        Notice = $"Confirmation requests are being sent to {pending} pending subscriber{(pending == 1 ? "" : "s")}. Each is mailed once; they get issues only after they confirm.";
        return RedirectToPage();
    }

    private async Task<IActionResult> RefuseAsync(string error, int status, CancellationToken cancellationToken)
    {
        Error = error;
        Response.StatusCode = status;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Newsletters = await db.Newsletters.AsNoTracking().OrderBy(n => n.Name).Select(n => new NewsletterRow(n.Id, n.Name, n.Slug,
            db.Subscriptions.Count(s => s.NewsletterId == n.Id && s.Status == SubscriptionStatus.Pending),
            db.Subscriptions.Count(s => s.NewsletterId == n.Id && s.Status == SubscriptionStatus.Confirmed))).ToListAsync(cancellationToken);
        Recent = await db.ImportJobs.AsNoTracking().Where(j => j.Format == ImportJobFormat.SubscribersCsv).OrderByDescending(j => j.Id).Take(10)
            .Select(j => new ImportJob { Id = j.Id, FileName = j.FileName, Format = j.Format, Status = j.Status, CreatedAt = j.CreatedAt, FileSize = j.FileSize })
            .ToListAsync(cancellationToken);
    }
}
