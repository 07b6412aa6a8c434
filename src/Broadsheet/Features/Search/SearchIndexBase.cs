using System.Data;
using System.Data.Common;
using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Broadsheet.Features.Search;

/// <summary>
/// What both indexes share: batching, transactions and the rebuild loop over <see cref="SearchSources"/>.
/// The subclasses hold the SQL, which is the one place in Broadsheet that speaks a provider's dialect.
/// Commands run on the context's own connection and inside its current transaction, if any.
/// </summary>
public abstract class SearchIndexBase(BroadsheetDb db, TimeProvider clock) : ISearchIndex
{
    /// <summary>Records read and written per round trip while rebuilding.</summary>
    public const int BatchSize = 500;

    protected BroadsheetDb Db => db;

    protected DateTime NowUtc => clock.GetUtcNow().UtcDateTime;

    public static ISearchIndex For(BroadsheetDb db, TimeProvider clock) =>
        db.Provider == DatabaseProvider.Postgres ? new PostgresSearchIndex(db, clock) : new SqliteSearchIndex(db, clock);

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

    public async Task<int> RebuildAsync(IProgress<SearchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var total = 0;
        foreach (var source in SearchSources.All) total += await source.CountAsync(db, cancellationToken);
        progress?.Report(new SearchProgress(0, total));
        var done = 0;
        // One transaction: readers keep seeing the old index until the new one is complete.
        await InTransactionAsync(async () =>
        {
            await using (var clear = Command("DELETE FROM search_documents"))
                await clear.ExecuteNonQueryAsync(cancellationToken);
            foreach (var source in SearchSources.All)
            {
                var afterId = 0;
                while (true)
                {
                    var batch = await source.LoadBatchAsync(db, afterId, BatchSize, cancellationToken);
                    if (batch.Count == 0) break;
                    await UpsertAsync(batch, cancellationToken);
                    afterId = batch.Max(d => d.RecordId);
                    done += batch.Count;
                    progress?.Report(new SearchProgress(Math.Min(done, Math.Max(total, done)), Math.Max(total, done)));
                }
            }
            await AfterRebuildAsync(cancellationToken);
        }, cancellationToken);
        return done;
    }

    public async Task<SearchResults> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Query.IsEmpty) return SearchResults.None(request.Page);
        var page = Math.Max(1, request.Page);
        var pageSize = Math.Clamp(request.PageSize, 1, 100);
        var hits = await WithConnectionAsync(() => QueryAsync(request with { Page = page, PageSize = pageSize }, cancellationToken), cancellationToken);
        var hasMore = hits.Count > pageSize;
        return new SearchResults(hasMore ? hits.Take(pageSize).ToList() : hits, page, hasMore);
    }

    /// <summary>Writes the documents (insert or replace by source and record id).</summary>
    protected abstract Task UpsertAsync(IReadOnlyCollection<SearchDocument> documents, CancellationToken cancellationToken);

    /// <summary>One page of ranked hits plus one more if there is a further page (so <c>PageSize + 1</c> at most).</summary>
    protected abstract Task<IReadOnlyList<SearchHit>> QueryAsync(SearchRequest request, CancellationToken cancellationToken);

    protected virtual Task AfterRebuildAsync(CancellationToken cancellationToken) => Task.CompletedTask;

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

    /// <summary>Tags as stored for filtering: "|slug-a|slug-b|", so a filter looks for "|slug|".</summary>
    protected static string TagSlugs(SearchDocument document) => "|" + string.Join('|', document.TagSlugs) + "|";

    protected static IReadOnlyList<(string Name, string Slug)> ReadTags(string names, string slugs)
    {
        var nameList = names.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var slugList = slugs.Split('|', StringSplitOptions.RemoveEmptyEntries);
        return [.. nameList.Zip(slugList)];
    }

    protected static IReadOnlyList<string> ReadAuthors(string authors) => authors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
