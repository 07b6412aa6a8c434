using Broadsheet.Features.Api;
using Broadsheet.Features.Posts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Broadsheet.Features.Search;

/// <summary>One result of the Admin API's search. <see cref="TitleHtml"/> and <see cref="SnippetHtml"/> are HTML-encoded text whose only markup is &lt;mark&gt; around matches.</summary>
public sealed record AdminSearchHit(
    string Kind, int Id, string Title, string TitleHtml, string SnippetHtml, string Status, DateTime? PublishedAt,
    IReadOnlyList<string> Authors, IReadOnlyList<string> Tags, string? Permalink, string EditUrl);

/// <summary>
/// A page of admin search results. <see cref="RankedNewest"/> is set when more records matched than a
/// search ranks: the items are then the best of that many most recently added matches.
/// <see cref="SearchedNewest"/> is set when a phrase of common words was looked for in only that many of
/// the newest records, and older ones may hold it too.
/// </summary>
public sealed record AdminSearchResults(IReadOnlyList<AdminSearchHit> Items, int Page, int PageSize, bool HasMore, int? RankedNewest, int? SearchedNewest);

/// <summary>
/// <c>GET /api/admin/search</c>: the admin search (drafts, scheduled and published, best first) for
/// integrations. Mapped inside the Admin API's group, so it takes an API key like the rest of it.
/// </summary>
public static class AdminSearchApi
{
    public static void MapSearch(RouteGroupBuilder group)
    {
        group.MapGet("/", SearchAsync)
            .WithTags("Admin: search").WithName("Search")
            .WithSummary("Searches posts and pages, drafts and scheduled ones included, best matches first: words, \"quoted phrases\" and prefix* as on the site; filter by kind (post, page) and status (draft, scheduled, published).")
            .Produces<AdminSearchResults>().ProducesValidationProblem();
    }

    private static async Task<Results<Ok<AdminSearchResults>, ValidationProblem>> SearchAsync(
        ISearchIndex index, TimeProvider clock, string? q, string? kind, string? status, int? page, int? pageSize, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var query = SearchQuery.Parse(q);
        if (query.IsEmpty) errors["q"] = ["Give some words to search for."];
        if (kind is { Length: > 0 } && kind is not ("post" or "page")) errors["kind"] = ["One of: post, page."];
        SearchStatus? wanted = null;
        if (status is { Length: > 0 })
        {
            if (Enum.TryParse<SearchStatus>(status, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)) wanted = parsed;
            else errors["status"] = ["One of: draft, scheduled, published."];
        }
        var size = pageSize ?? 20;
        var number = page ?? 1;
        if (size is < 1 or > AdminPostsApi.MaxPageSize) errors["pageSize"] = [$"Between 1 and {AdminPostsApi.MaxPageSize}."];
        if (number is < 1 or > PageNumbers.Max) errors["page"] = [$"Pages are 1 to {PageNumbers.Max}."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var results = await index.SearchAsync(new SearchRequest(query, kind is { Length: > 0 } ? kind : null, Page: number, PageSize: size, IncludeDrafts: true, Status: wanted), ct);
        var now = clock.GetUtcNow().UtcDateTime;
        return TypedResults.Ok(new AdminSearchResults(
            [.. results.Hits.Select(h => new AdminSearchHit(
                h.Kind, h.RecordId, h.Title, h.TitleHtml, h.SnippetHtml, h.StatusAt(now).ToString().ToLowerInvariant(), h.PublishedAt,
                h.Authors, [.. h.Tags.Select(t => t.Name)], h.StatusAt(now) == SearchStatus.Published ? h.Url : null, $"/admin/posts/edit/{h.RecordId}"))],
            results.Page, size, results.HasMore, results.RankedNewest, results.SearchedNewest));
    }
}
