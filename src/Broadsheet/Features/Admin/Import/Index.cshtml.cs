using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Import;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Import;

/// <summary>
/// Upload a Blogger or WordPress export, or a Broadsheet JSON backup (Administrators and the Owner).
/// The file is stored with a queued job and imported in the background (<see cref="ImportJobs"/>);
/// the browser is sent to the job's page, which shows progress and then the summary.
/// </summary>
[Authorize(Policy = Policies.Administer)]
[UploadLimit("Import:MaxUploadBytes", ImportJobs.DefaultMaxUploadBytes)]
public sealed class IndexModel(BroadsheetDb db, ImportJobs jobs, IConfiguration configuration) : AdminPageModel
{
    public long MaxUploadBytes => MaxUpload(configuration);

    [BindProperty] public string Format { get; set; } = "detect";
    [BindProperty] public IFormFile? Upload { get; set; }

    public string? Error { get; private set; }
    public IReadOnlyList<ImportJob> Recent { get; private set; } = [];

    public static long MaxUpload(IConfiguration configuration) => configuration.GetValue("Import:MaxUploadBytes", ImportJobs.DefaultMaxUploadBytes);

    public static string Megabytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " MB";

    public async Task OnGetAsync(bool tooLarge, CancellationToken cancellationToken)
    {
        if (tooLarge) Error = TooLargeMessage;
        await LoadAsync(cancellationToken);
    }

    private string TooLargeMessage =>
        $"The file is larger than the upload limit of {Megabytes(MaxUploadBytes)}. Import it from the command line (broadsheet import …), or raise Import:MaxUploadBytes.";

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (Upload is { Length: var length } && length > MaxUploadBytes)
            return await RefuseAsync(TooLargeMessage, StatusCodes.Status413PayloadTooLarge, cancellationToken);
        if (Upload is null || Upload.Length == 0)
            return await RefuseAsync("Choose an export file to upload.", StatusCodes.Status400BadRequest, cancellationToken);

        // The form reader has already buffered the file to a temporary file on disk; it is read from there,
        // its first bytes to recognise it, then all of it into the job (never into memory as a whole).
        await using var upload = Upload.OpenReadStream();
        var start = new byte[4096];
        var read = await upload.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, cancellationToken);
        upload.Position = 0;
        ImportJobFormat? format = Format switch
        {
            "blogger" => ImportJobFormat.Blogger,
            "wordpress" => ImportJobFormat.WordPress,
            "json" => ImportJobFormat.JsonBackup,
            _ => ImportJobs.Detect(start.AsSpan(0, read)),
        };
        if (format is null)
            return await RefuseAsync($"{Upload.FileName}: this does not look like a Blogger export (an Atom feed), a WordPress export (an RSS file) or a Broadsheet JSON backup. Choose the format if you are sure.", StatusCodes.Status400BadRequest, cancellationToken);
        var name = Path.GetFileName(Upload.FileName);
        var (id, _) = await jobs.QueueAsync(db, format.Value, string.IsNullOrWhiteSpace(name) ? "upload" : name, upload, UserId, cancellationToken);
        return Redirect($"/admin/import/{id}");
    }

    private async Task<IActionResult> RefuseAsync(string error, int status, CancellationToken cancellationToken)
    {
        Error = error;
        Response.StatusCode = status;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken) =>
        Recent = await db.ImportJobs.AsNoTracking().Where(j => j.Format != ImportJobFormat.SubscribersCsv).OrderByDescending(j => j.Id).Take(10)
            .Select(j => new ImportJob { Id = j.Id, FileName = j.FileName, Format = j.Format, Status = j.Status, CreatedAt = j.CreatedAt, FileSize = j.FileSize })
            .ToListAsync(cancellationToken);
}
