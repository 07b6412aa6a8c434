using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Broadsheet.Features.Search;

/// <summary>
/// A kind of record that goes into the search index. Each source knows how to turn its rows into
/// <see cref="SearchDocument"/>s and which tracked changes touch its rows. Newsletter issues, digest
/// items and statements join by adding a source to <see cref="SearchSources.All"/>.
/// </summary>
public interface ISearchSource
{
    /// <summary>The name stored with each document (unique per source).</summary>
    string Name { get; }

    Task<int> CountAsync(BroadsheetDb db, CancellationToken cancellationToken);

    /// <summary>
    /// Every record's id and the date it counts from (a post's publication; null for a draft), for a rebuild
    /// that writes the documents oldest first (see <see cref="SearchIndexBase.RebuildAsync"/>).
    /// </summary>
    Task<IReadOnlyList<(int Id, DateTime? Date)>> RecordDatesAsync(BroadsheetDb db, CancellationToken cancellationToken);

    /// <summary>Ids above <paramref name="afterId"/>, in order, of records that have no search document.</summary>
    Task<IReadOnlyList<int>> MissingAsync(BroadsheetDb db, int afterId, int take, CancellationToken cancellationToken);

    /// <summary>SQL deleting this source's documents (<c>@source</c>) whose record no longer exists; ends in a WHERE clause that more conditions can follow.</summary>
    string OrphansSql { get; }

    /// <summary>The documents of these records (missing ones are simply absent).</summary>
    Task<IReadOnlyList<SearchDocument>> LoadAsync(BroadsheetDb db, IReadOnlyCollection<int> ids, CancellationToken cancellationToken);

    /// <summary>
    /// Called before SaveChanges writes: notes what the change touches. Returns a function that,
    /// after the save (when new rows have their ids), gives the ids of the records to re-index.
    /// </summary>
    Func<BroadsheetDb, CancellationToken, Task<IReadOnlyCollection<int>>>? Touched(IEnumerable<EntityEntry> entries);
}

public static class SearchSources
{
    public static IReadOnlyList<ISearchSource> All { get; } = [new PostSearchSource()];

    /// <summary>Text that goes into the index never contains the control characters we use to mark highlights.</summary>
    internal static string Clean(string text) =>
        text.Contains(Highlights.Start, StringComparison.Ordinal) || text.Contains(Highlights.Stop, StringComparison.Ordinal)
            ? text.Replace(Highlights.Start, ' ').Replace(Highlights.Stop, ' ')
            : text;
}

/// <summary>Posts and pages: title, excerpt and body text, tags and authors.</summary>
public sealed class PostSearchSource : ISearchSource
{
    /// <summary>A body longer than this is cut (PostgreSQL refuses a tsvector over 1 MB; nobody searches past a book's length).</summary>
    public const int MaxBodyLength = 200_000;

    public const string SourceName = "post";

    public string Name => SourceName;

    public Task<int> CountAsync(BroadsheetDb db, CancellationToken cancellationToken) => db.Posts.CountAsync(cancellationToken);

    public async Task<IReadOnlyList<int>> MissingAsync(BroadsheetDb db, int afterId, int take, CancellationToken cancellationToken) =>
        await db.Database.SqlQuery<int>($"""
            SELECT p."Id" AS "Value" FROM "Posts" p
            WHERE p."Id" > {afterId} AND NOT EXISTS (SELECT 1 FROM search_documents d WHERE d.source = {SourceName} AND d.record_id = p."Id")
            ORDER BY p."Id"
            LIMIT {take}
            """).ToListAsync(cancellationToken);

    public string OrphansSql => """
        DELETE FROM search_documents
        WHERE source = @source AND NOT EXISTS (SELECT 1 FROM "Posts" p WHERE p."Id" = search_documents.record_id)
        """;

    public async Task<IReadOnlyList<(int Id, DateTime? Date)>> RecordDatesAsync(BroadsheetDb db, CancellationToken cancellationToken) =>
        [.. (await db.Posts.AsNoTracking().Select(p => new { p.Id, p.PublishedAt }).ToListAsync(cancellationToken)).Select(p => (p.Id, p.PublishedAt))];

