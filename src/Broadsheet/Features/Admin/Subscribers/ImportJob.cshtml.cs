using Broadsheet.Features.Accounts;
using Broadsheet.Features.Import;
using Broadsheet.Features.Subscribers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Admin.Subscribers;

/// <summary>One subscriber import: a progress bar while it runs (the page refreshes itself), then the report of what was added and each rejected row.</summary>
[Authorize(Policy = Policies.Administer)]
public sealed class ImportJobModel(SubscriberImport import) : AdminPageModel
{
    public ImportJob Job { get; private set; } = null!;
    public SubscriberImportReport? Report { get; private set; }

    public bool Finished => Job.Status is ImportJobStatus.Succeeded or ImportJobStatus.Failed;

    public int Percent => Job.Status == ImportJobStatus.Succeeded ? 100 : Job.FileSize > 0 ? (int)Math.Clamp(Job.BytesRead * 100 / Job.FileSize, 0, 100) : 0;

    public async Task<IActionResult> OnGetAsync(int id, CancellationToken cancellationToken)
    {
        if (await import.JobAsync(id, cancellationToken) is not { } found) return NotFound();
        (Job, Report) = found;
        if (!Finished) Response.Headers.CacheControl = "no-store";
        return Page();
    }

    public static string Reason(ImportRejection reason) => reason switch
    {
        ImportRejection.BadAddress => "Bad address",
        ImportRejection.Duplicate => "Duplicate in the file",
        ImportRejection.AlreadySubscribed => "Already subscribed",
        _ => "Suppressed",
    };
}
