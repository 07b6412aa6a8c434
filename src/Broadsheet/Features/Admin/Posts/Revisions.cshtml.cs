using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Posts;

/// <summary>Saved states of a post, newest first; restoring one is a save like any other (and refused if stale).</summary>
public sealed class RevisionsModel(BroadsheetDb db, PostWriter writer) : AdminPageModel
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
        var saved = await writer.SaveAsync(new PostChange(Post.Kind)
        {
            Id = id,
            ExpectedVersion = version,
            Title = revision.Title,
            Body = revision.Body,
            Format = revision.BodyFormat,
            Excerpt = revision.Excerpt ?? "",
        }, PostActor.Of(User), cancellationToken);
        switch (saved.Outcome)
        {
            case PostSaveOutcome.NotFound: return NotFound();
            case PostSaveOutcome.Stale:
                Error = EditModel.StaleMessage;
                Response.StatusCode = StatusCodes.Status409Conflict;
                return Page();
            case PostSaveOutcome.Invalid:
                Error = string.Join(" ", saved.Errors.Values.SelectMany(m => m));
                Response.StatusCode = StatusCodes.Status400BadRequest;
                return Page();
        }
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
