using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Broadsheet.Data;
using Broadsheet.Features.Export;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Import;

/// <summary>
/// Imports uploaded in the admin run here, in the background, so a large file never holds a request
/// open. <see cref="QueueAsync"/> stores the file and a queued <see cref="ImportJob"/> row; every
/// node's worker polls for queued jobs and claims one with a conditional UPDATE (so exactly one node
/// runs it), imports it through the same <see cref="Importer"/> / <see cref="JsonBackup"/> as the CLI,
/// and records the summary or the failure. Progress is kept in this node's memory while it runs and,
/// on PostgreSQL, also written to the row for other nodes; on SQLite (one node, one writer) the row
/// cannot be written while the import's transaction holds the database, and need not be.
/// </summary>
public sealed class ImportJobs(IServiceScopeFactory scopes, TimeProvider clock, ILogger<ImportJobs> logger) : BackgroundService
{
    /// <summary>The largest upload the admin accepts, unless configured (<c>Import:MaxUploadBytes</c>).</summary>
    public const long DefaultMaxUploadBytes = 100L * 1024 * 1024;

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly SemaphoreSlim wake = new(0);
    private readonly ConcurrentDictionary<int, ImportProgress> running = new();
    private IServiceScopeFactory Scopes => scopes;
    private ILogger Logger => logger;

