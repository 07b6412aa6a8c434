using System.CommandLine;
using Broadsheet.Cli;
using Broadsheet.Data;
using Broadsheet.Data.WorkQueue;
using Broadsheet.Features.Export;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;

namespace Broadsheet.Features.Import;

/// <summary>
/// <c>broadsheet import blogger|wordpress FILE [--run]</c> queues an import job for the server (with
/// <c>--run</c>, imports it here: a progress bar on a terminal, plain progress lines when output is
/// redirected, the summary at the end; on failure the reason on stderr and exit code 1, with nothing
/// written); <c>import json FILE</c> restores a backup at once.
/// </summary>
internal static class ImportCommands
{
    public static Command Create()
    {
        var import = new Command("import", "Import content from another system, or restore a Broadsheet JSON backup");
        import.Subcommands.Add(FromXml("blogger", ImportFormat.Blogger, "Import a Blogger export: the classic 'Back up content' file or Takeout's feed.atom"));
        import.Subcommands.Add(FromXml("wordpress", ImportFormat.WordPress, "Import a WordPress export (WXR 1.0–1.2, Tools → Export in WordPress)"));
        import.Subcommands.Add(JsonBackupCommands.Restore());
        return import;
    }

    /// <summary>
    /// Queues the file as an import job (as the admin upload does); a running server on the same database
    /// imports it. With <c>--run</c> this process runs it instead, through the same handler, until it is done.
    /// </summary>
    private static Command FromXml(string name, ImportFormat format, string description)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The export file" };
        var run = new Option<bool>("--run") { Description = "Import here and now, and wait for the end (for a site with no server running)" };
        var command = new Command(name, description) { file, run };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var path = parseResult.GetRequiredValue(file);
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"{path.FullName}: no such file");
                return 1;
            }
            var jobFormat = format == ImportFormat.Blogger ? ImportJobFormat.Blogger : ImportJobFormat.WordPress;
            if (await OtherFormatAsync(path, jobFormat) is { } other)
            {
                await Console.Error.WriteLineAsync($"Import failed, nothing was imported. {path.Name} is a {other} export; use 'broadsheet import {other.ToLowerInvariant()} {path.Name}'.");
                return 1;
            }
            return await CommandLine.InScopeAsync(parseResult, async services =>
            {
                var jobs = services.GetRequiredService<ImportJobs>();
                (int JobId, long WorkItemId) queued;
                await using (var stream = new FileStream(path.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan))
                    queued = await jobs.QueueAsync(services.GetRequiredService<BroadsheetDb>(), jobFormat, path.Name, stream, userId: null, cancellationToken);
                if (!parseResult.GetValue(run))
                {
                    Console.Out.WriteLine($"Queued import job {queued.JobId} ({path.Name}). A running Broadsheet server on this site imports it (see /admin/import/{queued.JobId}); to import it here instead, add --run.");
                    return 0;
                }
                return await RunAsync(services, queued.JobId, queued.WorkItemId, path.Name, cancellationToken);
            }, cancellationToken);
        });
        return command;
    }

    /// <summary>Runs the queued job's work item in this process, with the progress bar; prints the summary, or the failure on stderr (exit 1).</summary>
    private static async Task<int> RunAsync(IServiceProvider services, int jobId, long workItemId, string fileName, CancellationToken cancellationToken)
    {
        var jobs = services.GetRequiredService<ImportJobs>();
        var item = await WithProgressAsync($"Importing {fileName}", async progress =>
        {
            using (jobs.Watch(jobId, progress))
                return await services.GetRequiredService<WorkQueueRunner>().RunToEndAsync(workItemId, cancellationToken);
        });
        var job = await services.GetRequiredService<BroadsheetDb>().ImportJobs.AsNoTracking().SingleAsync(j => j.Id == jobId, cancellationToken);
        if (job.Status == ImportJobStatus.Succeeded && ImportJobs.Summary(job) is { } summary)
        {
            Console.Out.Write(summary.ToString());
            return 0;
        }
        await Console.Error.WriteLineAsync($"Import failed, nothing was imported. {item.LastError}");
        return 1;
    }

    /// <summary>The other XML format's name when the file plainly is one (its first element), so the mistake is told before anything is queued.</summary>
    private static async Task<string?> OtherFormatAsync(FileInfo path, ImportJobFormat wanted)
    {
        var start = new byte[4096];
        int read;
        await using (var stream = path.OpenRead()) read = await stream.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false);
        return ImportJobs.Detect(start.AsSpan(0, read)) switch
        {
            ImportJobFormat.Blogger when wanted != ImportJobFormat.Blogger => "Blogger",
            ImportJobFormat.WordPress when wanted != ImportJobFormat.WordPress => "WordPress",
            _ => null,
        };
    }

    /// <summary>A Spectre.Console bar on an interactive terminal; otherwise a plain line every tenth of the file.</summary>
    internal static async Task<T> WithProgressAsync<T>(string title, Func<IProgress<ImportProgress>, Task<T>> work)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            var lastTenth = -1;
            var plain = new Progress(p =>
            {
                if (p.TotalBytes is not > 0) return;
                var tenth = (int)(p.BytesRead * 10 / p.TotalBytes.Value);
                if (tenth <= lastTenth) return;
                lastTenth = tenth;
                Console.Out.WriteLine($"{title}: {tenth * 10}% ({p.Items} items)");
            });
            return await work(plain);
        }
        T result = default!;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(title, maxValue: 1);
                result = await work(new Progress(p =>
                {
                    if (p.TotalBytes is > 0) task.Value = (double)p.BytesRead / p.TotalBytes.Value;
                    task.Description = $"{title} ({p.Items} items)";
                }));
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>Reports on the calling thread (System.Progress would post to the thread pool and could report after the end).</summary>
    private sealed class Progress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
