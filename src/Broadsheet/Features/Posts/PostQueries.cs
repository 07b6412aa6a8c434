using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Posts;

/// <summary>
/// The one definition of "public": published or scheduled, and its time has come. Every public
/// page, feed, sitemap and archive count goes through <see cref="Visible"/>, so a scheduled post
/// appears on time without a worker or a restart, and a draft never leaks.
/// </summary>
public static class PostQueries
{
    public static IQueryable<Post> Visible(this IQueryable<Post> posts, DateTime nowUtc) =>
        posts.Where(p => (p.Status == PostStatus.Published || p.Status == PostStatus.Scheduled)
                         && p.PublishedAt != null && p.PublishedAt <= nowUtc);

    public static IQueryable<Post> VisiblePosts(this BroadsheetDb db, DateTime nowUtc) =>
        db.Posts.Where(p => p.Kind == PostKind.Post).Visible(nowUtc);

    public static bool IsVisible(this Post post, DateTime nowUtc) =>
        post.Status is PostStatus.Published or PostStatus.Scheduled && post.PublishedAt is { } at && at <= nowUtc;

    /// <summary>Newest first, ties broken by id so paging is stable.</summary>
    public static IOrderedQueryable<Post> NewestFirst(this IQueryable<Post> posts) =>
        posts.OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id);
}
