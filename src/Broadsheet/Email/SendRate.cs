using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Broadsheet.Email;

/// <summary>
/// The SMTP relay's limits (<c>Email:Smtp:PerSecond</c>, <c>PerHour</c>, <c>PerDay</c>), counted in the database so
/// every node shares them and none keeps a memory of its own: a fixed window per limit in the rows of
/// <see cref="Features.Shared.AddressCounter"/> (the same table and upsert as the per-address limits, under the address
/// "smtp"). A connection reserves a claim's worth at once, in one upsert per limit, and gives back what it may not use.
/// </summary>
public sealed class SendRate(IOptions<SmtpOptions> options, TimeProvider clock)
{
    private const string Address = "smtp";
    private readonly (string Budget, int Limit, TimeSpan Window)[] windows =
        new (string, int?, TimeSpan)[]
        {
            ("smtp-per-second", options.Value.PerSecond, TimeSpan.FromSeconds(1)),
            ("smtp-per-hour", options.Value.PerHour, TimeSpan.FromHours(1)),
            ("smtp-per-day", options.Value.PerDay, TimeSpan.FromDays(1)),
        }.Where(w => w.Item2 is > 0).Select(w => (w.Item1, w.Item2!.Value, w.Item3)).ToArray();

    /// <summary>
    /// Takes up to <paramref name="wanted"/> sends from every window. Returns how many may go now and, when fewer than
    /// wanted, when the fullest window ends (the caller sends the rest then: a full window never stalls for ever).
    /// </summary>
    public async Task<(int Granted, DateTime? RetryAt)> TakeAsync(BroadsheetDb db, int wanted, CancellationToken cancellationToken)
    {
        if (windows.Length == 0 || wanted <= 0) return (wanted, null);
        var now = clock.GetUtcNow().UtcDateTime;
        var granted = wanted;
        DateTime? retryAt = null;
        var taken = new List<(string Budget, int Granted)>();
        foreach (var (budget, limit, window) in windows)
        {
            var ends = now + window;
            var row = (await db.Database.SqlQuery<Counted>($"""
                INSERT INTO "AddressCounters" ("Budget", "Address", "Count", "WindowEndsAt")
                VALUES ({budget}, {Address}, {wanted}, {ends})
                ON CONFLICT ("Budget", "Address") DO UPDATE SET
                    "Count" = CASE WHEN "AddressCounters"."WindowEndsAt" <= {now} THEN {wanted} ELSE "AddressCounters"."Count" + {wanted} END,
                    "WindowEndsAt" = CASE WHEN "AddressCounters"."WindowEndsAt" <= {now} THEN excluded."WindowEndsAt" ELSE "AddressCounters"."WindowEndsAt" END
                RETURNING "Count", "WindowEndsAt"
                """).ToListAsync(cancellationToken)).Single();
            var here = Math.Clamp(limit - (row.Count - wanted), 0, wanted);
            taken.Add((budget, here));
            if (here < wanted && (retryAt is null || row.WindowEndsAt > retryAt)) retryAt = row.WindowEndsAt;
            granted = Math.Min(granted, here);
        }
        // Every window counted all that was wanted; give back what is not sent, so a refused reservation leaves a window at its limit, not over it.
        if (granted < wanted)
        {
            var extra = wanted - granted;
            foreach (var (budget, _) in taken)
                await db.AddressCounters.Where(c => c.Budget == budget && c.Address == Address)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Count, c => c.Count - extra), cancellationToken);
        }
        return (granted, granted < wanted ? retryAt : null);
    }

    private sealed class Counted
    {
        public int Count { get; set; }
        public DateTime WindowEndsAt { get; set; }
    }
}
