using System.Runtime.InteropServices;
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
/// Loads listings of summaries, reading only the columns a listing shows, so the home page stays fast
/// on a site of 100,000 posts: the posts in one query, then the bylines and the tags of all of them
/// (the home page's pinned items included) in one query each. Those two are compiled once (EF's
/// <see cref="EF.CompileAsyncQuery{TContext, TParam1, TResult}(System.Linq.Expressions.Expression{Func{TContext, TParam1, IQueryable{TResult}}})"/>),
/// so a page view spends no time re-reading their expression trees.
/// </summary>
public static class PostListing
{
    private sealed record Row(int Id, PostKind Kind, string Title, string Slug, int? ArchiveMonth, DateTime? PublishedAt, string Html, bool HasMore, bool Pinned);

    private sealed record Name(int PostId, string DisplayName, string Slug);

    /// <summary>
    /// The compiled byline and tag queries. A compiled query keeps the executor (the SQL) of the first
    /// database it ran on, so each context type (one per provider) has its own pair: a process serves one
    /// provider, but the test suite runs both side by side.
    /// </summary>
    private sealed class CompiledQueries
    {
        public readonly Func<BroadsheetDb, List<int>, IAsyncEnumerable<Name>> AuthorsOf = EF.CompileAsyncQuery(
            (BroadsheetDb db, List<int> ids) => db.PostAuthors.Where(a => ids.Contains(a.PostId))
                .OrderBy(a => a.PostId).ThenBy(a => a.Position)
                .Select(a => new Name(a.PostId, a.Author!.DisplayName, a.Author.Slug)));

        public readonly Func<BroadsheetDb, List<int>, IAsyncEnumerable<Name>> TagsOf = EF.CompileAsyncQuery(
            (BroadsheetDb db, List<int> ids) => db.Posts.Where(p => ids.Contains(p.Id))
                .SelectMany(p => p.Tags, (p, t) => new Name(p.Id, t.Name, t.Slug)));
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, CompiledQueries> QueriesByContext = new();

    private static CompiledQueries QueriesFor(BroadsheetDb db) => QueriesByContext.GetOrAdd(db.GetType(), static _ => new CompiledQueries());

    public static async Task<PostPage> PageAsync(BroadsheetDb db, IQueryable<Post> filtered, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        var rows = await RowsAsync(filtered, pageNumber, pageSize, cancellationToken);
        var hasOlder = rows.Count > pageSize;
        if (hasOlder) rows.RemoveAt(rows.Count - 1);
        var summaries = await WithBylinesAsync(db, [rows], cancellationToken);
        return new PostPage(summaries[0], pageNumber, hasOlder);
    }

    /// <summary>
    /// The home page: up to three pinned items (shown above page 1 only, but left out of the dated
    /// flow on every page so paging stays stable) and a page of the other visible posts.
    /// </summary>
    public static async Task<(IReadOnlyList<PostSummary> Pinned, PostPage Page)> HomeAsync(BroadsheetDb db, DateTime nowUtc, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        // "Pinned = @pinned", not a bare "WHERE Pinned": SQLite can only use IX_Posts_Pinned for a comparison,
        // and without it walks every post newest first looking for pinned ones (a second on 100,000 posts).
        var pinned = true;
        var pinnedRows = await Project(db.Posts.Where(p => p.Pinned == pinned).Visible(nowUtc).NewestFirst().Take(3)).ToListAsync(cancellationToken);
        var pinnedIds = pinnedRows.ConvertAll(r => r.Id);
        var rows = await RowsAsync(db.VisiblePosts(nowUtc).Where(p => !pinnedIds.Contains(p.Id)), pageNumber, pageSize, cancellationToken);
        var hasOlder = rows.Count > pageSize;
        if (hasOlder) rows.RemoveAt(rows.Count - 1);
        var shown = pageNumber == 1 ? pinnedRows : [];
        var summaries = await WithBylinesAsync(db, [shown, rows], cancellationToken);
        return (summaries[0], new PostPage(summaries[1], pageNumber, hasOlder));
    }

    private static Task<List<Row>> RowsAsync(IQueryable<Post> filtered, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        var skip = (pageNumber - 1) * pageSize;
        var take = pageSize + 1;
        return Project(filtered.NewestFirst().Skip(skip).Take(take)).ToListAsync(cancellationToken);
    }

    private static IQueryable<Row> Project(IQueryable<Post> posts) =>
        posts.Select(p => new Row(p.Id, p.Kind, p.Title, p.Slug, p.ArchiveMonth, p.PublishedAt, p.SummaryHtml ?? p.BodyHtml, p.SummaryHtml != null, p.Pinned));

    /// <summary>Summaries of each list of rows, with the bylines and tags of all of them read in one query each.</summary>
    private static async Task<IReadOnlyList<PostSummary>[]> WithBylinesAsync(BroadsheetDb db, List<Row>[] lists, CancellationToken cancellationToken)
    {
        var ids = lists.SelectMany(l => l).Select(r => r.Id).ToList();
        if (ids.Count == 0) return [.. lists.Select(_ => (IReadOnlyList<PostSummary>)[])];
        var queries = QueriesFor(db);
        var authors = new Dictionary<int, List<NameAndSlug>>();
        await foreach (var a in queries.AuthorsOf(db, ids).WithCancellation(cancellationToken))
            (CollectionsMarshal.GetValueRefOrAddDefault(authors, a.PostId, out _) ??= []).Add(new NameAndSlug(a.DisplayName, a.Slug));
        var tags = new Dictionary<int, List<NameAndSlug>>();
        await foreach (var t in queries.TagsOf(db, ids).WithCancellation(cancellationToken))
            (CollectionsMarshal.GetValueRefOrAddDefault(tags, t.PostId, out _) ??= []).Add(new NameAndSlug(t.DisplayName, t.Slug));
        foreach (var list in tags.Values) list.Sort((a, b) => StringComparer.CurrentCultureIgnoreCase.Compare(a.Name, b.Name));
        return [.. lists.Select(list => (IReadOnlyList<PostSummary>)[.. list.Select(r => new PostSummary(
            r.Id, r.Kind, r.Title, PostPaths.Permalink(r.Kind, r.Slug, r.ArchiveMonth) ?? "/", r.PublishedAt!.Value, r.Html, r.HasMore, r.Pinned,
            authors.GetValueOrDefault(r.Id) ?? [], tags.GetValueOrDefault(r.Id) ?? []))])];
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
