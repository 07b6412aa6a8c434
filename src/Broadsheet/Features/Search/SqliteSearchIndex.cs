using System.Data.Common;
using System.Globalization;
using Broadsheet.Data;

namespace Broadsheet.Features.Search;

/// <summary>
/// Search on SQLite: the table <c>search_documents</c> holds one row per record and is the external
/// content of the FTS5 table <c>search_fts</c> (tokenizer <c>porter unicode61 remove_diacritics 2</c>:
/// English stems, any script, accents folded), kept in step by triggers. Ranking is bm25's formula
/// (<see cref="SqliteRanking"/>) with the title weighted highest, then tags and authors, then the body,
/// over at most the newest <c>RankingWindow</c> matches; <c>snippet()</c> and <c>highlight()</c> mark
/// the matches of the shown page. See the AddSearch migration for the schema and README.md here for
/// how a search runs.
/// </summary>
public sealed class SqliteSearchIndex(BroadsheetDb db, TimeProvider clock, int rankingWindow) : SearchIndexBase(db, clock, rankingWindow)
{
    /// <summary>The format EF Core uses for DateTime on SQLite; the Posts triggers copy PublishedAt verbatim, so ours must match.</summary>
    internal const string DateFormat = "yyyy-MM-dd HH:mm:ss.FFFFFFF";

    /// <summary>Merges the FTS5 segments written during the rebuild into one, so queries read one b-tree.</summary>
    protected override Task AfterRebuildAsync(CancellationToken cancellationToken) => MergeSegmentsAsync(cancellationToken);

