using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Features.Shared;

/// <summary>
/// A named allowance of uses per client address (<see cref="ClientAddress.KeyOf"/>): at most
/// <see cref="Limit"/> in a fixed <see cref="Window"/> that starts at the first use counted and does not
/// move until it ends, however often the address comes back meanwhile.
/// </summary>
public sealed record AddressBudget(string Name, int Limit, TimeSpan Window);

/// <summary>
/// Counts uses of <see cref="AddressBudget"/>s per client address in the database, so every web node sees
/// the same counts (sign-in failures, reset requests; later subscriptions and signatures). Each count is
/// one atomic upsert (no read-modify-write) that returns the use's own place, so concurrent requests on any
/// node never lose one or see another's.
/// Rows whose window and turn have both passed are deleted now and then.
/// </summary>
public sealed class AddressLimits(BroadsheetDb db, TimeProvider clock, AddressLimitsPruning pruning)
{
    /// <summary>
    /// Counts one use (a window that has ended starts again from this one) and returns this use's own place in
    /// the window: one upsert whose RETURNING reads the row this statement wrote, so N requests counting at once
    /// on any node get exactly 1..N, and "allowed while the count is within the limit" lets exactly the budget
    /// through. (Reading the count in a second statement would see later requests' counts too, and refuse
    /// requests that were within the budget.)
    /// </summary>
    public async Task<int> CountAsync(AddressBudget budget, string address, CancellationToken cancellationToken = default)
    {
        var now = Now();
        var ends = now + budget.Window;
        // Both SET expressions read the row as it was, so an ended window restarts at 1 in the same statement.
        // The same SQL runs on SQLite (3.35+) and PostgreSQL; on PostgreSQL concurrent upserts of one row queue
        // on its lock, on SQLite the database takes one writer at a time.
        var places = await db.Database.SqlQuery<int>($"""
            INSERT INTO "AddressCounters" ("Budget", "Address", "Count", "WindowEndsAt")
            VALUES ({budget.Name}, {address}, 1, {ends})
            ON CONFLICT ("Budget", "Address") DO UPDATE SET
                "Count" = CASE WHEN "AddressCounters"."WindowEndsAt" <= {now} THEN 1 ELSE "AddressCounters"."Count" + 1 END,
                "WindowEndsAt" = CASE WHEN "AddressCounters"."WindowEndsAt" <= {now} THEN excluded."WindowEndsAt" ELSE "AddressCounters"."WindowEndsAt" END
            RETURNING "Count" AS "Value"
            """).ToListAsync(cancellationToken);
        await PruneNowAndThenAsync(now, cancellationToken);
        return places.Single();
    }

    /// <summary>
    /// Takes back one use counted by <see cref="CountAsync"/> that turned out not to be one (a sign-in attempt,
    /// counted before its password was checked, that succeeded). One atomic UPDATE; never below zero.
    /// </summary>
    public Task UncountAsync(AddressBudget budget, string address, CancellationToken cancellationToken = default) =>
        Counters(budget, address).Where(c => c.Count > 0)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Count, c => c.Count - 1), cancellationToken);

    /// <summary>
    /// For an address past its budget: claims the address's next turn, one every <paramref name="interval"/>
    /// for all nodes together. Null when this request has the turn; otherwise how long until the next one.
    /// </summary>
    public async Task<TimeSpan?> TakeTurnAsync(AddressBudget budget, string address, TimeSpan interval, CancellationToken cancellationToken = default)
    {
        var now = Now();
        var next = now + interval;
        var taken = await Counters(budget, address)
            .Where(c => c.NextTurnAt == null || c.NextTurnAt <= now)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.NextTurnAt, next), cancellationToken);
        if (taken > 0) return null;
        var nextTurn = await Counters(budget, address).Select(c => c.NextTurnAt).FirstOrDefaultAsync(cancellationToken);
        // The row vanished meanwhile (pruned with its window): the budget is fresh, so no wait.
        return nextTurn is { } at && at > now ? at - now : null;
    }

    private IQueryable<AddressCounter> Counters(AddressBudget budget, string address) =>
        db.AddressCounters.Where(c => c.Budget == budget.Name && c.Address == address);

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;

    private async Task PruneNowAndThenAsync(DateTime now, CancellationToken cancellationToken)
    {
        if (!pruning.IsDue(now)) return;
        await db.AddressCounters
            .Where(c => c.WindowEndsAt <= now && (c.NextTurnAt == null || c.NextTurnAt <= now))
            .ExecuteDeleteAsync(cancellationToken);
    }
}

/// <summary>When this node last deleted ended counters: at most once every few minutes, on the next count.</summary>
public sealed class AddressLimitsPruning
{
    private static readonly TimeSpan Every = TimeSpan.FromMinutes(5);
    private long lastTicks;

    public bool IsDue(DateTime now)
    {
        var last = Interlocked.Read(ref lastTicks);
        if (now.Ticks - last < Every.Ticks) return false;
        // One request per node does it, the others carry on.
        return Interlocked.CompareExchange(ref lastTicks, now.Ticks, last) == last;
    }
}

/// <summary>One address's uses of one budget in its current window (see <see cref="AddressLimits"/>).</summary>
public sealed class AddressCounter
{
    public string Budget { get; set; } = "";

    /// <summary>The address's key (<see cref="ClientAddress.KeyOf"/>): an IPv4 address, or an IPv6 /64.</summary>
    public string Address { get; set; } = "";

    public int Count { get; set; }

    /// <summary>The first counted use plus the budget's window; the count restarts after it.</summary>
    public DateTime WindowEndsAt { get; set; }

    /// <summary>For an address past its budget, when its next turn comes (see <see cref="AddressLimits.TakeTurnAsync"/>).</summary>
    public DateTime? NextTurnAt { get; set; }
}

internal sealed class AddressCounterConfiguration : IEntityTypeConfiguration<AddressCounter>
{
    public void Configure(EntityTypeBuilder<AddressCounter> counter)
    {
        counter.HasKey(c => new { c.Budget, c.Address });
        counter.Property(c => c.Budget).HasMaxLength(40);
        counter.Property(c => c.Address).HasMaxLength(64);
        // Pruning finds ended windows by this.
        counter.HasIndex(c => c.WindowEndsAt);
    }
}

public static class AddressLimitsSetup
{
    public static IServiceCollection AddAddressLimits(this IServiceCollection services)
    {
        services.AddSingleton<AddressLimitsPruning>();
        services.AddScoped<AddressLimits>();
        return services;
    }
}
