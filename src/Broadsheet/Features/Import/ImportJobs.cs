using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Broadsheet.Data;
using Broadsheet.Data.WorkQueue;

namespace Broadsheet.Features.Import;

/// <summary>
/// Imports queued from the admin upload or the CLI. <see cref="QueueAsync"/> stores the file in a queued
/// <see cref="ImportJob"/> row and puts an <c>import</c> item for it on the work queue, in one transaction;
/// whichever node's runner claims the item runs it (<see cref="ImportWork"/>). This service keeps what only
/// this node knows: the live progress of the jobs it is running, for the job page and the CLI's bar.
/// </summary>
public sealed class ImportJobs(WorkQueue queue, TimeProvider clock)
{
    /// <summary>The largest upload the admin accepts, unless configured (<c>Import:MaxUploadBytes</c>).</summary>
    public const long DefaultMaxUploadBytes = 100L * 1024 * 1024;

    /// <summary>The kind of work item an import is.</summary>
    public const string WorkKind = "import";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<int, ImportProgress> running = new();
    private readonly ConcurrentDictionary<int, IProgress<ImportProgress>> watchers = new();

    /// <summary>
    /// Stores the upload as a queued job with its work item and wakes this node's runner; returns both ids. The
    /// file is streamed into the row (<see cref="ImportJobFiles"/>), in the transaction that adds the row and the
    /// work item, so no runner sees the job before its file is whole. <paramref name="file"/> must be seekable (a
    /// form file and a file on disk are).
    /// </summary>
    public async Task<(int JobId, long WorkItemId)> QueueAsync(BroadsheetDb db, ImportJobFormat format, string fileName, Stream file, string? userId, CancellationToken cancellationToken)
    {
        var job = new ImportJob
        {
            Format = format,
            FileName = fileName.Length > 300 ? fileName[..300] : fileName,
            FileSize = file.Length - file.Position,
            UploadedBy = userId,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        long workItemId;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            db.ImportJobs.Add(job);
            await db.SaveChangesAsync(cancellationToken);
            await ImportJobFiles.WriteAsync(db, job.Id, file, cancellationToken);
            workItemId = await queue.EnqueueAsync(db, WorkKind, new ImportWork.Payload(job.Id), dedupeKey: $"job:{job.Id}", cancellationToken: cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        queue.Wake();
        return (job.Id, workItemId);
    }

    /// <summary>This node's latest progress for a running job, if it is running it.</summary>
    public ImportProgress? LiveProgress(int jobId) => running.TryGetValue(jobId, out var p) ? p : null;

    /// <summary>Passes this node's progress of job <paramref name="jobId"/> to <paramref name="progress"/> until disposed (the CLI's bar).</summary>
    public IDisposable Watch(int jobId, IProgress<ImportProgress> progress)
    {
        watchers[jobId] = progress;
        return new Unwatch(() => watchers.TryRemove(jobId, out _));
    }

    internal void Report(int jobId, ImportProgress progress)
    {
        running[jobId] = progress;
        if (watchers.TryGetValue(jobId, out var watcher)) watcher.Report(progress);
    }

    internal void Stopped(int jobId) => running.TryRemove(jobId, out _);

    public static ImportSummary? Summary(ImportJob job) =>
        job.SummaryJson is null ? null : JsonSerializer.Deserialize<ImportSummary>(job.SummaryJson, Json);

    internal static string Write(ImportSummary summary) => JsonSerializer.Serialize(summary, Json);

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

    private sealed class Unwatch(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
