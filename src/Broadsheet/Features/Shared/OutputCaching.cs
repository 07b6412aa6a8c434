using Broadsheet.Data;
using Microsoft.AspNetCore.OutputCaching;

namespace Broadsheet.Features.Shared;

/// <summary>
/// Public pages and feeds are cached whole in memory and tagged <see cref="ContentChanges.PublicTag"/>,
/// so any content change evicts them (on every node: see <see cref="ContentChanges"/>). Turn it off
/// with <c>OutputCache:Enabled=false</c> (the uncached benchmark does).
/// </summary>
public static class OutputCaching
{
    public static IServiceCollection AddPublicOutputCache(this IServiceCollection services, IConfiguration configuration)
    {
        var enabled = configuration.GetValue("OutputCache:Enabled", true);
        services.AddOutputCache(o =>
        {
            o.SizeLimit = 256L * 1024 * 1024;
            o.MaximumBodySize = 4L * 1024 * 1024;
            o.AddBasePolicy(policy => policy
                .With(ctx => enabled && IsPublic(ctx.HttpContext.Request.Path))
                .Tag(ContentChanges.PublicTag)
                .Expire(TimeSpan.FromMinutes(10)));
        });
        return services;
    }

    private static bool IsPublic(PathString path) =>
        !(path.StartsWithSegments("/admin") || path.StartsWithSegments("/api") || path.StartsWithSegments("/account")
          || path.StartsWithSegments("/media") || path.StartsWithSegments("/css") || path.StartsWithSegments("/error"));
}