    private async Task MergeSegmentsAsync(CancellationToken cancellationToken)
    {
        await using var optimise = Command("INSERT INTO search_fts (search_fts) VALUES ('optimize')");
        await optimise.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// FTS5 writes each transaction's changes as a new segment and merges segments of a size in fours
    /// (automerge), so a site that grows a post at a time keeps up to a dozen; every search then looks
    /// each word up in every segment, and the shown page's snippets cost 3–4 times what they cost on one
    /// segment (measured on 50,000 posts with 15 segments). Merging them all ('optimize') took 2.5 s there.
    /// </summary>
    protected override async Task<int?> TidyCoreAsync(int mergeAtPieces, CancellationToken cancellationToken)
    {
        await using var count = Command("SELECT count(DISTINCT segid) FROM search_fts_idx");
        var segments = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        if (segments < Math.Max(2, mergeAtPieces)) return null;
        await MergeSegmentsAsync(cancellationToken);
        return segments;
    }

    protected override string ContainsFunction => "instr";

    protected override object DateValue(DateTime utc) => utc.ToString(DateFormat, CultureInfo.InvariantCulture);

    protected override DateTime ReadDate(DbDataReader reader, int ordinal) =>
        DateTime.SpecifyKind(DateTime.ParseExact(reader.GetString(ordinal), DateFormat, CultureInfo.InvariantCulture), DateTimeKind.Utc);

    /// <summary>
    /// Without kind, tag or year filters (the usual search), rank on the FTS5 table alone: ranking is
    /// the cost that grows with a common word, and joining every match to its filter columns cost
    /// nearly as much again. Only the best candidates are then checked against the (rarely failing)
    /// public-and-due filter. With a narrowing filter the joined query is cheaper anyway, because only
    /// the matches that pass it are ranked.
    /// </summary>
    protected override bool CanRankCandidatesFirst(SearchRequest request) =>
        request is { Kind: null, TagSlug: null, Year: null, Status: null, OnlyPostIds: null };

    protected override string InIds(DbCommand command, string name, IReadOnlyCollection<int> ids)
    {
        Parameter(command, name, "[" + string.Join(',', ids.Select(id => id.ToString(CultureInfo.InvariantCulture))) + "]");
        return $"IN (SELECT value FROM json_each(@{name}))";
    }

    protected override string QuerySql(SearchQuery query, DbCommand command, string filters, bool candidatesFirst, bool windowed)
    {
        Parameter(command, "match", Match(query));
        var rank = RankExpression(query, command);
        // Snippets and highlights are made only for the page that is shown (snippet() over every
        // match would cost far more than the ranking itself). CROSS JOIN keeps the page's rows as the
        // outer loop, so FTS5 is asked for each shown row by its rowid: with a plain JOIN SQLite chose
        // to walk every match of the query once more and look each up in the page (measured: 11 ms of a
        // 24-ms phrase search on 50,000 posts).
        const string Page = """
            SELECT d.source, d.record_id, d.kind, d.title, d.url, d.published_at, d.is_public, d.tags, d.tag_slugs, d.authors,
                   highlight(search_fts, 0, char(1), char(2)),
                   snippet(search_fts, 1, char(1), char(2), '…', 30),
                   (SELECT capped FROM window_start), (SELECT scan_cut FROM window_start)
            """;
        if (!windowed)
        {
            const string NoWindow = "window_start AS (SELECT 0 AS capped, 0 AS scan_cut),";
            if (candidatesFirst)
                return CandidatesFirst($"""
                    {NoWindow}
                    matches AS (SELECT rowid AS id, {rank} AS score FROM search_fts WHERE search_fts MATCH @match),
                    """);
            return Ranked($"""
                {NoWindow}
                ranked AS (
                    SELECT d.id AS id, {rank} AS score, d.published_at AS published_at
                    FROM search_fts JOIN search_documents d INDEXED BY search_documents_filters ON d.id = search_fts.rowid
                    WHERE search_fts MATCH @match{filters}
                    ORDER BY score, d.published_at DESC, d.id DESC
                    LIMIT @take OFFSET @skip)
                """);
        }

        // The ranking window (see SearchIndexBase.DefaultRankingWindow). FTS5 hands out matches newest
        // rowid first and stops after @window_plus_one, ranking each as it goes: one pass over the newest
        // matches, where ranking every match would walk all of them (and a phrase's positions in each).
        // The extra row only tells whether more matched; it is not ranked with the others.
        // A phrase whose words are all common (see SearchIndexBase.PhraseScanPerWindow) may match few of
        // the records that hold its words, and FTS5 would check the positions in every one of them to
        // find out; it is looked for in the newest @scan_records records only (scan_floor), and the
        // results say so when that left records unsearched before the window filled.
        var bounded = PhraseOfCommonWords(query, command);
        var scanFloor = bounded
            ? $"""
                scan_floor AS (
                    SELECT coalesce((SELECT d.id FROM search_documents d INDEXED BY search_documents_filters WHERE 1 = 1{filters}
                                     ORDER BY d.id DESC LIMIT 1 OFFSET @scan_records), 0) AS id),
                """
            : "";
        var inScan = bounded ? " AND search_fts.rowid >= (SELECT id FROM scan_floor)" : "";
        var windowStart = $"""
            window_start AS (
                SELECT count(*) > @window AS capped, CASE WHEN count(*) > @window THEN min(id) + 1 ELSE 0 END AS id,
                       {(bounded ? "count(*) <= @window AND (SELECT id FROM scan_floor) > 0" : "0")} AS scan_cut
                FROM newest),
            """;
        if (candidatesFirst)
            return CandidatesFirst($"""
                {scanFloor}
                newest AS MATERIALIZED (
                    SELECT rowid AS id, {rank} AS score
                    FROM search_fts
                    WHERE search_fts MATCH @match{inScan}
                    ORDER BY rowid DESC
                    LIMIT @window_plus_one),
                {windowStart}
                matches AS (SELECT id, score FROM newest WHERE id >= (SELECT id FROM window_start)),
                """);
        // With filters: rank first, reading the filter columns from their covering index rather than
        // from each match's wide row; then make snippets for the one page.
        return Ranked($"""
            {scanFloor}
            newest AS MATERIALIZED (
                SELECT d.id AS id, {rank} AS score, d.published_at AS published_at
                FROM search_fts JOIN search_documents d INDEXED BY search_documents_filters ON d.id = search_fts.rowid
                WHERE search_fts MATCH @match{inScan}{filters}
                ORDER BY search_fts.rowid DESC
                LIMIT @window_plus_one),
            {windowStart}
            ranked AS (
                SELECT id, score, published_at FROM newest
                WHERE id >= (SELECT id FROM window_start)
                ORDER BY score, published_at DESC, id DESC
                LIMIT @take OFFSET @skip)
            """);

        // When nothing is found, one row of NULLs still carries window_start's flags (a reader is told
        // when a phrase was looked for in the newest records only) and, ranking candidates first, how many
        // candidates there were (none: nothing matched, and the filtered query need not run); the last
        // three columns sort the page.
        string CandidatesFirst(string matches) => $"""
            WITH {matches}
            candidates AS (SELECT id, score FROM matches ORDER BY score LIMIT @candidates),
            ranked AS (
                SELECT d.id AS id, candidates.score AS score, d.published_at AS published_at
                FROM candidates JOIN search_documents d INDEXED BY search_documents_filters ON d.id = candidates.id
                WHERE 1 = 1{filters}
                ORDER BY score, d.published_at DESC, d.id DESC
                LIMIT @take OFFSET @skip)
            {Page},
                   ranked.score, (SELECT count(*) FROM candidates), (SELECT max(score) FROM candidates),
                   ranked.score, ranked.published_at, ranked.id
            FROM ranked
            CROSS JOIN search_fts ON search_fts.rowid = ranked.id
            JOIN search_documents d ON d.id = ranked.id
            WHERE search_fts MATCH @match
            UNION ALL
            SELECT {Nulls(12)}, capped, scan_cut, NULL, (SELECT count(*) FROM candidates), {Nulls(4)} FROM window_start WHERE NOT EXISTS (SELECT 1 FROM ranked)
            ORDER BY 18, 19 DESC, 20 DESC
            """;

        static string Ranked(string ranked) => $"""
            WITH {ranked}
            {Page},
                   ranked.score, ranked.published_at, ranked.id
            FROM ranked
            CROSS JOIN search_fts ON search_fts.rowid = ranked.id
            JOIN search_documents d ON d.id = ranked.id
            WHERE search_fts MATCH @match
            UNION ALL
            SELECT {Nulls(12)}, capped, scan_cut, {Nulls(3)} FROM window_start WHERE NOT EXISTS (SELECT 1 FROM ranked)
            ORDER BY 15, 16 DESC, 17 DESC
            """;

        static string Nulls(int count) => string.Join(", ", Enumerable.Repeat("NULL", count));
    }

    /// <summary>
    /// Whether the query has a phrase and every word in it is in more than
    /// <c>RankingWindow × </c><see cref="SearchIndexBase.CommonWordPerWindow"/> records; if so, adds <c>@scan_records</c>.
    /// </summary>
    private bool PhraseOfCommonWords(SearchQuery query, DbCommand command)
    {
        if (!query.HasPhrase || command.Connection is not Microsoft.Data.Sqlite.SqliteConnection connection) return false;
        if (SqliteRanking.AllWordsInMoreThan(connection, query, (long)RankingWindow * CommonWordPerWindow) != true) return false;
        Parameter(command, "scan_records", RankingWindow * PhraseScanPerWindow);
        return true;
    }

    /// <summary>
    /// <see cref="SqliteRanking"/>'s function where this connection has it (bm25 with document counts from
    /// the vocabulary: no second pass over every match), else FTS5's bm25 itself.
    /// </summary>
    private static string RankExpression(SearchQuery query, DbCommand command)
    {
        if (command.Connection is not Microsoft.Data.Sqlite.SqliteConnection connection || !SqliteRanking.IsRegistered(connection))
            return $"bm25(search_fts, {Weights})";
        // FTS5 numbers the phrases of the MATCH in order, one per term (see Match).
        var prefixes = 0L;
        for (var i = 0; i < query.Terms.Count; i++)
            if (query.Terms[i].Prefix) prefixes |= 1L << i;
        Parameter(command, "prefixes", prefixes);
        return $"{SqliteRanking.FunctionName}(search_fts, @prefixes, {Weights})";
    }

    /// <summary>bm25 weights of the columns title, body, tags, authors.</summary>
    private const string Weights = "10.0, 1.0, 4.0, 4.0";

    /// <summary>
    /// The FTS5 query: every term as a quoted string (so no word is ever an operator), a phrase as one
    /// quoted string of its words, a prefix as a quoted string followed by <c>*</c>; all required.
    /// Terms hold only letters, digits and marks (see <see cref="SearchQuery"/>), never a quote.
    /// </summary>
    internal static string Match(SearchQuery query) =>
        string.Join(' ', query.Terms.Select(t => "\"" + string.Join(' ', t.Words) + "\"" + (t.Prefix ? "*" : "")));
}
