using System.Collections.Concurrent;
using Broadsheet.Data;
using Broadsheet.Data.WorkQueue;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Database;

/// <summary>The queue's claim on each database: every item taken once by concurrent runners, an expired lease taken back.</summary>
public abstract class WorkQueueTests(TestProvider provider) : IDisposable
{
    // A kind no handler of the app claims, so the app's own runner leaves these items to the test.
    private const string Kind = "test-only";
    private readonly BroadsheetFactory app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task<List<long>> AddAsync(int count)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var now = app.Clock.GetUtcNow().UtcDateTime;
        var items = Enumerable.Range(0, count).Select(_ => new WorkItem { Kind = Kind, Payload = "{}", MaxAttempts = 3, RunAfter = now, CreatedAt = now }).ToList();
        db.WorkItems.AddRange(items);
        await db.SaveChangesAsync();
        return [.. items.Select(i => i.Id)];
    }

    private async Task<long?> ClaimAsync(string owner, DateTime now)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        return await scope.ServiceProvider.GetRequiredService<IWorkQueueClaim>().ClaimAsync(db, [Kind], owner, now, now.AddSeconds(30), null, CancellationToken.None);
    }

    [Fact]
    public async Task Two_runners_claiming_at_once_take_every_item_exactly_once()
    {
        var ids = await AddAsync(60);
        var now = app.Clock.GetUtcNow().UtcDateTime;
        async Task<List<long>> RunnerAsync(string owner)
        {
            var taken = new List<long>();
            while (await ClaimAsync(owner, now) is { } id) taken.Add(id);
            return taken;
        }
        var both = await Task.WhenAll(Task.Run(() => RunnerAsync("a")), Task.Run(() => RunnerAsync("b")));

        Assert.Equal(ids.Order(), both.SelectMany(t => t).Order());
        await using var scope = app.Scope();
        var rows = await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().WorkItems.AsNoTracking().Where(i => i.Kind == Kind).ToListAsync();
        Assert.All(rows, r => Assert.Equal((WorkState.Running, 1), (r.State, r.Attempts)));
        Assert.Equal(both[0].Count, rows.Count(r => r.LeaseOwner == "a"));
    }

    [Fact]
    public async Task A_lease_that_expired_is_claimed_again_and_counts_an_attempt()
    {
        var id = (await AddAsync(1))[0];
        var now = app.Clock.GetUtcNow().UtcDateTime;
        Assert.Equal(id, await ClaimAsync("dead-node", now));
        Assert.Null(await ClaimAsync("other", now.AddSeconds(29)));

        Assert.Equal(id, await ClaimAsync("other", now.AddSeconds(31)));
        await using var scope = app.Scope();
        var row = await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().WorkItems.AsNoTracking().SingleAsync(i => i.Id == id);
        Assert.Equal(("other", 2), (row.LeaseOwner, row.Attempts));
    }

    [Fact]
    public void Back_off_doubles_up_to_its_cap()
    {
        var options = new WorkQueueOptions { FirstBackoff = TimeSpan.FromSeconds(10), MaxBackoff = TimeSpan.FromSeconds(60) };
        Assert.Equal([10, 20, 40, 60, 60], Enumerable.Range(1, 5).Select(a => options.BackoffAfter(a).TotalSeconds));
    }
}

/// <summary>
/// The queue's runner on each database, as a kind of work added later (a send, a fetch) will meet it: an attempt
/// that throws is retried after its back-off and resumes from its checkpoint; one that throws every time ends
/// failed with its last error; one that says it can never succeed fails at once. The app's own runner does the
/// work; the test only queues it and moves the clock.
/// </summary>
public abstract class WorkQueueRunnerTests : IDisposable
{
    private const string Kind = "scripted-test";
    private readonly BroadsheetFactory app;
    private readonly WebApplicationFactory<Program> withHandler;

    protected WorkQueueRunnerTests(TestProvider provider)
    {
        app = new BroadsheetFactory(provider);
        withHandler = app.WithWebHostBuilder(b => b.ConfigureServices(services => services.AddWork<ScriptedWork>(Kind)));
    }

