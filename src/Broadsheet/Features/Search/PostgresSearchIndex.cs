using System.Data.Common;
using System.Text;
using Broadsheet.Data;

namespace Broadsheet.Features.Search;

/// <summary>
/// Search on PostgreSQL: <c>search_documents.document</c> is a stored generated <c>tsvector</c>
/// (title weight A, tags and authors B, body D) under a GIN index. The <c>english</c> configuration
/// stems English and passes other scripts (Arabic, Greek, Cyrillic…) through as whole words.
/// Ranking is <c>ts_rank_cd</c>; highlights come from <c>ts_headline</c>. The query is built from
/// our own terms with <c>plainto_tsquery</c>/<c>phraseto_tsquery</c>, which accept any text, so
/// nothing a reader types is parsed as tsquery syntax. See the AddSearch migration for the schema.
/// </summary>
public sealed class PostgresSearchIndex(BroadsheetDb db, TimeProvider clock) : SearchIndexBase(db, clock)
{
    private const string Config = "'english'";
    private static readonly string TitleOptions = $"HighlightAll=true, StartSel={Highlights.Start}, StopSel={Highlights.Stop}";
    private static readonly string BodyOptions = $"StartSel={Highlights.Start}, StopSel={Highlights.Stop}, MinWords=18, MaxWords=36, MaxFragments=2, FragmentDelimiter=\" … \"";

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
            p[9].Value = d.PublishedAt is { } at ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : DBNull.Value;
            p[10].Value = (object?)d.Year ?? DBNull.Value;
            p[11].Value = d.IsPublic;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    protected override async Task<IReadOnlyList<SearchHit>> QueryAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        await using var command = Command("");
        var query = new StringBuilder();
        var n = 0;
        foreach (var term in request.Query.Terms)
        {
            if (query.Length > 0) query.Append(" && ");
            var name = $"t{n++}";
            if (term.Prefix)
            {
                // A prefix needs to_tsquery's ":*"; the word holds only letters, digits and marks, so quoting it is safe.
                query.Append($"to_tsquery({Config}, @{name})");
                Parameter(command, name, "'" + term.Words[0] + "':*");
            }
            else
            {
                query.Append(term.IsPhrase ? $"phraseto_tsquery({Config}, @{name})" : $"plainto_tsquery({Config}, @{name})");
                Parameter(command, name, string.Join(' ', term.Words));
            }
        }
        var filters = new StringBuilder();
        if (!request.IncludeDrafts)
        {
            filters.Append(" AND d.is_public AND d.published_at <= @now");
            Parameter(command, "now", NowUtc);
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
            filters.Append(" AND strpos(d.tag_slugs, @tag) > 0");
            Parameter(command, "tag", "|" + tag + "|");
        }
        Parameter(command, "take", request.PageSize + 1);
        Parameter(command, "skip", (request.Page - 1) * request.PageSize);
        Parameter(command, "title_options", TitleOptions);
        Parameter(command, "body_options", BodyOptions);
        // Rank first, then run ts_headline (which re-parses the text) on the one page that is shown.
        command.CommandText = $"""
            WITH q AS (SELECT {query} AS query),
            ranked AS (
                SELECT d.id, ts_rank_cd(d.document, q.query) AS score, d.published_at
                FROM search_documents d, q
                WHERE d.document @@ q.query{filters}
                ORDER BY score DESC, d.published_at DESC NULLS LAST, d.id DESC
                LIMIT @take OFFSET @skip)
            SELECT d.source, d.record_id, d.kind, d.title, d.url, d.published_at, d.is_public, d.tags, d.tag_slugs, d.authors,
                   ts_headline({Config}, d.title, q.query, @title_options),
                   ts_headline({Config}, d.body, q.query, @body_options)
            FROM ranked JOIN search_documents d ON d.id = ranked.id, q
            ORDER BY ranked.score DESC, ranked.published_at DESC NULLS LAST, ranked.id DESC
            """;
        var hits = new List<SearchHit>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) hits.Add(Read(reader));
        return hits;
    }

    private static SearchHit Read(DbDataReader reader)
    {
        var title = reader.GetString(3);
        return new SearchHit(
            reader.GetString(0),
            reader.GetInt32(1),
            reader.GetString(2),
            title,
            Highlights.ToHtml(reader.IsDBNull(10) ? title : reader.GetString(10)),
            Highlights.ToHtml(reader.IsDBNull(11) ? "" : reader.GetString(11)),
            reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.IsDBNull(5) ? null : DateTime.SpecifyKind(reader.GetDateTime(5), DateTimeKind.Utc),
            reader.GetBoolean(6),
            ReadTags(reader.GetString(7), reader.GetString(8)),
            ReadAuthors(reader.GetString(9)));
    }
}
