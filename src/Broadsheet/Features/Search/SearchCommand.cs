using System.CommandLine;
using System.Diagnostics;
using Broadsheet.Cli;
using Spectre.Console;

namespace Broadsheet.Features.Search;

/// <summary><c>broadsheet search reindex</c>: rebuilds the whole search index, with a progress bar (plain lines when output is redirected).</summary>
public static class SearchCommand
{
    public static Command Create()
    {
        var reindex = new Command("reindex", "Rebuild the search index from every post and page (safe while the site runs: readers see the old index until the new one is complete).");
        reindex.SetAction(async (parseResult, cancellationToken) =>
        {
            await using var app = await CommandLine.ServicesAsync(parseResult, cancellationToken);
            await using var scope = app.Services.CreateAsyncScope();
            var index = scope.ServiceProvider.GetRequiredService<ISearchIndex>();
            var stopwatch = Stopwatch.StartNew();
            int count;
            if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
            {
                var lastPercent = -1;
                count = await index.RebuildAsync(new Progress(p =>
                {
                    var percent = p.Total == 0 ? 100 : p.Done * 100 / p.Total;
                    if (percent / 10 == lastPercent / 10) return;
                    lastPercent = percent;
                    Console.WriteLine($"Indexed {p.Done} of {p.Total}");
                }), cancellationToken);
            }
            else
            {
                count = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask("Indexing posts and pages");
                        return await index.RebuildAsync(new Progress(p =>
                        {
                            task.MaxValue = Math.Max(1, p.Total);
                            task.Value = p.Done;
                        }), cancellationToken);
                    });
            }
            Console.WriteLine($"Search index rebuilt: {count} records in {stopwatch.Elapsed.TotalSeconds:0.0} s.");
            return 0;
        });
        return new Command("search", "Manage the full-text search index.") { reindex };
    }

    /// <summary>Reports synchronously (System.Progress would post to the thread pool and report out of order).</summary>
    private sealed class Progress(Action<SearchProgress> report) : IProgress<SearchProgress>
    {
        public void Report(SearchProgress value) => report(value);
    }
}
