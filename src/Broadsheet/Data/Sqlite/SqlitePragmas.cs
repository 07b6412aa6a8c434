using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Broadsheet.Data;

/// <summary>
/// WAL lets readers go on while one writer commits; set on every new connection because some pragmas
/// are per connection. EF opens and closes the connection around every query, but a pooled connection
/// keeps its native handle (and the handle keeps its pragmas), so each handle is set up only once:
/// running the four pragmas on every open cost a home page six extra statements.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();
    private static readonly ConditionalWeakTable<object, object> Initialised = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
        Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        var handle = (connection as SqliteConnection)?.Handle;
        if (handle is not null && Initialised.TryGetValue(handle, out _)) return;
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
        command.ExecuteNonQuery();
        // Search's ranking function lives on the connection, like the pragmas.
        if (connection is SqliteConnection sqlite) SqliteRanking.TryRegister(sqlite);
        if (handle is not null) Initialised.AddOrUpdate(handle, Instance);
    }
}
