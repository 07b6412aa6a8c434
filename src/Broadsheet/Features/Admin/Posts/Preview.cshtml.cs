using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Posts;

/// <summary>
/// A saved post or draft shown in the public layout, as readers will see it, before it is published. An admin
/// page like any other (its base and its rule: <see cref="AdminPages"/>); it fills in what the public layout reads.
/// </summary>
public sealed class PreviewModel(BroadsheetDb db) : AdminPageModel, IPublicLayoutModel
{
    public PageMeta Meta { get; } = new();

    public Post Post { get; private set; } = null!;
    public IReadOnlyList<string> Authors { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(int id, CancellationToken cancellationToken)
    {
        var post = await db.Posts.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (post is null) return NotFound();
        var userId = User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value ?? "";
        if (!PostAccess.CanEdit(User, post, await PostAccess.IsOwnAsync(db, id, userId, cancellationToken))) return Forbid();
        Post = post;
        Authors = await db.PostAuthors.Where(a => a.PostId == id).OrderBy(a => a.Position).Select(a => a.Author!.DisplayName).ToListAsync(cancellationToken);
        Meta.Title = "Preview: " + post.Title;
        Meta.NoIndex = true;
        return Page();
    }
}
