using System.Data.Common;
using System.Globalization;
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
public sealed class PostgresSearchIndex(BroadsheetDb db, TimeProvider clock, int rankingWindow) : SearchIndexBase(db, clock, rankingWindow)
{
    private const string Config = "'english'";
    private static readonly string TitleOptions = $"HighlightAll=true, StartSel={Highlights.Start}, StopSel={Highlights.Stop}";
    private static readonly string BodyOptions = $"StartSel={Highlights.Start}, StopSel={Highlights.Stop}, MinWords=18, MaxWords=36, MaxFragments=2, FragmentDelimiter=\" … \"";

    protected override string ContainsFunction => "strpos";

    protected override string InIds(DbCommand command, string name, IReadOnlyCollection<int> ids)
    {
        Parameter(command, name, ids.ToArray());
        return $"= ANY(@{name})";
    }

    protected override object DateValue(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc);

    protected override DateTime ReadDate(DbDataReader reader, int ordinal) => DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc);

    protected override string QuerySql(SearchQuery query, DbCommand command, string filters, bool candidatesFirst, bool windowed)
    {
        var match = new StringBuilder();
        var n = 0;
        foreach (var term in query.Terms)
        {
            if (match.Length > 0) match.Append(" && ");
            var name = $"t{n++}";
            if (term.Prefix)
            {
                // A prefix needs to_tsquery's ":*"; the word holds only letters, digits and marks, so quoting it is safe.
                match.Append(CultureInfo.InvariantCulture, $"to_tsquery({Config}, @{name})");
                Parameter(command, name, "'" + term.Words[0] + "':*");
            }
            else
            {
                match.Append(term.IsPhrase ? $"phraseto_tsquery({Config}, @{name})" : $"plainto_tsquery({Config}, @{name})");
                Parameter(command, name, string.Join(' ', term.Words));
            }
        }
        Parameter(command, "title_options", TitleOptions);
        Parameter(command, "body_options", BodyOptions);
        // The ranking window (see SearchIndexBase.DefaultRankingWindow): the newest matching ids are found
        // from the GIN index without ranking (ts_rank_cd reads each match's whole tsvector), then only
        // those are ranked.
        var window = windowed
            ? $"""
                newest AS (
                    SELECT d.id FROM search_documents d, q
                    WHERE d.document @@ q.query{filters}
                    ORDER BY d.id DESC
                    LIMIT @window_plus_one),
                window_start AS (
                    SELECT CASE WHEN count(*) > @window THEN min(id) + 1 ELSE 0 END AS id, count(*) > @window AS capped FROM newest),
                """
            : "window_start AS (SELECT 0 AS id, false AS capped),";
        // Rank first, then run ts_headline (which re-parses the text) on the one page that is shown.
        return $"""
            WITH q AS (SELECT {match} AS query),
            {window}
            ranked AS (
                SELECT d.id, ts_rank_cd(d.document, q.query) AS score, d.published_at
                FROM search_documents d, q
                WHERE d.document @@ q.query AND d.id >= (SELECT id FROM window_start){filters}
                ORDER BY score DESC, d.published_at DESC NULLS LAST, d.id DESC
                LIMIT @take OFFSET @skip)
            SELECT d.source, d.record_id, d.kind, d.title, d.url, d.published_at, d.is_public, d.tags, d.tag_slugs, d.authors,
                   ts_headline({Config}, d.title, q.query, @title_options),
                   ts_headline({Config}, d.body, q.query, @body_options),
                   (SELECT capped FROM window_start), false
            FROM ranked JOIN search_documents d ON d.id = ranked.id, q
            ORDER BY ranked.score DESC, ranked.published_at DESC NULLS LAST, ranked.id DESC
            """;
    }
}
