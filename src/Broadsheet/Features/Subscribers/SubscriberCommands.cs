using System.CommandLine;
using Broadsheet.Cli;
using Broadsheet.Data;
using Broadsheet.Data.WorkQueue;
using Broadsheet.Features.Import;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Subscribers;

/// <summary>
/// <c>broadsheet subscribers import FILE.csv --newsletter SLUG [--confirmed --source TEXT] [--email-column C]
/// [--name-column C] [--run]</c>: queues the CSV import (<see cref="SubscriberImport"/>) for a running server, or with
/// <c>--run</c> runs it here to the end and prints the report. Exit 1 when the file cannot be imported.
/// </summary>
internal static class SubscriberCommands
{
    public static Command Create()
    {
        var subscribers = new Command("subscribers", "Manage newsletter subscribers");
        subscribers.Subcommands.Add(Import());
        return subscribers;
    }

    private static Command Import()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A CSV file: one subscriber a row; a heading row is recognised (email, name, first name, last name)" };
        var newsletter = new Option<string>("--newsletter") { Description = "The newsletter's slug", Required = true };
        var confirmed = new Option<bool>("--confirmed") { Description = "These people already consented to this newsletter elsewhere: subscribe them confirmed (otherwise pending until they confirm)" };
        var source = new Option<string?>("--source") { Description = "Where their consent was given, kept on every consent record (e.g. \"paper sign-up sheets, 2019\")" };
        var emailColumn = new Option<string?>("--email-column") { Description = "The address column's heading or number (from 1), if it is not found by itself" };
        var nameColumn = new Option<string?>("--name-column") { Description = "The name column's heading or number (from 1); '-' for none" };
        var run = new Option<bool>("--run") { Description = "Import here and now, and wait for the end (for a site with no server running)" };
        var command = new Command("import", "Import subscribers of one newsletter from a CSV file") { file, newsletter, confirmed, source, emailColumn, nameColumn, run };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var path = parsed.GetRequiredValue(file);
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"{path.FullName}: no such file");
                return 1;
            }
            if (parsed.GetValue(confirmed) && string.IsNullOrWhiteSpace(parsed.GetValue(source)))
            {
                await Console.Error.WriteLineAsync("--confirmed needs --source: say where these people gave their consent (it is kept as the evidence of it).");
                return 2;
            }
            return await CommandLine.InScopeAsync(parsed, async services =>
            {
                var db = services.GetRequiredService<BroadsheetDb>();
                var slug = parsed.GetRequiredValue(newsletter);
                var newsletterId = await db.Newsletters.Where(n => n.Slug == slug).Select(n => (int?)n.Id).FirstOrDefaultAsync(cancellationToken);
                if (newsletterId is null)
                {
                    await Console.Error.WriteLineAsync($"There is no newsletter '{slug}'. Make it first: broadsheet newsletter add {slug} --name NAME --from \"Name <address>\"");
                    return 1;
                }
                var request = new SubscriberImportRequest
                {
                    NewsletterId = newsletterId.Value,
                    Confirmed = parsed.GetValue(confirmed),
                    Source = parsed.GetValue(source),
                    EmailColumn = parsed.GetValue(emailColumn),
                    NameColumn = parsed.GetValue(nameColumn),
                };
                var import = services.GetRequiredService<SubscriberImport>();
                (int JobId, long WorkItemId) queued;
                await using (var stream = new FileStream(path.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan))
                    queued = await import.QueueAsync(request, path.Name, stream, "cli", cancellationToken);
                if (!parsed.GetValue(run))
                {
                    Console.Out.WriteLine($"Queued subscriber import job {queued.JobId} ({path.Name}). A running Broadsheet server on this site imports it (see /admin/subscribers/import/{queued.JobId}); to import it here instead, add --run.");
                    return 0;
                }
                var runner = services.GetRequiredService<WorkQueueRunner>();
                var scopes = services.GetRequiredService<IServiceScopeFactory>();
                var item = await ImportCommands.WithProgressAsync($"Importing {path.Name}", async progress =>
                {
                    var running = runner.RunToEndAsync(queued.WorkItemId, cancellationToken);
                    // The import commits (and records its progress on the job) batch by batch; read it from there.
                    while (!running.IsCompleted)
                    {
                        await Task.WhenAny(running, Task.Delay(500, cancellationToken));
                        await using var scope = scopes.CreateAsyncScope();
                        var row = await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().ImportJobs.AsNoTracking().Where(j => j.Id == queued.JobId)
                            .Select(j => new { j.BytesRead, j.FileSize, j.Items }).SingleAsync(cancellationToken);
                        progress.Report(new ImportProgress(row.BytesRead, row.FileSize, row.Items));
                    }
                    return await running;
                });
                var job = await import.JobAsync(queued.JobId, cancellationToken);
                if (job is { Job.Status: ImportJobStatus.Succeeded, Report: { } report })
                {
                    Console.Out.Write(report.ToString());
                    return 0;
                }
                await Console.Error.WriteLineAsync($"Import failed. {job?.Job.Error ?? item.LastError}");
                return 1;
            }, cancellationToken);
        });
        return command;
    }
}
