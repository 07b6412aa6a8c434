using System.Data.Common;
using Broadsheet.Data;
using Broadsheet.Features.Archive;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Database;

/// <summary>
/// Queries that run over every post must be answered from an index, not by reading post rows: on a
/// site of 100,000 posts the difference is milliseconds against more than a second on a page view.
/// </summary>
public sealed class SqliteQueryPlanTests
{
    [Fact]
    public async Task The_archive_counts_read_only_the_covering_index()
    {
        await using var app = new BroadsheetFactory();
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();

        var plan = await PlanAsync(db, ArchiveCounts.CountsQuery(db, DateTime.UtcNow));

        Assert.Contains("USING COVERING INDEX IX_Posts_Kind_Status_PublishedAt_ArchiveMonth", plan);
        Assert.DoesNotContain("SCAN Posts\n", plan + "\n");
    }

    private static async Task<string> PlanAsync<T>(BroadsheetDb db, IQueryable<T> query)
    {
        await using DbCommand command = query.CreateDbCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        await db.Database.OpenConnectionAsync();
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(3));
        return string.Join("\n", lines);
    }
}
