using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Import;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Import;

/// <summary>One import's progress (the page refreshes itself while it runs) and then its summary or its failure.</summary>
[Authorize(Policy = Policies.Administer)]
public sealed class JobModel(BroadsheetDb db, ImportJobs jobs) : AdminPageModel
{
    public ImportJob Job { get; private set; } = null!;
    public ImportSummary? Summary { get; private set; }
    public long BytesRead { get; private set; }
    public int Items { get; private set; }

    public bool Finished => Job.Status is ImportJobStatus.Succeeded or ImportJobStatus.Failed;

    /// <summary>Per cent of the file read so far.</summary>
    public int Percent => Job.FileSize > 0 ? (int)Math.Clamp(BytesRead * 100 / Job.FileSize, 0, 100) : 0;

    public async Task<IActionResult> OnGetAsync(int id, CancellationToken cancellationToken)
    {
        // The file itself stays in the database; the page needs everything else.
        var job = await db.ImportJobs.AsNoTracking().Where(j => j.Id == id)
            .Select(j => new ImportJob
            {
                Id = j.Id, Format = j.Format, Status = j.Status, FileName = j.FileName, FileSize = j.FileSize, CreatedAt = j.CreatedAt,
                StartedAt = j.StartedAt, FinishedAt = j.FinishedAt, BytesRead = j.BytesRead, Items = j.Items, SummaryJson = j.SummaryJson, Error = j.Error,
            })
            .SingleOrDefaultAsync(cancellationToken);
        if (job is null) return NotFound();
        // A CSV of subscribers has its own page (Admin/Subscribers/ImportJob).
        if (job.Format == ImportJobFormat.SubscribersCsv) return Redirect($"/admin/subscribers/import/{id}");
        Job = job;
        Summary = ImportJobs.Summary(job);
        (BytesRead, Items) = jobs.LiveProgress(id) is { } live ? (live.BytesRead, live.Items) : (job.BytesRead, job.Items);
        if (job.Status == ImportJobStatus.Succeeded) BytesRead = job.FileSize;
        if (!Finished) Response.Headers.CacheControl = "no-store";
        return Page();
    }

    public static string FormatName(ImportJobFormat format) => format switch
    {
        ImportJobFormat.Blogger => "Blogger",
        ImportJobFormat.WordPress => "WordPress",
        _ => "JSON backup",
    };

    public static string StatusName(ImportJobStatus status) => status switch
    {
        ImportJobStatus.Queued => "Waiting to start",
        ImportJobStatus.Running => "Importing",
        ImportJobStatus.Succeeded => "Imported",
        _ => "Failed — nothing imported",
    };
}