    /// <summary>
    /// Stores the upload as a queued job and wakes this node's worker; returns the job's id. The file is
    /// streamed into the row (<see cref="ImportJobFiles"/>), in the transaction that adds the row, so no
    /// worker sees the job before its file is whole. <paramref name="file"/> must be seekable (a form file is).
    /// </summary>
    public async Task<int> QueueAsync(BroadsheetDb db, ImportJobFormat format, string fileName, Stream file, string? userId, CancellationToken cancellationToken)
    {
        var job = new ImportJob
        {
            Format = format,
            FileName = fileName.Length > 300 ? fileName[..300] : fileName,
            FileSize = file.Length - file.Position,
            UploadedBy = userId,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            db.ImportJobs.Add(job);
            await db.SaveChangesAsync(cancellationToken);
            await ImportJobFiles.WriteAsync(db, job.Id, file, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        wake.Release();
        return job.Id;
    }

    /// <summary>This node's latest progress for a running job, if it is running it.</summary>
    public ImportProgress? LiveProgress(int jobId) => running.TryGetValue(jobId, out var p) ? p : null;

    public static ImportSummary? Summary(ImportJob job) =>
        job.SummaryJson is null ? null : JsonSerializer.Deserialize<ImportSummary>(job.SummaryJson, Json);

    /// <summary>Blogger, WordPress or a JSON backup, judged by the first markup in the file (null: none of them).</summary>
    public static ImportJobFormat? Detect(ReadOnlySpan<byte> start)
    {
        var text = Encoding.UTF8.GetString(start[..Math.Min(start.Length, 4096)]).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (text.StartsWith('{')) return ImportJobFormat.JsonBackup;
        // Skip the XML declaration and comments; the first element names the format.
        var at = 0;
        while ((at = text.IndexOf('<', at)) >= 0 && at + 1 < text.Length && text[at + 1] is '?' or '!') at++;
        if (at < 0) return null;
        var element = text[(at + 1)..];
        if (element.StartsWith("rss", StringComparison.Ordinal)) return ImportJobFormat.WordPress;
        if (element.StartsWith("feed", StringComparison.Ordinal)) return ImportJobFormat.Blogger;
        return null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await ClaimAsync(stoppingToken) is { } jobId) await RunAsync(jobId, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database may not be there yet (a test host starts this before migrating) or be
                // briefly unreachable; the next round tries again.
                logger.LookingForQueuedFailed(e);
            }
            try
            {
                await wake.WaitAsync(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Claims the oldest queued job for this node; null when there is none (or another node took it first).</summary>
    private async Task<int?> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        foreach (var id in await db.ImportJobs.Where(j => j.Status == ImportJobStatus.Queued).OrderBy(j => j.Id).Select(j => j.Id).Take(5).ToListAsync(cancellationToken))
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var claimed = await db.ImportJobs.Where(j => j.Id == id && j.Status == ImportJobStatus.Queued)
                .ExecuteUpdateAsync(j => j.SetProperty(x => x.Status, ImportJobStatus.Running).SetProperty(x => x.StartedAt, now), cancellationToken);
            if (claimed == 1) return id;
        }
        return null;
    }

    private async Task RunAsync(int jobId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        // Everything but the file, which is streamed to a temporary file and parsed from there: the
        // readers hold one post at a time, so the import's memory follows the largest post, not the file.
        var job = await db.ImportJobs.AsNoTracking().Where(j => j.Id == jobId)
            .Select(j => new ImportJob { Id = j.Id, Format = j.Format, FileName = j.FileName, FileSize = j.FileSize })
            .SingleAsync(cancellationToken);
        running[jobId] = new ImportProgress(0, job.FileSize, 0);
        string? summaryJson = null, error = null;
        var progress = new ProgressRecorder(this, jobId, db.Provider == DatabaseProvider.Postgres);
        try
        {
            await using var file = new FileStream(Path.Combine(Path.GetTempPath(), $"broadsheet-import-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None,
                64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous | FileOptions.SequentialScan);
            await ImportJobFiles.CopyToAsync(db, jobId, file, cancellationToken);
            file.Position = 0;
            var summary = job.Format == ImportJobFormat.JsonBackup
                ? await scope.ServiceProvider.GetRequiredService<JsonBackup>().RestoreAsync(file, job.FileName, cancellationToken)
                : await scope.ServiceProvider.GetRequiredService<Importer>().ImportAsync(
                    job.Format == ImportJobFormat.Blogger ? ImportFormat.Blogger : ImportFormat.WordPress, file, job.FileName, progress, cancellationToken);
            summaryJson = JsonSerializer.Serialize(summary, Json);
        }
        catch (ImportFailedException e)
        {
            error = $"Nothing was imported. {e.Message}";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.JobFailed(e, jobId, job.FileName);
            error = "Nothing was imported: the import stopped with an unexpected error (it is in the server's log). Try again, or import the file from the command line.";
        }
        finally
        {
            running.TryRemove(jobId, out _);
        }
        await progress.FlushAsync(CancellationToken.None);
        var now = clock.GetUtcNow().UtcDateTime;
        // Recorded on a fresh scope: the import's own context may hold a failed transaction's state.
        await using var done = scopes.CreateAsyncScope();
        await done.ServiceProvider.GetRequiredService<BroadsheetDb>().ImportJobs.Where(j => j.Id == jobId)
            .ExecuteUpdateAsync(j => j
                .SetProperty(x => x.Status, error is null ? ImportJobStatus.Succeeded : ImportJobStatus.Failed)
                .SetProperty(x => x.FinishedAt, now)
                .SetProperty(x => x.SummaryJson, summaryJson)
                .SetProperty(x => x.Error, error)
                .SetProperty(x => x.File, (byte[]?)null), CancellationToken.None);
    }

    /// <summary>Keeps this node's live progress, and on PostgreSQL writes it to the job row about once a second.</summary>
    private sealed class ProgressRecorder(ImportJobs jobs, int jobId, bool toDatabase) : IProgress<ImportProgress>
    {
        private long lastWrite;
        private Task writing = Task.CompletedTask;

        public void Report(ImportProgress value)
        {
            jobs.running[jobId] = value;
            if (!toDatabase || !writing.IsCompleted) return;
            var now = Environment.TickCount64;
            if (now - lastWrite < 1000) return;
            lastWrite = now;
            writing = WriteAsync(value, CancellationToken.None);
        }

        public Task FlushAsync(CancellationToken cancellationToken) => writing.WaitAsync(cancellationToken);

        private async Task WriteAsync(ImportProgress value, CancellationToken cancellationToken)
        {
            try
            {
                await using var scope = jobs.Scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().ImportJobs.Where(j => j.Id == jobId)
                    .ExecuteUpdateAsync(j => j.SetProperty(x => x.BytesRead, value.BytesRead).SetProperty(x => x.Items, value.Items), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                jobs.Logger.ProgressNotRecorded(e, jobId);
            }
        }
    }

    public override void Dispose()
    {
        wake.Dispose();
        base.Dispose();
    }
}

/// <summary>The log lines above, source-generated so a disabled level costs nothing (CA1848).</summary>
internal static partial class ImportJobsLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look for queued imports")]
    public static partial void LookingForQueuedFailed(this ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "Import job {JobId} ({FileName}) failed")]
    public static partial void JobFailed(this ILogger logger, Exception e, int jobId, string fileName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the progress of import job {JobId}")]
    public static partial void ProgressNotRecorded(this ILogger logger, Exception e, int jobId);
}
