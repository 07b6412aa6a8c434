using System.Globalization;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Export;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Admin.Export;

/// <summary>
/// /admin/export: an Administrator downloads the site as the same JSON backup that <c>broadsheet export json</c>
/// writes (everything but password hashes, which only the command line can include). The backup is
/// written to a temporary file first, so a failure answers an error page instead of half a file.
/// </summary>
[Authorize(Policy = Policies.Administer)]
public sealed class IndexModel(JsonBackup backup, ILogger<IndexModel> logger) : AdminPageModel
{
    /// <summary>
    /// One export at a time per node: writing a backup holds the whole site in memory for a moment, and
    /// a second click (or a second administrator) should not double that.
    /// </summary>
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!await OneAtATime.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            Error = "A backup is being written already. Try again in a minute.";
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }
        try
        {
            return await ExportAsync(cancellationToken);
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    private async Task<IActionResult> ExportAsync(CancellationToken cancellationToken)
    {
        var temp = new FileStream(Path.Combine(Path.GetTempPath(), $"broadsheet-export-{Guid.NewGuid():N}.json"), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await backup.ExportAsync(temp, includePasswordHashes: false, cancellationToken);
            temp.Position = 0;
        }
        catch (Exception e)
        {
            await temp.DisposeAsync(); // deletes the partial file
            if (e is OperationCanceledException) throw;
            logger.BackupFailed(e);
            Error = "The backup could not be written; nothing was downloaded. The server log says why.";
            Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Page();
        }
        Response.Headers.CacheControl = "no-store";
        var day = NowUtc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        // FileStreamResult disposes the stream after sending, which deletes the temporary file.
        return File(temp, "application/json", $"broadsheet-backup-{day}.json");
    }
}

/// <summary>The log lines above, source-generated so a disabled level costs nothing (CA1848).</summary>
internal static partial class ExportLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Writing a backup for download failed")]
    public static partial void BackupFailed(this ILogger logger, Exception e);
}