    public void Dispose()
    {
        withHandler.Dispose();
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    private sealed record Plan(string Name, int FailingAttempts, bool Impossible);

    /// <summary>Fails its first <see cref="Plan.FailingAttempts"/> attempts (after saving a checkpoint on the first), or can never succeed.</summary>
    private sealed class ScriptedWork : IWorkHandler
    {
        public static readonly ConcurrentDictionary<string, ConcurrentQueue<(int Attempt, string? Checkpoint)>> Seen = new();

        public async Task RunAsync(WorkContext work, CancellationToken cancellationToken)
        {
            var plan = work.Read<Plan>();
            Seen.GetOrAdd(plan.Name, _ => new()).Enqueue((work.Attempt, work.Checkpoint));
            if (work.Checkpoint is null) await work.SaveCheckpointAsync("first half done", cancellationToken);
            if (plan.Impossible) throw new WorkFailedException("This work can never succeed.");
            if (work.Attempt <= plan.FailingAttempts) throw new InvalidOperationException($"attempt {work.Attempt} failed");
        }
    }

    private async Task<(long Id, string Name)> QueueAsync(int failingAttempts, bool impossible, int maxAttempts)
    {
        var name = Guid.NewGuid().ToString("N");
        await using var scope = withHandler.Services.CreateAsyncScope();
        var id = await scope.ServiceProvider.GetRequiredService<WorkQueue>().EnqueueAsync(
            scope.ServiceProvider.GetRequiredService<BroadsheetDb>(), Kind, new Plan(name, failingAttempts, impossible), maxAttempts: maxAttempts);
        return (id, name);
    }

    private async Task<WorkItem> ItemAsync(long id)
    {
        await using var scope = withHandler.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().WorkItems.AsNoTracking().SingleAsync(i => i.Id == id);
    }

    /// <summary>Waits (real time) until <paramref name="done"/> holds of the item, moving the clock by <paramref name="step"/> between looks.</summary>
    private async Task<WorkItem> WaitForAsync(long id, Func<WorkItem, bool> done, TimeSpan step)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var item = await ItemAsync(id);
            if (done(item)) return item;
            Assert.True(DateTime.UtcNow < deadline, $"work item {id} is still {item.State} after {item.Attempts} attempt(s): {item.LastError}");
            app.Clock.Advance(step);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_failed_attempt_is_retried_after_its_back_off_and_resumes_from_its_checkpoint()
    {
        var (id, name) = await QueueAsync(failingAttempts: 2, impossible: false, maxAttempts: 5);

        // Without the clock moving, the first attempt fails and the item waits out its back-off.
        var waiting = await WaitForAsync(id, i => i is { State: WorkState.Queued, Attempts: 1 }, TimeSpan.Zero);
        Assert.Equal("attempt 1 failed", waiting.LastError);
        Assert.Equal(app.Clock.GetUtcNow().UtcDateTime.AddSeconds(10), waiting.RunAfter, TimeSpan.FromSeconds(1));
        await Task.Delay(300);
        Assert.Single(ScriptedWork.Seen[name]);

        var done = await WaitForAsync(id, i => i.State is WorkState.Done or WorkState.Failed, TimeSpan.FromSeconds(15));
        Assert.Equal((WorkState.Done, 3, null), (done.State, done.Attempts, done.LastError));
        Assert.Equal([(1, null), (2, "first half done"), (3, "first half done")], ScriptedWork.Seen[name]);
    }

    [Fact]
    public async Task Work_that_fails_every_attempt_ends_failed_with_its_last_error()
    {
        var (id, name) = await QueueAsync(failingAttempts: 99, impossible: false, maxAttempts: 3);

        var failed = await WaitForAsync(id, i => i.State is WorkState.Done or WorkState.Failed, TimeSpan.FromSeconds(30));
        Assert.Equal((WorkState.Failed, 3, "attempt 3 failed"), (failed.State, failed.Attempts, failed.LastError));
        Assert.Equal([1, 2, 3], ScriptedWork.Seen[name].Select(s => s.Attempt));
    }

    [Fact]
    public async Task Work_that_can_never_succeed_fails_at_once_without_retries()
    {
        var (id, name) = await QueueAsync(failingAttempts: 0, impossible: true, maxAttempts: 5);

        var failed = await WaitForAsync(id, i => i.State is WorkState.Done or WorkState.Failed, TimeSpan.FromSeconds(30));
        Assert.Equal((WorkState.Failed, 1, "This work can never succeed."), (failed.State, failed.Attempts, failed.LastError));
        Assert.Single(ScriptedWork.Seen[name]);
    }
}

public sealed class SqliteWorkQueueRunnerTests() : WorkQueueRunnerTests(TestProvider.Sqlite);

public sealed class PostgresWorkQueueRunnerTests() : WorkQueueRunnerTests(TestProvider.Postgres);

public sealed class SqliteWorkQueueTests() : WorkQueueTests(TestProvider.Sqlite);

public sealed class PostgresWorkQueueTests() : WorkQueueTests(TestProvider.Postgres);
