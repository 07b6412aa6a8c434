using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Authors;

/// <summary>An author's posts, newest first.</summary>
public sealed class ShowModel(BroadsheetDb db) : PublicPageModel
{
    public Author Author { get; private set; } = null!;
    public PostPage Listing { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        if (PageNumbers.Parse(Request.Query["page"]) is not { } pageNumber) return NotFound();
        var author = await db.Authors.AsNoTracking().FirstOrDefaultAsync(a => a.Slug == slug, cancellationToken);
        if (author is null) return NotFound();
        Author = author;
        var posts = db.VisiblePosts(NowUtc).Where(p => p.Authors.Any(a => a.AuthorId == author.Id));
        Listing = await PostListing.PageAsync(db, posts, pageNumber, Site.PostsPerPage, cancellationToken);
        if (Listing.Posts.Count == 0 && pageNumber > 1) return NotFound();
        Meta.Title = author.DisplayName;
        Meta.Description = author.Bio;
        Meta.CanonicalPath = PostPaths.Author(author.Slug) + (pageNumber > 1 ? $"?page={pageNumber}" : "");
        Meta.OpenGraphType = "profile";
        return Page();
    }
}
