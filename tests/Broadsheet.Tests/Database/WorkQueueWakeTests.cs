using Broadsheet.Data;
using Broadsheet.Data.WorkQueue;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Database;

/// <summary>
/// Work queued on one node wakes the runners of the others at once (PostgreSQL's LISTEN/NOTIFY), not at their
/// next poll. The poll is 30 s and the app's clock never moves here, so only the notification can wake them.
/// SQLite has one process, whose queue wakes its own runner (the other queue tests).
/// </summary>
public sealed class PostgresWorkQueueWakeTests
{
    private const string Held = "test-held", Noted = "test-noted";

    /// <summary>Keeps node A's one runner busy until released, so that the next item is left to node B.</summary>
    private sealed class Gate
    {
        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Hold(Gate gate) : IWorkHandler
    {
        public Task RunAsync(WorkContext work, CancellationToken cancellationToken) => gate.Released.Task.WaitAsync(cancellationToken);
    }

    private sealed class Note : IWorkHandler
    {
        public Task RunAsync(WorkContext work, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Fact]
    public async Task Work_queued_on_one_node_is_claimed_by_another_well_before_its_next_poll()
    {
        var gate = new Gate();
        await using var a = new BroadsheetFactory(TestProvider.Postgres).With("WorkQueue:PollInterval", "00:00:30")
            .WithServices(s => s.AddWork<Note>(Noted));
        await using var b = a.AnotherNode().With("WorkQueue:NodeId", "node-b");
        a.With("WorkQueue:NodeId", "node-a").WithServices(s => s.AddSingleton(gate).AddWork<Hold>(Held));
        try
        {
            _ = a.Services;
            _ = b.Services;
            // Both nodes have started listening (and their runners have done their first round, finding nothing).
            await UntilAsync(a, async db => await db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'").SingleAsync() == 2, "both nodes to listen");

            var held = await EnqueueAsync(a, Held);
            await UntilAsync(a, async db => await db.WorkItems.AnyAsync(i => i.Id == held && i.State == WorkState.Running && i.LeaseOwner == "node-a"), "node A to take the held item");

            var started = DateTime.UtcNow;
            var noted = await EnqueueAsync(a, Noted);
            await UntilAsync(a, async db => await db.WorkItems.AnyAsync(i => i.Id == noted && i.State == WorkState.Done), "node B to do the second item");

            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
            await using var scope = a.Scope();
            var item = await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().WorkItems.AsNoTracking().SingleAsync(i => i.Id == noted);
            Assert.Equal(("node-b", 1), (item.LeaseOwner, item.Attempts));
        }
        finally
        {
            gate.Released.TrySetResult();
        }
    }

    private static async Task<long> EnqueueAsync(BroadsheetFactory app, string kind)
    {
        await using var scope = app.Scope();
        return await scope.ServiceProvider.GetRequiredService<WorkQueue>().EnqueueAsync(scope.ServiceProvider.GetRequiredService<BroadsheetDb>(), kind, new { });
    }

    private static async Task UntilAsync(BroadsheetFactory app, Func<BroadsheetDb, Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            await using (var scope = app.Scope())
                if (await condition(scope.ServiceProvider.GetRequiredService<BroadsheetDb>())) return;
            Assert.True(DateTime.UtcNow < deadline, $"waited 10 s for {what}");
            await Task.Delay(50);
        }
    }
}
