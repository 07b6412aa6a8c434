using Broadsheet.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>
/// A migrated, empty database made once per test process, which every <see cref="BroadsheetFactory"/> copies instead
/// of running every migration again: a file copy on SQLite, <c>CREATE DATABASE … TEMPLATE</c> on PostgreSQL. Running
/// the migrations was most of a short test's time, hundreds of times a run.
/// Only the migrations are applied to the template: the singleton rows, keys and anything else first start makes are
/// made by each app's own first start (<see cref="DatabaseSetup.MigrateAsync"/>), with its own clock and settings,
/// as on a new site. Tests of first start and of migrations themselves (the CLI, <c>MigrationsTests</c>) do not use it.
/// </summary>
public static class DatabaseTemplates
{
    private static readonly Lazy<string> SqliteFile = new(MakeSqlite, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string> PostgresDatabase = new(MakePostgres, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Puts a copy of the migrated SQLite database where an app with data folder <paramref name="dataDirectory"/> looks for it.</summary>
    public static void CopySqliteInto(string dataDirectory) =>
        File.Copy(SqliteFile.Value, Path.Combine(dataDirectory, "broadsheet.db"));

    /// <summary>The name of the migrated PostgreSQL database to copy (<see cref="PostgresServer.CreateDatabase"/>).</summary>
    public static string Postgres => PostgresDatabase.Value;

    private static string MakeSqlite()
    {
        var folder = Directory.CreateTempSubdirectory("broadsheet-template-").FullName;
        Migrate([$"--{DataDirectory.ConfigurationKey}={folder}"]);
        // Closing the last connection checkpoints the WAL into the file, so the one file is the whole database.
        SqliteConnection.ClearAllPools();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(folder, recursive: true); } catch (IOException) { } };
        return Path.Combine(folder, "broadsheet.db");
    }

    private static string MakePostgres()
    {
        var name = PostgresServer.CreateDatabase();
        var connection = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString(name)) { Pooling = false }.ConnectionString;
        var folder = Directory.CreateTempSubdirectory("broadsheet-template-").FullName;
        try
        {
            Migrate([$"--{DataDirectory.ConfigurationKey}={folder}", "--Database:Provider=Postgres", $"--ConnectionStrings:Broadsheet={connection}"]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        // A template cannot be copied while anyone is connected to it.
        NpgsqlConnection.ClearAllPools();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { PostgresServer.DropDatabase(name); } catch (NpgsqlException) { } };
        return name;
    }

    private static void Migrate(string[] args)
    {
        var app = global::Broadsheet.Program.BuildApp([.. args, "--Broadsheet:DemoContent=false"]);
        try
        {
            using var scope = app.Services.CreateScope();
            scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Database.Migrate();
        }
        finally
        {
            ((IDisposable)app).Dispose();
        }
    }
}
