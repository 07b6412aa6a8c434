using System.Security.Claims;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Posts;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Posts;

/// <summary>
/// Who may do what to a post, by role (see <see cref="Policies"/>): a Contributor edits their own
/// drafts and never publishes; an Author edits and publishes their own posts; an Editor and above
/// edit and publish anything, and only they edit pages. "Own" means the byline holds the account's author.
/// </summary>
public static class PostAccess
{
    public static bool Has(ClaimsPrincipal user, string policy) => Policies.RolesFor[policy].Any(user.IsInRole);

    public static bool CanEdit(ClaimsPrincipal user, Post post, bool own) =>
        Has(user, Policies.EditAll)
        || (post.Kind == PostKind.Post && own && (Has(user, Policies.PublishOwn) || post.Status == PostStatus.Draft));

    public static bool CanPublish(ClaimsPrincipal user, Post post, bool own) =>
        Has(user, Policies.EditAll) || (post.Kind == PostKind.Post && own && Has(user, Policies.PublishOwn));

    public static Task<bool> IsOwnAsync(BroadsheetDb db, int postId, string userId, CancellationToken cancellationToken) =>
        db.PostAuthors.AnyAsync(a => a.PostId == postId && a.Author!.UserId == userId, cancellationToken);

    /// <summary>Posts this account may see in its lists: everything for editors, its own for others.</summary>
    public static IQueryable<Post> Visible(IQueryable<Post> posts, ClaimsPrincipal user, string userId) =>
        Has(user, Policies.EditAll) ? posts : posts.Where(p => p.Authors.Any(a => a.Author!.UserId == userId));
}
