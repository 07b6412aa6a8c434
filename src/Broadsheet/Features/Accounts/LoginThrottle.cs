using System.Net;
using Microsoft.Extensions.Caching.Memory;

namespace Broadsheet.Features.Accounts;

/// <summary>
/// Counts failed sign-ins per client address, beside Identity's own per-account lockout, so one
/// address cannot try a password against many accounts. The count lives in this node's memory for
/// <see cref="Window"/> after the last failure: several nodes each allow the limit, which still
/// bounds guessing to a handful of tries a minute.
/// </summary>
public sealed class LoginThrottle(IMemoryCache cache, IConfiguration configuration)
{
    private readonly int limit = configuration.GetValue("Accounts:MaxFailedAttemptsPerAddress", 20);

    public TimeSpan Window { get; } = configuration.GetValue("Accounts:AddressLockoutTime", TimeSpan.FromMinutes(15));

    public bool IsBlocked(IPAddress? address) => cache.TryGetValue(Key(address), out Counter? counter) && counter!.Failures >= limit;

    public void Failed(IPAddress? address)
    {
        var counter = cache.GetOrCreate(Key(address), entry =>
        {
            entry.SlidingExpiration = Window;
            return new Counter();
        })!;
        Interlocked.Increment(ref counter.Failures);
    }

    private static string Key(IPAddress? address) => "login-failures:" + (address?.ToString() ?? "unknown");

    private sealed class Counter
    {
        public int Failures;
    }
}
