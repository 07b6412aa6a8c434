using System.Data.Common;
using Broadsheet.Data;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Data;

/// <summary>
/// The SQLite pragmas are set once per pooled native connection, not on every open; every
/// connection a request can get, new or reused, must still have them.
/// </summary>
public sealed class SqlitePragmaTests
{
    [Fact]
    public async Task Reused_and_concurrent_connections_all_have_the_pragmas()
    {
        await using var app = new BroadsheetFactory();
        _ = app.Services;

        // Two contexts open at once hold two native connections; then both go back to the pool and are reused.
        for (var round = 0; round < 3; round++)
        {
            await using var first = app.Scope();
            await using var second = app.Scope();
            foreach (var scope in new[] { first, second })
            {
                var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
                await db.Database.OpenConnectionAsync();
                var connection = db.Database.GetDbConnection();
                Assert.Equal(1L, Scalar(connection, "PRAGMA foreign_keys"));
                Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
                Assert.Equal(1L, Scalar(connection, "PRAGMA synchronous"));
                Assert.Equal(30000L, Scalar(connection, "PRAGMA busy_timeout"));
            }
            foreach (var scope in new[] { first, second })
                await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Database.CloseConnectionAsync();
        }
    }

    private static object? Scalar(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
