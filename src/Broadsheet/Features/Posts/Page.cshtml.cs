using Broadsheet.Data;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Posts;

/// <summary>A page (About, Contact, the statement's own page) at /{slug}.</summary>
public sealed class StandalonePageModel(BroadsheetDb db) : PublicPageModel
{
    public Post Post { get; private set; } = null!;
    public IReadOnlyList<Comment> Comments { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        var post = await db.Posts.AsNoTracking()
            .Where(p => p.Kind == PostKind.Page && p.Slug == slug)
            .Visible(NowUtc)
            .FirstOrDefaultAsync(cancellationToken);
        if (post is null) return NotFound();
        Post = post;
        Comments = await db.Comments.AsNoTracking()
            .Where(c => c.PostId == post.Id && c.Status == CommentStatus.Approved)
            .OrderBy(c => c.PublishedAt).ToListAsync(cancellationToken);
        Meta.Title = post.Title;
        Meta.Description = post.Excerpt ?? ContentRenderer.PlainText(post.BodyHtml, 300);
        Meta.CanonicalPath = post.Permalink;
        Meta.ModifiedUtc = post.UpdatedAt;
        Meta.JsonLd = StructuredData.BlogPosting(this, post, [], []);
        return Page();
    }
}