    public Task<IReadOnlyList<SearchDocument>> LoadAsync(BroadsheetDb db, IReadOnlyCollection<int> ids, CancellationToken cancellationToken) =>
        LoadAsync(db, db.Posts.Where(p => ids.Contains(p.Id)), cancellationToken);

    private async Task<IReadOnlyList<SearchDocument>> LoadAsync(BroadsheetDb db, IQueryable<Post> posts, CancellationToken cancellationToken)
    {
        var rows = await posts.AsNoTracking()
            .Select(p => new { p.Id, p.Kind, p.Status, p.Title, p.Slug, p.ArchiveMonth, p.PublishedAt, p.Excerpt, p.BodyHtml })
            .ToListAsync(cancellationToken);
        if (rows.Count == 0) return [];
        var ids = rows.Select(r => r.Id).ToList();
        var authors = (await db.PostAuthors.AsNoTracking().Where(a => ids.Contains(a.PostId))
                .OrderBy(a => a.Position)
                .Select(a => new { a.PostId, a.Author!.DisplayName })
                .ToListAsync(cancellationToken))
            .ToLookup(a => a.PostId, a => a.DisplayName);
        var tags = (await db.Posts.AsNoTracking().Where(p => ids.Contains(p.Id))
                .SelectMany(p => p.Tags, (p, t) => new { PostId = p.Id, t.Id, t.Name, t.Slug })
                .ToListAsync(cancellationToken))
            .ToLookup(t => t.PostId);
        return [.. rows.Select(r =>
        {
            var body = ContentRenderer.PlainText(r.BodyHtml);
            if (!string.IsNullOrWhiteSpace(r.Excerpt)) body = r.Excerpt.Trim() + "\n" + body;
            if (body.Length > MaxBodyLength) body = body[..MaxBodyLength];
            // The order the database's triggers use when a tag changes (SearchBylineTriggers migration).
            var postTags = tags[r.Id].OrderBy(t => t.Name.ToUpperInvariant(), StringComparer.Ordinal).ThenBy(t => t.Id).ToList();
            return new SearchDocument(
                Name,
                r.Id,
                r.Kind == PostKind.Page ? "page" : "post",
                SearchSources.Clean(r.Title),
                SearchSources.Clean(body),
                [.. postTags.Select(t => SearchSources.Clean(t.Name))],
                [.. postTags.Select(t => t.Slug)],
                [.. authors[r.Id].Select(SearchSources.Clean)],
                PostPaths.Permalink(r.Kind, r.Slug, r.ArchiveMonth),
                r.PublishedAt,
                r.ArchiveMonth / 100,
                // Published or scheduled; the index compares the date at query time, as PostQueries.Visible does.
                r.Status is PostStatus.Published or PostStatus.Scheduled);
        })];
    }

    public Func<BroadsheetDb, CancellationToken, Task<IReadOnlyCollection<int>>>? Touched(IEnumerable<EntityEntry> entries)
    {
        // Posts are kept as entities (a new one has no id until saved). Renamed and deleted tags and
        // authors need nothing here: database triggers re-write the affected documents' names in the
        // same transaction, whoever changed them (see the SearchBylineTriggers migration).
        var posts = new HashSet<Post>(ReferenceEqualityComparer.Instance);
        var postIds = new HashSet<int>();
        foreach (var entry in entries)
        {
            switch (entry.Entity)
            {
                // Deleted posts leave the index through a database trigger (see the AddSearch migration),
                // which also catches ExecuteDelete.
                case Post post when entry.State is EntityState.Added or EntityState.Modified:
                    posts.Add(post);
                    break;
                case PostAuthor link:
                    if (link.Post is { } linked && entry.State != EntityState.Deleted) posts.Add(linked);
                    else postIds.Add(link.PostId);
                    break;
                case Dictionary<string, object> join when entry.Metadata.Name == "PostTags" && entry.State is EntityState.Added or EntityState.Deleted:
                    if (join.TryGetValue("PostsId", out var id) && id is int postId && postId > 0) postIds.Add(postId);
                    break;
            }
        }
        if (posts.Count == 0 && postIds.Count == 0) return null;
        return (_, _) =>
        {
            var ids = new HashSet<int>(postIds);
            ids.UnionWith(posts.Select(p => p.Id));
            return Task.FromResult<IReadOnlyCollection<int>>(ids);
        };
    }
}
