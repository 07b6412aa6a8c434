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
        var now = NowUtc;
        // Pinned items stand above page 1 and are left out of the dated flow on every page, so paging stays stable.
        var pinned = await PostListing.PinnedAsync(db, now, cancellationToken);
        var pinnedIds = pinned.Select(p => p.Id).ToList();
        Pinned = pageNumber == 1 ? pinned : [];
        var posts = db.VisiblePosts(now).Where(p => !pinnedIds.Contains(p.Id));
        Listing = await PostListing.PageAsync(db, posts, pageNumber, Site.PostsPerPage, cancellationToken);
        if (pageNumber > 1 && Listing.Posts.Count == 0) return NotFound();
        return Page();
    }
}
