using System.Data.Common;
using System.Globalization;
using System.Text;
using Broadsheet.Data;

namespace Broadsheet.Features.Search;

/// <summary>
/// Search on SQLite: the table <c>search_documents</c> holds one row per record and is the external
/// content of the FTS5 table <c>search_fts</c> (tokenizer <c>porter unicode61 remove_diacritics 2</c>:
/// English stems, any script, accents folded), kept in step by triggers. Ranking is bm25 with the
/// title weighted highest, then tags and authors, then the body; <c>snippet()</c> and
/// <c>highlight()</c> mark the matches. See the AddSearch migration for the schema.
/// </summary>
public sealed class SqliteSearchIndex(BroadsheetDb db, TimeProvider clock) : SearchIndexBase(db, clock)
{
    /// <summary>The format EF Core uses for DateTime on SQLite; the Posts triggers copy PublishedAt verbatim, so ours must match.</summary>
    internal const string DateFormat = "yyyy-MM-dd HH:mm:ss.FFFFFFF";

    protected override async Task UpsertAsync(IReadOnlyCollection<SearchDocument> documents, CancellationToken cancellationToken)
    {
        await using var command = Command("""
            INSERT INTO search_documents (source, record_id, kind, title, body, tags, authors, tag_slugs, url, published_at, year, is_public)
            VALUES (@source, @record_id, @kind, @title, @body, @tags, @authors, @tag_slugs, @url, @published_at, @year, @is_public)
            ON CONFLICT (source, record_id) DO UPDATE SET
                kind = excluded.kind, title = excluded.title, body = excluded.body, tags = excluded.tags,
                authors = excluded.authors, tag_slugs = excluded.tag_slugs, url = excluded.url,
                published_at = excluded.published_at, year = excluded.year, is_public = excluded.is_public
            """);
        var p = new[] { "source", "record_id", "kind", "title", "body", "tags", "authors", "tag_slugs", "url", "published_at", "year", "is_public" }
            .Select(name => Parameter(command, name, null)).ToArray();
        foreach (var d in documents)
        {
            p[0].Value = d.Source;
            p[1].Value = d.RecordId;
            p[2].Value = d.Kind;
            p[3].Value = d.Title;
            p[4].Value = d.Body;
            p[5].Value = string.Join('\n', d.Tags);
            p[6].Value = string.Join('\n', d.Authors);
            p[7].Value = TagSlugs(d);
            p[8].Value = (object?)d.Url ?? DBNull.Value;
            p[9].Value = d.PublishedAt is { } at ? Format(at) : DBNull.Value;
            p[10].Value = (object?)d.Year ?? DBNull.Value;
            p[11].Value = d.IsPublic ? 1 : 0;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    protected override async Task AfterRebuildAsync(CancellationToken cancellationToken)
    {
        // Merge the FTS5 segments written during the rebuild into one, so queries read one b-tree.
        await using var optimise = Command("INSERT INTO search_fts (search_fts) VALUES ('optimize')");
        await optimise.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override async Task<IReadOnlyList<SearchHit>> QueryAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        await using var command = Command("");
        var filters = new StringBuilder();
        Parameter(command, "match", Match(request.Query));
        if (!request.IncludeDrafts)
        {
            filters.Append(" AND d.is_public = 1 AND d.published_at <= @now");
            Parameter(command, "now", Format(NowUtc));
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
            filters.Append(" AND instr(d.tag_slugs, @tag) > 0");
            Parameter(command, "tag", "|" + tag + "|");
        }
        Parameter(command, "take", request.PageSize + 1);
        Parameter(command, "skip", (request.Page - 1) * request.PageSize);
        // Rank first (cheap columns only), then make snippets for the one page that is shown:
        // snippet() over every match would cost far more than the ranking itself.
        command.CommandText = $"""
            WITH ranked AS (
                SELECT d.id AS id, bm25(search_fts, 10.0, 1.0, 4.0, 4.0) AS score, d.published_at AS published_at
                FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid
                WHERE search_fts MATCH @match{filters}
                ORDER BY score, d.published_at DESC, d.id DESC
                LIMIT @take OFFSET @skip)
            SELECT d.source, d.record_id, d.kind, d.title, d.url, d.published_at, d.is_public, d.tags, d.tag_slugs, d.authors,
                   highlight(search_fts, 0, char(1), char(2)),
                   snippet(search_fts, 1, char(1), char(2), '…', 30)
            FROM ranked
            JOIN search_fts ON search_fts.rowid = ranked.id
            JOIN search_documents d ON d.id = ranked.id
            WHERE search_fts MATCH @match
            ORDER BY ranked.score, ranked.published_at DESC, ranked.id DESC
            """;
        var hits = new List<SearchHit>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) hits.Add(Read(reader));
        return hits;
    }

    /// <summary>
    /// The FTS5 query: every term as a quoted string (so no word is ever an operator), a phrase as one
    /// quoted string of its words, a prefix as a quoted string followed by <c>*</c>; all required.
    /// Terms hold only letters, digits and marks (see <see cref="SearchQuery"/>), never a quote.
    /// </summary>
    internal static string Match(SearchQuery query) =>
        string.Join(' ', query.Terms.Select(t => "\"" + string.Join(' ', t.Words) + "\"" + (t.Prefix ? "*" : "")));

    private static string Format(DateTime utc) => utc.ToString(DateFormat, CultureInfo.InvariantCulture);

    private static SearchHit Read(DbDataReader reader)
    {
        var publishedAt = reader.IsDBNull(5)
            ? (DateTime?)null
            : DateTime.SpecifyKind(DateTime.ParseExact(reader.GetString(5), DateFormat, CultureInfo.InvariantCulture), DateTimeKind.Utc);
        var title = reader.GetString(3);
        return new SearchHit(
            reader.GetString(0),
            reader.GetInt32(1),
            reader.GetString(2),
            title,
            Highlights.ToHtml(reader.IsDBNull(10) ? title : reader.GetString(10)),
            Highlights.ToHtml(reader.IsDBNull(11) ? "" : reader.GetString(11)),
            reader.IsDBNull(4) ? null : reader.GetString(4),
            publishedAt,
            reader.GetInt64(6) == 1,
            ReadTags(reader.GetString(7), reader.GetString(8)),
            ReadAuthors(reader.GetString(9)));
    }
}
