using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Newsletters;

/// <summary>
/// /newsletters/{slug}/{number}, the address an issue's email links to ("View in your browser"): the issue's post at
/// its permalink once it is published, 404 before (a draft or scheduled issue is nobody's business yet).
/// A temporary redirect, because the post's slug may change and this address must follow it.
/// </summary>
public sealed class IssueModel(BroadsheetDb db) : PublicPageModel
{
    public async Task<IActionResult> OnGetAsync(string slug, int number, CancellationToken cancellationToken)
    {
        var now = NowUtc;
        var post = await db.NewsletterIssues.AsNoTracking()
            .Where(i => i.Number == number && i.Newsletter!.Slug == slug)
            .Join(db.VisiblePosts(now), i => i.PostId, p => p.Id, (i, p) => new { p.Kind, p.Slug, p.ArchiveMonth })
            .FirstOrDefaultAsync(cancellationToken);
        return post is not null && PostPaths.Permalink(post.Kind, post.Slug, post.ArchiveMonth) is { } permalink
            ? Redirect(permalink)
            : NotFound();
    }
}
