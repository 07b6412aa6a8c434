using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Search;

public static class SearchSetup
{
    /// <summary>The search index for the configured database, and the interceptor that keeps it in step with every SaveChanges.</summary>
    public static IServiceCollection AddSearch(this IServiceCollection services)
    {
        services.ConfigureBroadsheetDb(o => o.AddInterceptors(SearchSync.Instance));
        // Read once, not on every request's scope.
        services.AddSingleton(sp => new RankingWindow(Math.Max(0, sp.GetRequiredService<IConfiguration>().GetValue("Search:RankingWindow", SearchIndexBase.DefaultRankingWindow))));
        services.AddScoped(sp => SearchIndexBase.For(sp.GetRequiredService<BroadsheetDb>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<RankingWindow>().Matches));
        services.AddHostedService<SearchIndexCheck>();
        services.AddHostedService<SearchIndexUpkeep>();
        services.AddRateLimiter(o => o.AddPolicy<string, SearchRateLimit>(SearchRateLimit.Policy));
        return services;
    }

    /// <summary><c>Search:RankingWindow</c> (see <see cref="SearchIndexBase.DefaultRankingWindow"/>).</summary>
    private sealed record RankingWindow(int Matches);
}
