using Broadsheet.Data;
using Broadsheet.Data.WorkQueue;
using Broadsheet.Features.Export;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Import;

/// <summary>
/// The handler of <c>import</c> work items: runs one <see cref="ImportJob"/> through the same
/// <see cref="Importer"/> / <see cref="JsonBackup"/> as ever and records its end on the job row.
/// <para>
/// Idempotent, so the queue may run it again after a node died mid-way: the import is one transaction, so
/// an attempt that died wrote nothing and the next starts from the beginning of the file (its checkpoint is
/// "nothing yet"); the job's end (succeeded, with the summary) is written inside that same transaction, so a
/// job that reads finished is finished, and an attempt that finds it so does nothing. Even a second run of
/// a finished import would add nothing: records are matched by their source keys.
/// </para>
/// Progress is kept in this node's memory (<see cref="ImportJobs"/>) and, where the database lets another
/// connection write beside the import's transaction (PostgreSQL: <see cref="IDatabaseDialect.WritesBesideATransaction"/>),
/// written to the job row about once a second for the other nodes; on SQLite (one node) the import's transaction
/// holds the only write lock, so the row cannot be written meanwhile, and need not be.
/// </summary>
internal sealed class ImportWork(BroadsheetDb db, IServiceScopeFactory scopes, ImportJobs jobs, Importer importer, JsonBackup backup, TimeProvider clock, ILogger<ImportWork> logger) : IWorkHandler
{
    private ImportJobs Jobs => jobs;
    private ILogger Logger => logger;

    /// <summary>What an <c>import</c> work item holds.</summary>
    public sealed record Payload(int JobId);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task RunAsync(WorkContext work, CancellationToken cancellationToken)
    {
        var jobId = work.Read<Payload>().JobId;
        // Everything but the file, which is streamed to a temporary file and parsed from there: the
        // readers hold one post at a time, so the import's memory follows the largest post, not the file.
        var job = await db.ImportJobs.AsNoTracking().Where(j => j.Id == jobId)
            .Select(j => new ImportJob { Id = j.Id, Format = j.Format, FileName = j.FileName, FileSize = j.FileSize, Status = j.Status })
            .SingleOrDefaultAsync(cancellationToken) ?? throw new WorkFailedException($"Import job {jobId} is not there any more.");
        // An earlier attempt recorded the end, and its node stopped before the work item was marked done.
        if (job.Status is ImportJobStatus.Succeeded or ImportJobStatus.Failed) return;

        var now = Now;
        await Job(jobId).ExecuteUpdateAsync(j => j.SetProperty(x => x.Status, ImportJobStatus.Running).SetProperty(x => x.StartedAt, now), cancellationToken);
        jobs.Report(jobId, new ImportProgress(0, job.FileSize, 0));
        var progress = new ProgressRecorder(this, jobId, db.Dialect.WritesBesideATransaction);
        try
        {
            await using var file = new FileStream(Path.Combine(Path.GetTempPath(), $"broadsheet-import-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None,
                64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous | FileOptions.SequentialScan);
            await ImportJobFiles.CopyToAsync(db, jobId, file, cancellationToken);
            file.Position = 0;
            if (job.Format == ImportJobFormat.JsonBackup)
                await backup.RestoreAsync(file, job.FileName, beforeCommit: (summary, ct) => SucceededAsync(jobId, summary, ct), cancellationToken);
            else
                await importer.ImportAsync(job.Format == ImportJobFormat.Blogger ? ImportFormat.Blogger : ImportFormat.WordPress, file, job.FileName, progress,
                    beforeCommit: async (summary, ct) =>
                    {
                        await progress.FlushAsync(ct);
                        await SucceededAsync(jobId, summary, ct);
                    }, cancellationToken);
        }
        catch (ImportFailedException e)
        {
            await FailedAsync(jobId, $"Nothing was imported. {e.Message}");
            throw new WorkFailedException(e.Message, e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.JobFailed(e, jobId, job.FileName, work.Attempt, work.MaxAttempts);
            if (work.IsLastAttempt)
                await FailedAsync(jobId, "Nothing was imported: the import stopped with an unexpected error (it is in the server's log). Try again, or import the file from the command line.");
            else
                await Scoped(jobId, j => j.SetProperty(x => x.Status, ImportJobStatus.Queued));
            throw;
        }
        finally
        {
            jobs.Stopped(jobId);
            await progress.FlushAsync(CancellationToken.None);
        }
    }

    /// <summary>The job's end, through the import's own context (so in its transaction); the file's bytes go with it.</summary>
    private Task<int> SucceededAsync(int jobId, ImportSummary summary, CancellationToken cancellationToken)
    {
        var now = Now;
        var json = ImportJobs.Write(summary);
        return Job(jobId).ExecuteUpdateAsync(j => j
            .SetProperty(x => x.Status, ImportJobStatus.Succeeded).SetProperty(x => x.FinishedAt, now)
            .SetProperty(x => x.SummaryJson, json).SetProperty(x => x.Error, (string?)null)
            .SetProperty(x => x.File, (byte[]?)null), cancellationToken);
    }

    /// <summary>
    /// Recorded on a fresh scope: the import's own context may hold a failed transaction's state. Never over a job
    /// that succeeded: a failure after the import's commit (its cache eviction, say) must not turn the job back to
    /// queued or failed, or the next attempt would find the site already restored and fail.
    /// </summary>
    private Task FailedAsync(int jobId, string error)
    {
        var now = Now;
        return Scoped(jobId, j => j.SetProperty(x => x.Status, ImportJobStatus.Failed).SetProperty(x => x.FinishedAt, now)
            .SetProperty(x => x.Error, error).SetProperty(x => x.File, (byte[]?)null));
    }

    private async Task Scoped(int jobId, Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<ImportJob>> set)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().ImportJobs.Where(j => j.Id == jobId && j.Status != ImportJobStatus.Succeeded)
            .ExecuteUpdateAsync(set, CancellationToken.None);
    }

    private IQueryable<ImportJob> Job(int jobId) => db.ImportJobs.Where(j => j.Id == jobId);

    /// <summary>Keeps this node's live progress, and where the database allows it writes it to the job row about once a second.</summary>
    private sealed class ProgressRecorder(ImportWork work, int jobId, bool toDatabase) : IProgress<ImportProgress>
    {
        private long lastWrite;
        private Task writing = Task.CompletedTask;

        public void Report(ImportProgress value)
        {
            work.Jobs.Report(jobId, value);
            if (!toDatabase || !writing.IsCompleted) return;
            var now = Environment.TickCount64;
            if (now - lastWrite < 1000) return;
            lastWrite = now;
            writing = WriteAsync(value);
        }

        public Task FlushAsync(CancellationToken cancellationToken) => writing.WaitAsync(cancellationToken);

        private async Task WriteAsync(ImportProgress value)
        {
            try
            {
                await work.Scoped(jobId, j => j.SetProperty(x => x.BytesRead, value.BytesRead).SetProperty(x => x.Items, value.Items));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                work.Logger.ProgressNotRecorded(e, jobId);
            }
        }
    }
}

/// <summary>The log lines above, source-generated so a disabled level costs nothing (CA1848).</summary>
internal static partial class ImportWorkLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Import job {JobId} ({FileName}) failed on attempt {Attempt} of {MaxAttempts}")]
    public static partial void JobFailed(this ILogger logger, Exception e, int jobId, string fileName, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the progress of import job {JobId}")]
    public static partial void ProgressNotRecorded(this ILogger logger, Exception e, int jobId);
}
