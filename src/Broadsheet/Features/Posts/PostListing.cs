using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Posts;

/// <summary>One post as a listing shows it: the summary (or the whole body when there is no break), byline and tags.</summary>
public sealed record PostSummary(
    int Id,
    PostKind Kind,
    string Title,
    string Permalink,
    DateTime PublishedAt,
    string Html,
    bool HasMore,
    bool Pinned,
    IReadOnlyList<NameAndSlug> Authors,
    IReadOnlyList<NameAndSlug> Tags);

public sealed record NameAndSlug(string Name, string Slug);

/// <summary>A page of posts and whether older ones exist.</summary>
public sealed record PostPage(IReadOnlyList<PostSummary> Posts, int PageNumber, bool HasOlder)
{
    public bool HasNewer => PageNumber > 1;
}

/// <summary>
/// Loads a page of summaries in three small queries (posts, then their bylines and tags by id),
/// reading only the columns a listing shows, so the home page stays fast on a site of 100,000 posts.
/// </summary>
public static class PostListing
{
    public static async Task<PostPage> PageAsync(BroadsheetDb db, IQueryable<Post> filtered, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        var rows = await filtered.NewestFirst()
            .Skip((pageNumber - 1) * pageSize)
            .Take(pageSize + 1)
            .Select(p => new { p.Id, p.Kind, p.Title, p.Slug, p.ArchiveMonth, p.PublishedAt, Html = p.SummaryHtml ?? p.BodyHtml, HasMore = p.SummaryHtml != null, p.Pinned })
            .ToListAsync(cancellationToken);
        var hasOlder = rows.Count > pageSize;
        if (hasOlder) rows.RemoveAt(rows.Count - 1);
        var summaries = await WithBylinesAsync(db, rows.Select(r => (r.Id, r.Kind, r.Title, PostPaths.Permalink(r.Kind, r.Slug, r.ArchiveMonth) ?? "/", r.PublishedAt!.Value, r.Html, r.HasMore, r.Pinned)).ToList(), cancellationToken);
        return new PostPage(summaries, pageNumber, hasOlder);
    }

    public static async Task<IReadOnlyList<PostSummary>> PinnedAsync(BroadsheetDb db, DateTime nowUtc, CancellationToken cancellationToken)
    {
        // "Pinned = @pinned", not a bare "WHERE Pinned": SQLite can only use IX_Posts_Pinned for a comparison,
        // and without it walks every post newest first looking for pinned ones (a second on 100,000 posts).
        var pinned = true;
        var rows = await db.Posts.Where(p => p.Pinned == pinned).Visible(nowUtc).NewestFirst().Take(3)
            .Select(p => new { p.Id, p.Kind, p.Title, p.Slug, p.ArchiveMonth, p.PublishedAt, Html = p.SummaryHtml ?? p.BodyHtml, HasMore = p.SummaryHtml != null, p.Pinned })
            .ToListAsync(cancellationToken);
        return await WithBylinesAsync(db, rows.Select(r => (r.Id, r.Kind, r.Title, PostPaths.Permalink(r.Kind, r.Slug, r.ArchiveMonth) ?? "/", r.PublishedAt!.Value, r.Html, r.HasMore, r.Pinned)).ToList(), cancellationToken);
    }

    private static async Task<IReadOnlyList<PostSummary>> WithBylinesAsync(
        BroadsheetDb db,
        List<(int Id, PostKind Kind, string Title, string Permalink, DateTime PublishedAt, string Html, bool HasMore, bool Pinned)> rows,
        CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return [];
        var ids = rows.Select(r => r.Id).ToList();
        var authors = (await db.PostAuthors.Where(a => ids.Contains(a.PostId))
                .OrderBy(a => a.Position)
                .Select(a => new { a.PostId, a.Author!.DisplayName, a.Author.Slug })
                .ToListAsync(cancellationToken))
            .ToLookup(a => a.PostId, a => new NameAndSlug(a.DisplayName, a.Slug));
        var tags = (await db.Posts.Where(p => ids.Contains(p.Id))
                .SelectMany(p => p.Tags, (p, t) => new { PostId = p.Id, t.Name, t.Slug })
                .ToListAsync(cancellationToken))
            .ToLookup(t => t.PostId, t => new NameAndSlug(t.Name, t.Slug));
        return [.. rows.Select(r => new PostSummary(r.Id, r.Kind, r.Title, r.Permalink, r.PublishedAt, r.Html, r.HasMore, r.Pinned,
            [.. authors[r.Id]], [.. tags[r.Id].OrderBy(t => t.Name, StringComparer.CurrentCultureIgnoreCase)]))];
    }
}

/// <summary>The "Newer posts / Older posts" links of a listing at <see cref="BasePath"/>.</summary>
public sealed record Pager(PostPage Page, string BasePath);

/// <summary>Reads the <c>?page=</c> number of a listing; anything that is not a sensible page number is "no such page".</summary>
public static class PageNumbers
{
    public const int Max = 100_000;

    public static int? Parse(string? raw)
    {
        if (string.IsNullOrEmpty(raw)) return 1;
        return int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= Max ? n : null;
    }
}
