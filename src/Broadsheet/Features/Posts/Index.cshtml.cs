using Broadsheet.Data;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Posts;

/// <summary>The home page: pinned items first, then posts newest first, with "Older posts" paging.</summary>
public sealed class IndexModel(BroadsheetDb db) : PublicPageModel
{
    public IReadOnlyList<PostSummary> Pinned { get; private set; } = [];
    public PostPage Listing { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (PageNumbers.Parse(Request.Query["page"]) is not { } pageNumber) return NotFound();
        (Pinned, Listing) = await PostListing.HomeAsync(db, NowUtc, pageNumber, Site.PostsPerPage, cancellationToken);
        if (pageNumber > 1 && Listing.Posts.Count == 0) return NotFound();
        return Page();
    }
}
