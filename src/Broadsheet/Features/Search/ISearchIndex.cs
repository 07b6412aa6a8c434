namespace Broadsheet.Features.Search;

/// <summary>
/// One record as the search index holds it. <see cref="Source"/> and <see cref="RecordId"/> name the
/// row it came from (<c>post</c> for the Posts table; newsletter issues, digest items and statements
/// add their own sources later); <see cref="Kind"/> is what readers filter on ("post", "page", …).
/// <see cref="IsPublic"/> says the record is published or scheduled; whether its time has come is
/// decided at query time from <see cref="PublishedAt"/>, so a scheduled post turns up on time.
/// </summary>
public sealed record SearchDocument(
    string Source,
    int RecordId,
    string Kind,
    string Title,
    string Body,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> TagSlugs,
    IReadOnlyList<string> Authors,
    string? Url,
    DateTime? PublishedAt,
    int? Year,
    bool IsPublic);

/// <summary>
/// What to look for and where. <see cref="IncludeDrafts"/> is for staff only (admin search), and so
/// are <see cref="Status"/> (only drafts, scheduled or published records) and <see cref="OnlyPostIds"/>
/// (only these posts and pages: what an account that may not see everyone's posts may see).
/// </summary>
public sealed record SearchRequest(
    SearchQuery Query,
    string? Kind = null,
    string? TagSlug = null,
    int? Year = null,
    int Page = 1,
    int PageSize = 10,
    bool IncludeDrafts = false,
    SearchStatus? Status = null,
    IReadOnlyCollection<int>? OnlyPostIds = null);

/// <summary>Where a record stands for readers now: not public, public from a later date, or public.</summary>
public enum SearchStatus
{
    Draft,
    Scheduled,
    Published,
}

/// <summary>
/// One result. <see cref="TitleHtml"/> and <see cref="SnippetHtml"/> are HTML-encoded text in which
/// the only markup is our own <c>&lt;mark&gt;</c> around matched words.
/// </summary>
public sealed record SearchHit(
    string Source,
    int RecordId,
    string Kind,
    string Title,
    string TitleHtml,
    string SnippetHtml,
    string? Url,
    DateTime? PublishedAt,
    bool IsPublic,
    IReadOnlyList<(string Name, string Slug)> Tags,
    IReadOnlyList<string> Authors)
{
    /// <summary>Where the record stands for readers at <paramref name="nowUtc"/> (for posts, as <see cref="Posts.PostQueries.StatusAsOf(Posts.Post, DateTime)"/> says, from what the index holds).</summary>
    public SearchStatus StatusAt(DateTime nowUtc) =>
        !IsPublic ? SearchStatus.Draft : PublishedAt > nowUtc ? SearchStatus.Scheduled : SearchStatus.Published;
}

/// <summary>
/// A page of results, best first, and whether another page follows. <see cref="RankedNewest"/> is set
/// when more records matched than a search ranks (<see cref="SearchIndexBase.DefaultRankingWindow"/>):
/// the results are then the best of the that-many newest matches, and a reader should be told.
/// <see cref="SearchedNewest"/> is set when a phrase of common words was looked for in only that many
/// of the newest records (<see cref="SearchIndexBase.PhraseScanPerWindow"/>), and older ones may hold it too.
/// </summary>
public sealed record SearchResults(IReadOnlyList<SearchHit> Hits, int Page, bool HasMore, int? RankedNewest = null, int? SearchedNewest = null)
{
    public static SearchResults None(int page) => new([], page, false);
}

/// <summary>How far a rebuild has got.</summary>
public readonly record struct SearchProgress(int Done, int Total);

/// <summary>
/// The full-text index over everything published (and drafts, for staff). Two implementations with
/// the same behaviour: <see cref="SqliteSearchIndex"/> (FTS5, bm25) and <see cref="PostgresSearchIndex"/>
/// (tsvector + GIN, ts_rank_cd). The app never needs to call <see cref="IndexAsync"/> itself:
/// <see cref="SearchSync"/> indexes whatever SaveChanges wrote.
/// </summary>
public interface ISearchIndex
{
    /// <summary>Adds or replaces these documents.</summary>
    Task IndexAsync(IReadOnlyCollection<SearchDocument> documents, CancellationToken cancellationToken = default);

    /// <summary>Removes the documents of these records.</summary>
    Task RemoveAsync(string source, IReadOnlyCollection<int> recordIds, CancellationToken cancellationToken = default);

    /// <summary>Ranked results (title matches first), public ones only unless <see cref="SearchRequest.IncludeDrafts"/>.</summary>
    Task<SearchResults> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default);

    /// <summary>Empties the index and indexes every record of every source again, in one transaction; returns how many.</summary>
    Task<int> RebuildAsync(IProgress<SearchProgress>? progress = null, CancellationToken cancellationToken = default);
}
