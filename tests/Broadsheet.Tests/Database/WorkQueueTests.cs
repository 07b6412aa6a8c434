using Broadsheet.Data;
using Broadsheet.Data.WorkQueue;
using Broadsheet.Tests.Infrastructure;
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

public sealed class SqliteWorkQueueTests() : WorkQueueTests(TestProvider.Sqlite);

public sealed class PostgresWorkQueueTests() : WorkQueueTests(TestProvider.Postgres);
