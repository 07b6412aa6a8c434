using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Broadsheet.Features.Search;

/// <summary>
/// What both indexes share: batching, transactions and the rebuild loop over <see cref="SearchSources"/>.
/// The subclasses hold the SQL, which is the one place in Broadsheet that speaks a provider's dialect.
/// Commands run on the context's own connection and inside its current transaction, if any.
/// </summary>
public abstract class SearchIndexBase(BroadsheetDb db, TimeProvider clock, int rankingWindow) : ISearchIndex
{
    /// <summary>Records read and written per round trip while rebuilding.</summary>
    public const int BatchSize = 500;

    /// <summary>
    /// How many matches a search ranks at most (<c>Search:RankingWindow</c>; 0 ranks every match).
    /// Ranking costs time for every matching record, and a word found in most of a large site (or a
    /// phrase of common words) matches tens of thousands: 50–130 ms on 50,000 posts, against 2–5 ms for
    /// an ordinary search. When more records match than this, the newest-indexed that many are ranked and
    /// the results say so. Documents are written oldest first wherever many are written at once (an import,
    /// a rebuild), so "newest-indexed" is the newest by date, and for records written one at a time it is the
    /// most recently added
    /// (<see cref="SearchResults.RankedNewest"/>); filters narrow the matches before they are counted,
    /// so a year or a tag reaches any older record. See bench/README.md for the measurements.
    /// </summary>
    public const int DefaultRankingWindow = 1_000;

    /// <summary>
    /// A quoted phrase made only of common words (each in more than <c>RankingWindow ×</c>
    /// <see cref="CommonWordPerWindow"/> records, 4,000 by default: "of the", "or to have") may be in few of
    /// the many records that hold its words, and finding those means checking word positions in every
    /// one: 10–35 ms on 50,000 posts. On SQLite such a phrase is looked for in the newest
    /// <c>RankingWindow × PhraseScanPerWindow</c> records only (4,000), and the results say so
    /// (<see cref="SearchResults.SearchedNewest"/>) when that left older records unsearched. A phrase
    /// with a rarer word is searched everywhere: its rarest word leads FTS5 through few records.
    /// A site with fewer records than that is always searched whole.
    /// </summary>
    public const int PhraseScanPerWindow = 4;

    /// <summary>See <see cref="PhraseScanPerWindow"/>.</summary>
    public const int CommonWordPerWindow = 4;

    /// <summary>How many matches a search ranks at most (0: all); see <see cref="DefaultRankingWindow"/>.</summary>
    protected int RankingWindow => rankingWindow;

    protected DateTime NowUtc => clock.GetUtcNow().UtcDateTime;

    public static ISearchIndex For(BroadsheetDb db, TimeProvider clock, int rankingWindow = DefaultRankingWindow) =>
        db.Dialect.SearchIndex(db, clock, rankingWindow);

    public async Task IndexAsync(IReadOnlyCollection<SearchDocument> documents, CancellationToken cancellationToken = default)
    {
        if (documents.Count == 0) return;
        await InTransactionAsync(() => UpsertAsync(documents, cancellationToken), cancellationToken);
    }

