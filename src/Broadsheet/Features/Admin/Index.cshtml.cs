using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin;

/// <summary>The dashboard: counts, the latest posts, drafts and what is scheduled.</summary>
public sealed class IndexModel(BroadsheetDb db) : AdminPageModel
{
    public int Published { get; private set; }
    public int Drafts { get; private set; }
    public int Scheduled { get; private set; }
    public int Pages { get; private set; }
    public IReadOnlyList<Post> Recent { get; private set; } = [];
    public IReadOnlyList<Post> RecentDrafts { get; private set; } = [];
    public IReadOnlyList<Post> Upcoming { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var now = NowUtc;
        var posts = db.Posts.AsNoTracking().Where(p => p.Kind == PostKind.Post);
        Published = await posts.Visible(now).CountAsync(cancellationToken);
        Drafts = await posts.CountAsync(p => p.Status == PostStatus.Draft, cancellationToken);
        Scheduled = await posts.Upcoming(now).CountAsync(cancellationToken);
        Pages = await db.Posts.CountAsync(p => p.Kind == PostKind.Page, cancellationToken);
        Recent = await posts.Visible(now).NewestFirst().Take(8).ToListAsync(cancellationToken);
        RecentDrafts = await posts.Where(p => p.Status == PostStatus.Draft).OrderByDescending(p => p.UpdatedAt).Take(8).ToListAsync(cancellationToken);
        Upcoming = await posts.Upcoming(now).OrderBy(p => p.PublishedAt).Take(8).ToListAsync(cancellationToken);
    }
}
