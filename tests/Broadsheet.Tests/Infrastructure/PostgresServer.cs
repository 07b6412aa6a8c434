using Npgsql;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL suite runs when <c>BROADSHEET_TEST_POSTGRES</c> holds a connection string to a
/// server where the user may create databases (e.g.
/// <c>Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres</c>; <c>.ci/run</c> starts one).
/// Each test app gets a database of its own, dropped afterwards. Without the variable, the
/// PostgreSQL tests report themselves skipped.
/// </summary>
public static class PostgresServer
{
    public const string Variable = "BROADSHEET_TEST_POSTGRES";

    public static string? BaseConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } s ? s : null;

    public static bool Available => BaseConnectionString is not null;

    public static void SkipUnlessAvailable() =>
        Assert.SkipUnless(Available, $"PostgreSQL tests are off: set {Variable} to a PostgreSQL connection string (.ci/run does).");

    public static string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(BaseConnectionString) { Database = database, Pooling = true, MaxPoolSize = 10 }.ConnectionString;

    public static string CreateDatabase()
    {
        SkipUnlessAvailable();
        var name = "bs_test_" + Guid.NewGuid().ToString("N")[..16];
        using var connection = new NpgsqlConnection(BaseConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        command.ExecuteNonQuery();
        return name;
    }

    public static void DropDatabase(string name)
    {
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(BaseConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        command.ExecuteNonQuery();
    }
}
