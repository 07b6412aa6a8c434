using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Posts;

/// <summary>Saved states of a post, newest first; restoring one is a save like any other (and refused if stale).</summary>
public sealed class RevisionsModel(BroadsheetDb db, PostWriter writer, ContentChanges changes) : AdminPageModel
{
    public Post Post { get; private set; } = null!;
    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public string? Error { get; private set; }

    public sealed record Row(int Id, string Title, DateTime CreatedAt, bool IsAutosave, string? By, int Length, string Start);

    public async Task<IActionResult> OnGetAsync(int id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostRestoreAsync(int id, int revisionId, int version, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken)) return NotFound();
        if (!PostAccess.CanEdit(User, Post, await PostAccess.IsOwnAsync(db, id, UserId, cancellationToken))) return Forbid();
        var revision = await db.PostRevisions.AsNoTracking().FirstOrDefaultAsync(r => r.Id == revisionId && r.PostId == id, cancellationToken);
        if (revision is null) return NotFound();
        if (version != Post.Version)
        {
            Error = EditModel.StaleMessage;
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }
        Post.Title = revision.Title;
        Post.Body = revision.Body;
        Post.BodyFormat = revision.BodyFormat;
        Post.Excerpt = revision.Excerpt;
        writer.Prepare(Post, Site);
        db.Entry(Post).Property(p => p.Version).OriginalValue = version;
        db.PostRevisions.Add(new PostRevision
        {
            PostId = Post.Id, Title = Post.Title, Body = Post.Body, BodyFormat = Post.BodyFormat, Excerpt = Post.Excerpt,
            CreatedAt = NowUtc, CreatedByUserId = UserId,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            Error = EditModel.StaleMessage;
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }
        await changes.PublishedAsync(db, cancellationToken);
        Notice = "Restored the revision from " + Site.Local(revision.CreatedAt).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + ".";
        return Redirect($"/admin/posts/edit/{id}");
    }

    private async Task<bool> LoadAsync(int id, CancellationToken cancellationToken)
    {
        var post = await db.Posts.FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (post is null) return false;
        if (!PostAccess.CanEdit(User, post, await PostAccess.IsOwnAsync(db, id, UserId, cancellationToken))) return false;
        Post = post;
        var revisions = await db.PostRevisions.AsNoTracking().Where(r => r.PostId == id)
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Take(100).ToListAsync(cancellationToken);
        var userIds = revisions.Select(r => r.CreatedByUserId).Distinct().ToList();
        var names = await db.Users.Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, cancellationToken);
        Rows = [.. revisions.Select(r => new Row(r.Id, r.Title, r.CreatedAt, r.IsAutosave,
            r.CreatedByUserId is { } by && names.TryGetValue(by, out var name) ? name : null,
            r.Body.Length, r.Body.Length > 160 ? r.Body[..160] + "…" : r.Body))];
        return true;
    }
}
