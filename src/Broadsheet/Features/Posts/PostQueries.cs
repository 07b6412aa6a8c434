using System.Linq.Expressions;
using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Posts;

/// <summary>
/// The one definition of "public": published or scheduled, and its time has come (<see cref="VisibleRule"/>).
/// Every public page, feed, sitemap and archive count goes through <see cref="Visible"/> or <see cref="VisibleAt"/>,
/// code holding a post in memory through <see cref="IsVisible"/>, and whatever shows a post's status through
/// <see cref="StatusAsOf(Post, DateTime)"/>, so a scheduled post appears on time without a worker or a restart,
/// and a draft never leaks. (The search index keeps its own copy in SQL, which names this class.)
/// </summary>
public static class PostQueries
{
    /// <summary>The rule itself, over a post's status, its date and the time now (all UTC).</summary>
    private static readonly Expression<Func<PostStatus, DateTime?, DateTime, bool>> VisibleRule =
        (status, publishedAt, now) => (status == PostStatus.Published || status == PostStatus.Scheduled)
                                      && publishedAt != null && publishedAt <= now;

    private static readonly Func<PostStatus, DateTime?, DateTime, bool> IsVisibleNow = VisibleRule.Compile();

    /// <summary>
    /// <see cref="VisibleRule"/> as a predicate on posts, for a query or a navigation inside one
    /// (<c>t.Posts.AsQueryable().Count(PostQueries.VisibleAt(now))</c>). The time is a query parameter, so one
    /// query plan serves every moment.
    /// </summary>
    public static Expression<Func<Post, bool>> VisibleAt(DateTime nowUtc)
    {
        var post = Expression.Parameter(typeof(Post), "p");
        var now = Expression.Property(Expression.Constant(new Moment(nowUtc)), nameof(Moment.Utc));
        var body = new Substitution(new()
        {
            [VisibleRule.Parameters[0]] = Expression.Property(post, nameof(Post.Status)),
            [VisibleRule.Parameters[1]] = Expression.Property(post, nameof(Post.PublishedAt)),
            [VisibleRule.Parameters[2]] = now,
        }).Visit(VisibleRule.Body);
        return Expression.Lambda<Func<Post, bool>>(body, post);
    }

    public static IQueryable<Post> Visible(this IQueryable<Post> posts, DateTime nowUtc) => posts.Where(VisibleAt(nowUtc));

    public static IQueryable<Post> VisiblePosts(this BroadsheetDb db, DateTime nowUtc) =>
        db.Posts.Where(p => p.Kind == PostKind.Post).Visible(nowUtc);

    /// <summary>Posts that will be public later: not drafts, with a date still ahead (what <see cref="StatusAsOf(Post, DateTime)"/> calls scheduled).</summary>
    public static IQueryable<Post> Upcoming(this IQueryable<Post> posts, DateTime nowUtc) =>
        posts.Where(p => p.Status != PostStatus.Draft && p.PublishedAt > nowUtc);

    public static bool IsVisible(this Post post, DateTime nowUtc) => IsVisibleNow(post.Status, post.PublishedAt, nowUtc);

    /// <summary>The status as a reader would see it now: a scheduled post whose time has come reads as published.</summary>
    public static PostStatus StatusAsOf(this Post post, DateTime nowUtc) => StatusAsOf(post.Status, post.PublishedAt, nowUtc);

    /// <inheritdoc cref="StatusAsOf(Post, DateTime)"/>
    public static PostStatus StatusAsOf(PostStatus status, DateTime? publishedAt, DateTime nowUtc) =>
        status == PostStatus.Draft ? PostStatus.Draft
        : IsVisibleNow(status, publishedAt, nowUtc) ? PostStatus.Published
        : PostStatus.Scheduled;

    /// <summary>Newest first, ties broken by id so paging is stable.</summary>
    public static IOrderedQueryable<Post> NewestFirst(this IQueryable<Post> posts) =>
        posts.OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id);

    /// <summary>Holds the time so that EF Core reads it as a parameter (a bare constant would be inlined into the SQL).</summary>
    private sealed record Moment(DateTime Utc);

    private sealed class Substitution(Dictionary<ParameterExpression, Expression> replacements) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) =>
            replacements.TryGetValue(node, out var replacement) ? replacement : node;
    }
}