    public async Task RemoveAsync(string source, IReadOnlyCollection<int> recordIds, CancellationToken cancellationToken = default)
    {
        if (recordIds.Count == 0) return;
        await InTransactionAsync(async () =>
        {
            await using var command = Command("DELETE FROM search_documents WHERE source = @source AND record_id = @id");
            Parameter(command, "source", source);
            var idParameter = Parameter(command, "id", 0);
            foreach (var id in recordIds)
            {
                idParameter.Value = id;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }, cancellationToken);
    }

    /// <summary>
    /// Rewrites every document in one transaction, oldest record first across all sources, so that the
    /// documents' ids (the order the ranking window calls "newest", see <see cref="DefaultRankingWindow"/>)
    /// follow the records' dates whatever order they were written or imported in.
    /// </summary>
    public async Task<int> RebuildAsync(IProgress<SearchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var done = 0;
        // One transaction: readers keep seeing the old index until the new one is complete. The records are
        // listed inside it, after the old documents are gone, so a post saved meanwhile is not left out.
        await InTransactionAsync(async () =>
        {
            done = 0;
            await using (var clear = Command("DELETE FROM search_documents"))
                await clear.ExecuteNonQueryAsync(cancellationToken);
            var records = new List<(ISearchSource Source, int Id, DateTime? Date)>();
            foreach (var source in SearchSources.All)
                foreach (var (id, date) in await source.RecordDatesAsync(db, cancellationToken))
                    records.Add((source, id, date));
            records.Sort((a, b) => AgeOrder(a.Date, a.Id, b.Date, b.Id) is var byAge and not 0 ? byAge : string.CompareOrdinal(a.Source.Name, b.Source.Name));
            progress?.Report(new SearchProgress(0, records.Count));
            var listed = 0;
            foreach (var batch in records.Chunk(BatchSize))
            {
                var documents = new List<SearchDocument>(batch.Length);
                foreach (var run in batch.GroupBy(r => r.Source))
                    documents.AddRange(await run.Key.LoadAsync(db, [.. run.Select(r => r.Id)], cancellationToken));
                await UpsertAsync(documents, cancellationToken);
                db.ChangeTracker.Clear();
                done += documents.Count; // a record deleted since it was listed has no document
                listed += batch.Length;
                progress?.Report(new SearchProgress(listed, records.Count));
            }
            await AfterRebuildAsync(cancellationToken);
        }, cancellationToken);
        return done;
    }

    /// <summary>
    /// Oldest first: by date, a record without one (a draft) after every dated one, then by id. The order in
    /// which documents are written wherever several are written at once (<see cref="UpsertAsync"/>).
    /// </summary>
    internal static int AgeOrder(DateTime? dateA, int idA, DateTime? dateB, int idB) =>
        (dateA ?? DateTime.MaxValue).CompareTo(dateB ?? DateTime.MaxValue) is var byDate and not 0 ? byDate : idA.CompareTo(idB);

    /// <summary>
    /// Indexes the records of every source that have no document yet, <paramref name="batchSize"/> at a
    /// time, each batch in its own short transaction, pausing between batches so other writers get
    /// their turn. Safe to stop at any point and to run again (it only ever looks at what is missing).
    /// Returns how many records it indexed; <paramref name="progress"/> hears the running total.
    /// </summary>
    public async Task<int> FillMissingAsync(int batchSize, TimeSpan pause, Action<int>? progress, CancellationToken cancellationToken)
    {
        var done = 0;
        foreach (var source in SearchSources.All)
        {
            var afterId = 0;
            while (true)
            {
                var missing = await source.MissingAsync(db, afterId, batchSize, cancellationToken);
                if (missing.Count == 0) break;
                var documents = await source.LoadAsync(db, missing, cancellationToken);
                await InTransactionAsync(async () =>
                {
                    await UpsertAsync(documents, cancellationToken);
                    // A record deleted between reading it and writing its document must not stay in the
                    // index (its delete trigger found nothing to remove).
                    await using var orphans = Command("");
                    orphans.CommandText = source.OrphansSql + " AND record_id " + InIds(orphans, "ids", missing);
                    Parameter(orphans, "source", source.Name);
                    await orphans.ExecuteNonQueryAsync(cancellationToken);
                }, cancellationToken);
                db.ChangeTracker.Clear();
                afterId = missing.Max();
                done += documents.Count;
                progress?.Invoke(done);
                if (pause > TimeSpan.Zero) await Task.Delay(pause, cancellationToken);
            }
        }
        return done;
    }

    public async Task<SearchResults> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Query.IsEmpty) return SearchResults.None(request.Page);
        // Callers refuse larger page numbers; clamped here too, so (page - 1) * pageSize can never overflow into a negative OFFSET.
        var page = Math.Clamp(request.Page, 1, PageNumbers.Max);
        var pageSize = Math.Clamp(request.PageSize, 1, 100);
        var (hits, capped, scanCut) = await WithConnectionAsync(() => QueryAsync(request with { Page = page, PageSize = pageSize }, cancellationToken), cancellationToken);
        var hasMore = hits.Count > pageSize;
        return new SearchResults(hasMore ? hits.Take(pageSize).ToList() : hits, page, hasMore,
            capped ? rankingWindow : null, scanCut ? rankingWindow * PhraseScanPerWindow : null);
    }

    /// <summary>Writes the documents (insert or replace by source and record id; both databases speak this UPSERT).</summary>
    /// <summary>The columns <see cref="UpsertAsync"/> writes, in its parameters' order.</summary>
    private static readonly string[] DocumentColumns =
        ["source", "record_id", "kind", "is_public", "published_at", "year", "tag_slugs", "url", "title", "tags", "authors", "body"];

    private async Task UpsertAsync(IReadOnlyCollection<SearchDocument> documents, CancellationToken cancellationToken)
    {
        await using var command = Command("""
            INSERT INTO search_documents (source, record_id, kind, is_public, published_at, year, tag_slugs, url, title, tags, authors, body)
            VALUES (@source, @record_id, @kind, @is_public, @published_at, @year, @tag_slugs, @url, @title, @tags, @authors, @body)
            ON CONFLICT (source, record_id) DO UPDATE SET
                kind = excluded.kind, is_public = excluded.is_public, published_at = excluded.published_at, year = excluded.year,
                tag_slugs = excluded.tag_slugs, url = excluded.url, title = excluded.title, tags = excluded.tags,
                authors = excluded.authors, body = excluded.body
            """);
        var p = DocumentColumns.Select(name => Parameter(command, name, null)).ToArray();
        // New documents take ids in the order written: oldest first, so the newest record gets the highest id.
        var oldestFirst = documents.ToList();
        oldestFirst.Sort((a, b) => AgeOrder(a.PublishedAt, a.RecordId, b.PublishedAt, b.RecordId));
        foreach (var d in oldestFirst)
        {
            p[0].Value = d.Source;
            p[1].Value = d.RecordId;
            p[2].Value = d.Kind;
            p[3].Value = d.IsPublic;
            p[4].Value = d.PublishedAt is { } at ? DateValue(at) : DBNull.Value;
            p[5].Value = (object?)d.Year ?? DBNull.Value;
            p[6].Value = "|" + string.Join('|', d.TagSlugs) + "|";
            p[7].Value = (object?)d.Url ?? DBNull.Value;
            p[8].Value = d.Title;
            p[9].Value = string.Join('\n', d.Tags);
            p[10].Value = string.Join('\n', d.Authors);
            p[11].Value = d.Body;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// One page of ranked hits plus one more if there is a further page (so <c>PageSize + 1</c> at most).
    /// Where the provider can (see <see cref="CanRankCandidatesFirst"/>), the best few matches are ranked
    /// by the full-text index alone and only those are filtered; when that cannot be shown to give
    /// exactly the page the full query would (too few survived the filters, or a tie at the cut), the
    /// full query runs instead. Either way the page is the same.
    /// </summary>
    private async Task<(IReadOnlyList<SearchHit> Hits, bool Capped, bool ScanCut)> QueryAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        if (CanRankCandidatesFirst(request))
        {
            var (hits, capped, scanCut, exact) = await RunAsync(request, candidatesFirst: true, cancellationToken);
            if (exact) return (hits, capped, scanCut);
        }
        var full = await RunAsync(request, candidatesFirst: false, cancellationToken);
        return (full.Hits, full.Capped, full.ScanCut);
    }

    private async Task<(IReadOnlyList<SearchHit> Hits, bool Capped, bool ScanCut, bool Exact)> RunAsync(SearchRequest request, bool candidatesFirst, CancellationToken cancellationToken)
    {
        await using var command = Command("");
        // The filters are plain SQL both databases share; tags are stored as "|slug-a|slug-b|". "Visible now" is
        // PostQueries.Visible written in SQL: is_public (published or scheduled) and its time has come.
        var filters = new StringBuilder();
        if (!request.IncludeDrafts)
        {
            filters.Append(" AND d.is_public = @is_public AND d.published_at <= @now");
            Parameter(command, "is_public", true);
            Parameter(command, "now", DateValue(NowUtc));
        }
        switch (request.Status)
        {
            case SearchStatus.Draft:
                filters.Append(" AND d.is_public = @status_public");
                Parameter(command, "status_public", false);
                break;
            case SearchStatus.Scheduled or SearchStatus.Published:
                filters.Append(request.Status == SearchStatus.Scheduled
                    ? " AND d.is_public = @status_public AND d.published_at > @status_now"
                    : " AND d.is_public = @status_public AND d.published_at <= @status_now");
                Parameter(command, "status_public", true);
                Parameter(command, "status_now", DateValue(NowUtc));
                break;
        }
        if (request.OnlyPostIds is { } postIds)
        {
            filters.Append(CultureInfo.InvariantCulture, $" AND d.source = @only_source AND d.record_id {InIds(command, "only_ids", postIds)}");
            Parameter(command, "only_source", PostSearchSource.SourceName);
        }
        if (request.Kind is { } kind)
        {
            filters.Append(" AND d.kind = @kind");
            Parameter(command, "kind", kind);
        }
        if (request.Year is { } year)
        {
            filters.Append(" AND d.year = @year");
            Parameter(command, "year", year);
        }
        if (request.TagSlug is { } tag)
        {
            filters.Append(CultureInfo.InvariantCulture, $" AND {ContainsFunction}(d.tag_slugs, @tag) > 0");
            Parameter(command, "tag", "|" + tag + "|");
        }
        var take = request.PageSize + 1;
        var skip = (request.Page - 1) * request.PageSize;
        // Enough candidates for the page and the next row, with room for the few that the filters drop (drafts, scheduled).
        var candidates = 2 * (skip + take) + 20;
        Parameter(command, "take", take);
        Parameter(command, "skip", skip);
        if (candidatesFirst) Parameter(command, "candidates", candidates);
        var windowed = rankingWindow > 0;
        if (windowed)
        {
            Parameter(command, "window", rankingWindow);
            Parameter(command, "window_plus_one", rankingWindow + 1);
        }
        command.CommandText = QuerySql(request.Query, command, filters.ToString(), candidatesFirst, windowed);
        var hits = new List<SearchHit>();
        double lastScore = 0, worstCandidate = 0;
        var candidateCount = 0;
        bool capped = false, scanCut = false, nothingMatched = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.IsDBNull(0))
            {
                // Nothing found: a row of only the window's flags (and, ranking candidates first, their count).
                capped = reader.GetBoolean(12);
                scanCut = reader.GetBoolean(13);
                nothingMatched = candidatesFirst && !reader.IsDBNull(15) && reader.GetInt32(15) == 0;
                continue;
            }
            var title = reader.GetString(3);
            hits.Add(new SearchHit(
                reader.GetString(0),
                reader.GetInt32(1),
                reader.GetString(2),
                title,
                Highlights.ToHtml(reader.IsDBNull(10) ? title : reader.GetString(10)),
                Highlights.ToHtml(reader.IsDBNull(11) ? "" : reader.GetString(11)),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : ReadDate(reader, 5),
                reader.GetBoolean(6),
                [.. reader.GetString(7).Split('\n', StringSplitOptions.RemoveEmptyEntries).Zip(reader.GetString(8).Split('|', StringSplitOptions.RemoveEmptyEntries))],
                reader.GetString(9).Split('\n', StringSplitOptions.RemoveEmptyEntries)));
            capped = reader.GetBoolean(12);
            scanCut = reader.GetBoolean(13);
            if (candidatesFirst)
            {
                lastScore = reader.GetDouble(14);
                candidateCount = reader.GetInt32(15);
                worstCandidate = reader.GetDouble(16);
            }
        }
        if (!candidatesFirst) return (hits, capped, scanCut, true);
        // Exact when the candidates were every match, or when the page (and the row after it) filled up
        // strictly ahead of the weakest candidate (scores ascend: lower is better), so no match outside
        // the candidates could sort in front of a row shown. No rows: exact if nothing matched at all; if
        // the filters dropped every candidate, the full query decides.
        var exact = nothingMatched || (hits.Count > 0 && (candidateCount < candidates || (hits.Count == take && lastScore < worstCandidate)));
        return (hits, capped, scanCut, exact);
    }

    /// <summary>
    /// The provider's ranked query: adds its own parameters for the terms, and selects, best first,
    /// source, record_id, kind, title, url, published_at, is_public, tags, tag_slugs, authors, the
    /// marked title and the marked snippet, for rows of <c>search_documents d</c> that match the
    /// terms and <paramref name="filters"/>, <c>LIMIT @take OFFSET @skip</c>, then whether the ranking
    /// window was full and whether a phrase of common words was looked for in only the newest records
    /// before it filled (booleans; false unless <paramref name="windowed"/>; when nothing matches, the
    /// provider may return one row whose first column is NULL, to carry these two). With
    /// <paramref name="windowed"/>, only the newest <c>@window</c> matches (by id) are ranked when more
    /// match (<c>@window_plus_one</c> is one more). With <paramref name="candidatesFirst"/> (only asked
    /// for when <see cref="CanRankCandidatesFirst"/> says so), it ranks only the best <c>@candidates</c>
    /// matches before filtering, and adds three columns: the row's score (ascending is better), how
    /// many candidates there were, and the weakest candidate's score.
    /// </summary>
    protected abstract string QuerySql(SearchQuery query, DbCommand command, string filters, bool candidatesFirst, bool windowed);

    /// <summary>Whether <see cref="QuerySql"/> can rank candidates before filtering for this request.</summary>
    protected virtual bool CanRankCandidatesFirst(SearchRequest request) => false;

    /// <summary>SQL for "is one of these ids" (after the column), with its parameter added to the command.</summary>
    protected abstract string InIds(DbCommand command, string name, IReadOnlyCollection<int> ids);

    /// <summary>SQL's "position of a substring" function in this dialect.</summary>
    protected abstract string ContainsFunction { get; }

    /// <summary>How this database stores a UTC time (as EF Core stores <c>Posts.PublishedAt</c>, which the triggers copy).</summary>
    protected abstract object DateValue(DateTime utc);

    protected abstract DateTime ReadDate(DbDataReader reader, int ordinal);

    protected virtual Task AfterRebuildAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Keeps the index quick to read after many separate writes (see <see cref="SearchIndexUpkeep"/>):
    /// returns how many pieces the index was in, if it was merged, else null.
    /// </summary>
    public Task<int?> TidyAsync(int mergeAtPieces, CancellationToken cancellationToken) =>
        WithConnectionAsync(() => TidyCoreAsync(mergeAtPieces, cancellationToken), cancellationToken);

    protected virtual Task<int?> TidyCoreAsync(int mergeAtPieces, CancellationToken cancellationToken) => Task.FromResult<int?>(null);

    /// <summary>A command on the context's connection (opened by <see cref="WithConnectionAsync"/>), in its current transaction.</summary>
    protected DbCommand Command(string sql)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        return command;
    }

    protected static DbParameter Parameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    /// <summary>Runs in the caller's transaction if there is one, else in a new one (many small writes, one commit).</summary>
    private async Task InTransactionAsync(Func<Task> work, CancellationToken cancellationToken) =>
        await WithConnectionAsync(async () =>
        {
            if (db.Database.CurrentTransaction is not null)
            {
                await work();
                return true;
            }
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await work();
            await transaction.CommitAsync(cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>Opens the context's connection for the work if it is not open, and closes it again afterwards.</summary>
    private async Task<T> WithConnectionAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        var opened = db.Database.GetDbConnection().State != ConnectionState.Open;
        if (opened) await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            return await work();
        }
        finally
        {
            if (opened) await db.Database.CloseConnectionAsync();
        }
    }
}
