using System.Globalization;
using Broadsheet.Features.Archive;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.WebUtilities;

namespace Broadsheet.Features.Search;

/// <summary>
/// The public search page: ranked results with highlighted snippets, filters by kind, tag and year,
/// paging, and suggestions when nothing is found. Any input gives a normal page (the query is
/// reduced to words by <see cref="SearchQuery"/>; nonsense filters are ignored). Not for search
/// engines (noindex, and robots.txt disallows it); output-cached per query string like every public page,
/// and limited per client address (<see cref="SearchRateLimit"/>). A page number past the last possible page is a 404.
/// </summary>
[EnableRateLimiting(SearchRateLimit.Policy)]
public sealed class IndexModel(ISearchIndex index, ArchiveCounts archive) : PublicPageModel
{
    public const int PageSize = 10;

    /// <summary>The kinds a reader can narrow to, with their names in the filter.</summary>
    public static IReadOnlyList<(string Value, string Label)> Kinds { get; } = [("post", "Posts"), ("page", "Pages")];

    public string Text { get; private set; } = "";
    public SearchQuery Query { get; private set; } = SearchQuery.Empty;
    public string? Kind { get; private set; }
    public string? Tag { get; private set; }
    public int? Year { get; private set; }
    public SearchResults Results { get; private set; } = SearchResults.None(1);
    public IReadOnlyList<int> Years { get; private set; } = [];
    public bool HasFilters => Kind is not null || Tag is not null || Year is not null;

    /// <summary>Other searches worth trying when this one found nothing: (link, what it is).</summary>
    public List<(string Href, string Label)> Suggestions { get; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (PageNumbers.Parse(Request.Query["page"]) is not { } page) return NotFound();
        Text = Request.Query["q"].ToString();
        if (Text.Length > SearchQuery.MaxLength) Text = Text[..SearchQuery.MaxLength];
        Query = SearchQuery.Parse(Text);
        Kind = Kinds.Any(k => k.Value == Request.Query["kind"]) ? Request.Query["kind"].ToString() : null;
        Tag = Request.Query["tag"].ToString() is { Length: > 0 } tag && Slugs.IsValid(tag) ? tag : null;
        Year = int.TryParse(Request.Query["year"], NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year is >= 1000 and <= 9999 ? year : null;
        Years = [.. (await archive.GetAsync(cancellationToken)).Years.Select(y => y.Year)];

        Meta.NoIndex = true;
        Meta.Title = Query.IsEmpty ? "Search" : $"Search: {Query}";
        if (Query.IsEmpty) return Page();

        Results = await index.SearchAsync(new SearchRequest(Query, Kind, Tag, Year, page, PageSize), cancellationToken);
        if (Results.Hits.Count == 0 && page == 1) await SuggestAsync(cancellationToken);
        return Page();
    }

    private async Task SuggestAsync(CancellationToken cancellationToken)
    {
        // Only suggest what would find something: each candidate is tried (cheap: one small query each).
        if (HasFilters) await TryAsync(Href(Query.ToString()), "the same search without filters", new SearchRequest(Query, PageSize: 1));
        if (Query.HasPhrase) await TryAsync(Href(Query.WithoutPhrases().ToString(), Kind, Tag, Year), $"the words without quotes: {Query.WithoutPhrases()}",
            new SearchRequest(Query.WithoutPhrases(), Kind, Tag, Year, PageSize: 1));
        if (Query.Terms.Count > 1)
            foreach (var term in Query.Terms.Take(4))
                await TryAsync(Href(term.ToString()), $"only {term}", new SearchRequest(SearchQuery.Parse(term.ToString()), PageSize: 1));

        async Task TryAsync(string href, string label, SearchRequest request)
        {
            if ((await index.SearchAsync(request, cancellationToken)).Hits.Count > 0) Suggestions.Add((href, label));
        }
    }

    /// <summary>A link to a search; null and default values are left out so links stay short.</summary>
    public static string Href(string q, string? kind = null, string? tag = null, int? year = null, int page = 1)
    {
        var query = new Dictionary<string, string?> { ["q"] = q };
        if (kind is not null) query["kind"] = kind;
        if (tag is not null) query["tag"] = tag;
        if (year is not null) query["year"] = year.Value.ToString(CultureInfo.InvariantCulture);
        if (page > 1) query["page"] = page.ToString(CultureInfo.InvariantCulture);
        return QueryHelpers.AddQueryString("/search", query);
    }

    public string PageHref(int page) => Href(Query.ToString(), Kind, Tag, Year, page);
}
