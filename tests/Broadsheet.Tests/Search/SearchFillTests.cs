using Broadsheet.Data;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Search;

/// <summary>
/// The start-up fill of a search index that lacks records: in the background, in batches, while the
/// site answers; it carries on after a stop, and several nodes may start at once.
/// </summary>
public abstract class SearchFillTests(TestProvider provider)
{
    private static async Task<int> IndexedAsync(BroadsheetFactory app)
    {
        await using var scope = app.Scope();
        return await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Database
            .SqlQueryRaw<int>("SELECT CAST(COUNT(*) AS INTEGER) AS \"Value\" FROM search_documents").SingleAsync();
    }

    private static async Task<List<string>> FindAsync(HttpClient client, string q) =>
        [.. (await client.GetDocumentAsync("/search?q=" + q)).QuerySelectorAll(".search-result .result-title").Select(t => t.Text())];

    /// <summary>A site whose posts were written before search existed (its index emptied behind its back).</summary>
    private async Task<BroadsheetFactory> SiteWithoutIndexAsync(int posts)
    {
        var app = new BroadsheetFactory(provider).With("Search:IndexOnStart", "false");
        for (var i = 1; i <= posts; i++) await app.AddPostAsync($"Newsletter {i}", $"Issue number {i} of the lighthouse newsletter.");
        await using var scope = app.Scope();
        await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Database.ExecuteSqlRawAsync("DELETE FROM search_documents");
        return app;
    }

    [Fact]
    public async Task The_site_answers_while_the_fill_runs_and_a_stopped_fill_carries_on_at_the_next_start()
    {
        await using var site = await SiteWithoutIndexAsync(7);

        // A node that fills two records and then waits (as if busy) for an hour.
        var slow = site.AnotherNode().With("Search:IndexOnStart", "true").With("Search:FillBatchSize", "2").With("Search:FillPause", "01:00:00");
        var client = slow.CreateClient();
        await SiteContent.EventuallyAsync(async () => await IndexedAsync(slow) == 2, "the first batch to be indexed");
        // Meanwhile pages are served, search included (finding what is indexed so far).
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        Assert.Equal(2, (await FindAsync(client, "lighthouse")).Count);
        Assert.Equal(2, await IndexedAsync(slow));
        await slow.DisposeAsync(); // stopped half-way

        await using var next = site.AnotherNode().With("Search:IndexOnStart", "true").With("Search:FillBatchSize", "2");
        var nextClient = next.CreateClient();
        await SiteContent.EventuallyAsync(async () => await IndexedAsync(next) == 7, "the rest to be indexed");
        Assert.Equal(7, (await FindAsync(nextClient, "lighthouse")).Count);
        Assert.Equal(["Newsletter 7"], await FindAsync(nextClient, "7"));
    }

    [Fact]
    public async Task Nodes_starting_together_both_answer_and_the_index_ends_complete()
    {
        await using var site = await SiteWithoutIndexAsync(9);

        await using var first = site.AnotherNode().With("Search:IndexOnStart", "true").With("Search:FillBatchSize", "3");
        await using var second = site.AnotherNode().With("Search:IndexOnStart", "true").With("Search:FillBatchSize", "3");
        _ = first.CreateClient();
        _ = second.CreateClient();

        await SiteContent.EventuallyAsync(async () => await IndexedAsync(first) == 9, "every post to be indexed");
        Assert.Equal(9, (await FindAsync(first.CreateClient(), "lighthouse")).Count);
        Assert.Equal(9, (await FindAsync(second.CreateClient(), "lighthouse")).Count);
    }
}

public sealed class SqliteSearchFillTests() : SearchFillTests(TestProvider.Sqlite);

public sealed class PostgresSearchFillTests() : SearchFillTests(TestProvider.Postgres);
