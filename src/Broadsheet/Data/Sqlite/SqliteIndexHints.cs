using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Broadsheet.Data;

/// <summary>
/// Lets one LINQ query name the SQLite index it must use (<c>INDEXED BY</c>), which EF cannot express.
/// Ask with <see cref="IndexHints.UsingIndex"/> (which tags the query with <see cref="Tag"/>); on SQLite this interceptor adds <c>INDEXED BY</c> to the tagged
/// table in the FROM clause; elsewhere the tag is only a comment (PostgreSQL plans from statistics).
/// Why: without <c>ANALYZE</c> statistics SQLite picks indexes by rule of thumb, and the rule that serves
/// the home page ("seek by Kind and Status") is the wrong one for a count over every post, where a narrow
/// covering index read end to end is hundreds of times cheaper than visiting every row.
/// A named index that does not exist or cannot answer the query fails loudly ("no such index"), and the
/// query-plan tests run every hinted query.
/// </summary>
internal sealed partial class SqliteIndexHints : DbCommandInterceptor
{
    public static readonly SqliteIndexHints Instance = new();
    private const string Marker = "sqlite-index:";

    /// <summary>The query tag that asks for <paramref name="index"/> on <paramref name="table"/>.</summary>
    internal static string Tag(string table, string index) => $"{Marker} {table} {index}";

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Apply(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Apply(command);
        return ValueTask.FromResult(result);
    }

    internal static void Apply(DbCommand command)
    {
        var sql = command.CommandText;
        if (!sql.StartsWith("-- ", StringComparison.Ordinal) || !sql.Contains(Marker, StringComparison.Ordinal)) return;
        // Once only: the pooled context and the context factory are both configured through SqliteDialect.Configure,
        // and both configurations reach the same options, so the interceptor is listed twice.
        if (sql.Contains(" INDEXED BY ", StringComparison.Ordinal)) return;
        var hint = HintLine().Match(sql);
        if (!hint.Success) return;
        var table = hint.Groups["table"].Value;
        var index = hint.Groups["index"].Value;
        var from = FromClauses.GetOrAdd(table, static t => new Regex($"FROM \"{Regex.Escape(t)}\" AS \"(?<alias>\\w+)\"", RegexOptions.CultureInvariant));
        command.CommandText = from.Replace(sql, m => $"{m.Value} INDEXED BY \"{index}\"", 1);
    }

    /// <summary>Each hinted table's FROM-clause pattern, built once (tables are few and fixed by the model).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Regex> FromClauses = new(StringComparer.Ordinal);

    [GeneratedRegex(@"^-- sqlite-index: (?<table>\w+) (?<index>\w+)$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex HintLine();
}

/// <summary>The provider-neutral way for a query to name its index; what it does on each provider is <see cref="SqliteIndexHints"/>'s to say.</summary>
public static class IndexHints
{
    /// <summary>Reads <paramref name="table"/> through <paramref name="index"/> where the provider lets a query choose (SQLite); elsewhere a comment.</summary>
    public static IQueryable<T> UsingIndex<T>(this IQueryable<T> query, string table, string index) =>
        query.TagWith(SqliteIndexHints.Tag(table, index));
}
