using System.Globalization;
using System.Threading.RateLimiting;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.RateLimiting;

namespace Broadsheet.Features.Search;

/// <summary>
/// How many public searches one client address may run per window (<c>Search:RateLimit:PermitLimit</c> per
/// <c>Search:RateLimit:Window</c>; a limit of 0 turns it off). A search ranks matches on this node's CPU, and an
/// uncached one (every new query string is) costs far more than a page view, so a single address could keep the
/// node busy. That cost is local, so the count is too: each node keeps its own, in memory, and a site of several
/// nodes allows each address that many searches on each — per-node is the right scope for protecting a node.
/// Staff search (<c>/admin/search</c>, <c>GET /api/admin/search</c>) is not limited: it needs a signed-in account
/// or an API key, both of which an Administrator can revoke, and the admin bar searches as people type.
/// The address is the one every per-address rule uses (<see cref="ClientAddress.KeyOf(HttpContext)"/>): the reader's
/// own behind a trusted proxy, and an IPv6 reader's /64.
/// </summary>
public sealed class SearchRateLimit(IConfiguration configuration) : IRateLimiterPolicy<string>
{
    public const string Policy = "search";

    private readonly int permits = configuration.GetValue("Search:RateLimit:PermitLimit", 30);
    private readonly TimeSpan window = configuration.GetValue("Search:RateLimit:Window", TimeSpan.FromMinutes(1));

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        permits <= 0 || window <= TimeSpan.Zero
            ? RateLimitPartition.GetNoLimiter("")
            : RateLimitPartition.GetFixedWindowLimiter(ClientAddress.KeyOf(httpContext), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = permits,
                Window = window,
                QueueLimit = 0, // answer at once; a queued search would still hold a request open
            });

    /// <summary>429 with Retry-After and a sentence saying when to try again (not the bare status the middleware gives).</summary>
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = async (context, cancellationToken) =>
    {
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 60;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        response.ContentType = "text/plain; charset=utf-8";
        await response.WriteAsync(
            $"Too many searches from your address in a short time. Please try again in {seconds} second{(seconds == 1 ? "" : "s")}.",
            cancellationToken);
    };
}
