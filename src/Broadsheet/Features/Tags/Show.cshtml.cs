using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Tags;

/// <summary>The posts with one tag, newest first, with the tag's own feeds advertised.</summary>
public sealed class ShowModel(BroadsheetDb db) : PublicPageModel
{
    public Tag Tag { get; private set; } = null!;
    public PostPage Listing { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        if (PageNumbers.Parse(Request.Query["page"]) is not { } pageNumber) return NotFound();
        var tag = await db.Tags.AsNoTracking().FirstOrDefaultAsync(t => t.Slug == slug, cancellationToken);
        if (tag is null) return NotFound();
        Tag = tag;
        var posts = db.VisiblePosts(NowUtc).Where(p => p.Tags.Any(t => t.Id == tag.Id));
        Listing = await PostListing.PageAsync(db, posts, pageNumber, Site.PostsPerPage, cancellationToken);
        if (pageNumber > 1 && Listing.Posts.Count == 0) return NotFound();
        Meta.Title = $"Tagged “{tag.Name}”";
        Meta.Description = tag.Description;
        Meta.CanonicalPath = PostPaths.Tag(tag.Slug) + (pageNumber > 1 ? $"?page={pageNumber}" : "");
        Meta.Feeds.Add(($"{Site.Title}: {tag.Name} (Atom)", $"/tag/{tag.Slug}/feed.atom", "application/atom+xml"));
        Meta.Feeds.Add(($"{Site.Title}: {tag.Name} (RSS)", $"/tag/{tag.Slug}/feed.rss", "application/rss+xml"));
        return Page();
    }
}
