using System.Runtime.CompilerServices;
using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Broadsheet.Features.Search;

/// <summary>
/// Keeps the search index in step with every write, so no writer (editor, API, importer, demo) can
/// forget it: before SaveChanges writes, each <see cref="ISearchSource"/> notes which of its records
/// the change touches; after it has written (new rows now have ids), those records are read back
/// and re-indexed in one batch. One extra read and one batch of upserts per SaveChanges, however
/// many rows it saved, so bulk imports stay fast. Deleted posts leave the index through a database
/// trigger in the same transaction (it also catches ExecuteDelete). If the process dies between the
/// save and the indexing, <c>broadsheet search reindex</c> repairs the index.
/// </summary>
public sealed class SearchSync : SaveChangesInterceptor
{
    public static readonly SearchSync Instance = new();

    private sealed record Pending(List<(ISearchSource Source, Func<BroadsheetDb, CancellationToken, Task<IReadOnlyCollection<int>>> Ids)> Work);

    private readonly ConditionalWeakTable<DbContext, Pending> pending = [];

    private SearchSync() { }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Note(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Note(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        // The synchronous SaveChanges path; both providers' ADO.NET calls complete synchronously underneath.
        IndexAsync(eventData.Context, CancellationToken.None).GetAwaiter().GetResult();
        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        await IndexAsync(eventData.Context, cancellationToken);
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData)
    {
        if (eventData.Context is { } context) pending.Remove(context);
    }

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        SaveChangesFailed(eventData);
        return Task.CompletedTask;
    }

    private void Note(DbContext? context)
    {
        if (context is not BroadsheetDb db) return;
        var entries = db.ChangeTracker.Entries().ToList();
        var work = new List<(ISearchSource, Func<BroadsheetDb, CancellationToken, Task<IReadOnlyCollection<int>>>)>();
        foreach (var source in SearchSources.All)
            if (source.Touched(entries) is { } ids) work.Add((source, ids));
        if (work.Count > 0) pending.AddOrUpdate(db, new Pending(work));
        else pending.Remove(db);
    }

    private async Task IndexAsync(DbContext? context, CancellationToken cancellationToken)
    {
        if (context is not BroadsheetDb db || !pending.TryGetValue(db, out var work)) return;
        pending.Remove(db);
        var index = SearchIndexBase.For(db, TimeProvider.System);
        foreach (var (source, touched) in work.Work)
        {
            var ids = await touched(db, cancellationToken);
            if (ids.Count == 0) continue;
            var documents = await source.LoadAsync(db, ids, cancellationToken);
            await index.IndexAsync(documents, cancellationToken);
            // Records that were touched but are gone (deleted in the same save) leave the index too.
            var missing = ids.Except(documents.Select(d => d.RecordId)).ToList();
            await index.RemoveAsync(source.Name, missing, cancellationToken);
        }
    }
}
