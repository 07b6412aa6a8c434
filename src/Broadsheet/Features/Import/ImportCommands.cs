using System.CommandLine;
using Broadsheet.Cli;
using Broadsheet.Features.Export;
using Spectre.Console;

namespace Broadsheet.Features.Import;

/// <summary>
/// <c>broadsheet import blogger|wordpress|json FILE</c>. A progress bar on a terminal, plain
/// progress lines when output is redirected, the summary at the end; on failure the reason on
/// stderr and exit code 1, with nothing written.
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

    private static Command FromXml(string name, ImportFormat format, string description)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The export file" };
        var command = new Command(name, description) { file };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = parseResult.GetRequiredValue(file);
            return CommandLine.ImportFileAsync(parseResult, path, "Import failed, nothing was imported.", (services, stream) =>
                WithProgressAsync($"Importing {path.Name}", progress =>
                    services.GetRequiredService<Importer>().ImportAsync(format, stream, path.Name, progress, cancellationToken)), cancellationToken);
        });
        return command;
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
