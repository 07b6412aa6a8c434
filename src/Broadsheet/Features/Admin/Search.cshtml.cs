using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Admin.Posts;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Search;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin;

/// <summary>
/// Full-text search for staff, over drafts and scheduled posts as well as published ones, with the
/// public search's ranking and snippets. It shows what the post list shows each role: everything to
/// Editors and above, only their own posts to Contributors and Authors.
/// </summary>
public sealed class SearchModel(ISearchIndex index, BroadsheetDb db) : AdminPageModel
{
    public const int PageSize = 20;

    public static IReadOnlyList<(string Value, string Label)> Kinds { get; } = [("post", "Posts"), ("page", "Pages")];

    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? Kind { get; set; }
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    public int PageNumber { get; private set; } = 1;

    public SearchQuery Query { get; private set; } = SearchQuery.Empty;
    public SearchResults Results { get; private set; } = SearchResults.None(1);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        // Read as the public listings do (no such page: 404, and never an offset that overflows). Not model-bound:
        // Razor Pages' own "page" route value would win over ?page= and every request would get page 1.
        if (PageNumbers.Parse(Request.Query["page"]) is not { } pageNumber) return NotFound();
        PageNumber = pageNumber;
        Query = SearchQuery.Parse(Q);
        if (Query.IsEmpty) return Page();
        var kind = Kinds.Any(k => k.Value == Kind) ? Kind : null;
        var status = Enum.TryParse<SearchStatus>(Status, ignoreCase: true, out var s) && Enum.IsDefined(s) ? s : (SearchStatus?)null;
        Results = await index.SearchAsync(new SearchRequest(Query, kind, Page: PageNumber, PageSize: PageSize, IncludeDrafts: true, Status: status,
            OnlyPostIds: await OwnPostIdsAsync(db, cancellationToken)), cancellationToken);
        return Page();
    }

    /// <summary>Null for accounts that see every post in the admin; otherwise the ids of the posts the post list shows them.</summary>
    private async Task<IReadOnlyCollection<int>?> OwnPostIdsAsync(BroadsheetDb db, CancellationToken cancellationToken) =>
        Can(Policies.EditAll) ? null : await PostAccess.Visible(db.Posts.AsNoTracking(), User, UserId).Select(p => p.Id).ToListAsync(cancellationToken);

    public string StatusLabel(SearchHit hit) => hit.StatusAt(NowUtc).ToString().ToLowerInvariant();

    public string PageLink(int page) => "/admin/search" + QueryString.Create(new Dictionary<string, string?>
    {
        ["q"] = Q, ["kind"] = Kind, ["status"] = Status, ["page"] = page > 1 ? page.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
    }.Where(p => !string.IsNullOrEmpty(p.Value))).ToUriComponent();
}
