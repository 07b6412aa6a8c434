using System.Data.Common;
using System.Text;
using Broadsheet.Data;
using Broadsheet.Data.WorkQueue;
using Broadsheet.Features.Import;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Import;

/// <summary>
/// A JSON backup restored as a queued import job (an upload, or <c>import</c> of a .json file): the job's end
/// is written in the restore's own transaction, as the Blogger and WordPress imports' is, so a failure between
/// the restore's commit and the rest of the attempt cannot leave a restored site whose job runs again and fails.
/// </summary>
public abstract class RestoreJobTests(TestProvider provider)
{
    [Fact]
    public async Task A_restore_whose_attempt_fails_right_after_its_commit_ends_restored_not_failed_as_site_not_empty()
    {
        await using var source = new BroadsheetFactory(provider);
        await source.AddPostAsync("Written before the move");
        var backup = await source.BackupAsync();

        // The first thing after the restore's commit is its cache eviction (an UPDATE of ContentState): fail that once,
        // as a node that lost its database or died right there would.
        var afterCommit = new FailOnce("UPDATE \"ContentState\"");
        await using var target = new BroadsheetFactory(provider).With("WorkQueue:FirstBackoff", "00:00:00")
            .WithServices(services => services.ConfigureBroadsheetDb(o => o.AddInterceptors(afterCommit)));
        int jobId;
        long itemId;
        await using (var scope = target.Scope())
        {
            using var file = new MemoryStream(Encoding.UTF8.GetBytes(backup));
            (jobId, itemId) = await scope.ServiceProvider.GetRequiredService<ImportJobs>()
                .QueueAsync(scope.ServiceProvider.GetRequiredService<BroadsheetDb>(), ImportJobFormat.JsonBackup, "backup.json", file, null, CancellationToken.None);
        }

        var (job, item) = await FinishedAsync(target, jobId, itemId);

        Assert.True(afterCommit.Failed, "the step after the commit was never reached");
        Assert.Null(job.Error);
        Assert.Equal(ImportJobStatus.Succeeded, job.Status);
        Assert.Equal(1, ImportJobs.Summary(job)!.Posts);
        Assert.Equal((WorkState.Done, 2), (item.State, item.Attempts));
        Assert.Contains("Written before the move", await target.CreateClient().GetStringAsync("/"));
    }

    private static async Task<(ImportJob Job, WorkItem Item)> FinishedAsync(BroadsheetFactory app, int jobId, long itemId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var scope = app.Scope();
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            var item = await db.WorkItems.AsNoTracking().SingleAsync(i => i.Id == itemId);
            if (item.State is WorkState.Done or WorkState.Failed)
                return (await db.ImportJobs.AsNoTracking().SingleAsync(j => j.Id == jobId), item);
            Assert.True(DateTime.UtcNow < deadline, $"the restore's work item is still {item.State} after 30 s");
            await Task.Delay(50);
        }
    }

    /// <summary>Throws on the first statement that starts with <paramref name="prefix"/>, before it runs.</summary>
    private sealed class FailOnce(string prefix) : DbCommandInterceptor
    {
        private int failed;

        public bool Failed => failed == 1;

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.TrimStart().StartsWith(prefix, StringComparison.Ordinal) && Interlocked.CompareExchange(ref failed, 1, 0) == 0)
                throw new InvalidOperationException("Failed on purpose, right after the restore committed.");
            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}

public sealed class SqliteRestoreJobTests() : RestoreJobTests(TestProvider.Sqlite);

public sealed class PostgresRestoreJobTests() : RestoreJobTests(TestProvider.Postgres);
