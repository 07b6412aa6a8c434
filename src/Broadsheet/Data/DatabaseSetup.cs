using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Broadsheet.Data;

/// <summary>
/// Chooses the database from configuration, the ASP.NET way (appsettings.json, environment
/// variables such as <c>Database__Provider</c>, or <c>--Database:Provider</c> on the command line):
/// <list type="bullet">
/// <item><c>Database:Provider</c> = <c>Sqlite</c> (default) or <c>Postgres</c>;</item>
/// <item><c>ConnectionStrings:Broadsheet</c>; for SQLite it defaults to <c>broadsheet.db</c> in the data folder.</item>
/// </list>
/// </summary>
public static class DatabaseSetup
{
    public static IServiceCollection AddBroadsheetDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var provider = ProviderFrom(configuration);
        var connectionString = ConnectionStringFrom(configuration, provider);
        if (provider == DatabaseProvider.Postgres)
        {
            services.AddDbContextPool<BroadsheetDb, PostgresBroadsheetDb>(o => ConfigurePostgres(o, connectionString));
            services.AddPooledDbContextFactory<PostgresBroadsheetDb>(o => ConfigurePostgres(o, connectionString));
            services.AddSingleton<IDbContextFactory<BroadsheetDb>>(sp =>
                new UpcastFactory<PostgresBroadsheetDb>(sp.GetRequiredService<IDbContextFactory<PostgresBroadsheetDb>>()));
        }
        else
        {
            services.AddDbContextPool<BroadsheetDb, SqliteBroadsheetDb>(o => ConfigureSqlite(o, connectionString));
            services.AddPooledDbContextFactory<SqliteBroadsheetDb>(o => ConfigureSqlite(o, connectionString));
            services.AddSingleton<IDbContextFactory<BroadsheetDb>>(sp =>
                new UpcastFactory<SqliteBroadsheetDb>(sp.GetRequiredService<IDbContextFactory<SqliteBroadsheetDb>>()));
        }
        return services;
    }

    public static DatabaseProvider ProviderFrom(IConfiguration configuration)
    {
        var name = configuration["Database:Provider"];
        if (string.IsNullOrWhiteSpace(name) || name.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
            return DatabaseProvider.Sqlite;
        if (name.Equals("postgres", StringComparison.OrdinalIgnoreCase) || name.Equals("postgresql", StringComparison.OrdinalIgnoreCase) || name.Equals("npgsql", StringComparison.OrdinalIgnoreCase))
            return DatabaseProvider.Postgres;
        throw new InvalidOperationException($"Database:Provider is '{name}'; use 'Sqlite' or 'Postgres'.");
    }

    public static string ConnectionStringFrom(IConfiguration configuration, DatabaseProvider provider)
    {
        var configured = configuration.GetConnectionString("Broadsheet");
        if (!string.IsNullOrWhiteSpace(configured)) return configured;
        if (provider == DatabaseProvider.Postgres)
            throw new InvalidOperationException("Database:Provider is Postgres but ConnectionStrings:Broadsheet is not set.");
        var dataDirectory = DataDirectory.From(configuration);
        Directory.CreateDirectory(dataDirectory);
        return $"Data Source={Path.Combine(dataDirectory, "broadsheet.db")};Default Timeout=30;Pooling=True";
    }

    // Collections in queries (ids.Contains(p.Id)) go to the database as one array parameter (json_each on
    // SQLite, = ANY on PostgreSQL), not one parameter per element: the SQL then never depends on the list,
    // so EF's command cache hits. With one parameter per element every execution missed it and rebuilt the
    // SQL under a lock, and the home page's byline and tag queries queued on that lock under load.
    internal static void ConfigureSqlite(DbContextOptionsBuilder options, string connectionString) =>
        options.UseSqlite(connectionString, sqlite => sqlite.MigrationsHistoryTable("__ef_migrations")
                .UseParameterizedCollectionMode(ParameterTranslationMode.Parameter))
            .AddInterceptors(SqlitePragmas.Instance, SqliteIndexHints.Instance);

    internal static void ConfigurePostgres(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, pg => pg.MigrationsHistoryTable("__ef_migrations")
            .UseParameterizedCollectionMode(ParameterTranslationMode.Parameter));

    /// <summary>Applies the provider's pending migrations, then makes sure the singleton rows exist.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        // Migrate() also rebuilds the model of the last migration's snapshot and compares it with the code's
        // model (EF's check for model changes without a migration), which on every start of an up-to-date
        // database built a second, design-time model and kept ~4-5 MB of it. Asking first which migrations are
        // pending is one read of the history table; a database with nothing to apply is left alone, and one
        // that needs migrating (a new site, an upgrade, every test's fresh database) gets the full Migrate().
        if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any())
            await db.Database.MigrateAsync(cancellationToken);
        if (!await db.SiteSettings.AnyAsync(cancellationToken))
            db.SiteSettings.Add(new Features.Settings.SiteSettings());
        if (!await db.ContentState.AnyAsync(cancellationToken))
            db.ContentState.Add(new ContentState { ChangedAt = (scope.ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(cancellationToken);
    }

    private sealed class UpcastFactory<T>(IDbContextFactory<T> inner) : IDbContextFactory<BroadsheetDb> where T : BroadsheetDb
    {
        public BroadsheetDb CreateDbContext() => inner.CreateDbContext();
    }
}

/// <summary>The folder that holds the SQLite database, media and other files (<c>--data</c>, default <c>./data</c>).</summary>
public static class DataDirectory
{
    public const string ConfigurationKey = "Broadsheet:DataDirectory";

    public static string From(IConfiguration configuration) =>
        Path.GetFullPath(configuration[ConfigurationKey] is { Length: > 0 } configured ? configured : "data");
}

/// <summary>
/// WAL lets readers go on while one writer commits; set on every new connection because some pragmas
/// are per connection. EF opens and closes the connection around every query, but a pooled connection
/// keeps its native handle (and the handle keeps its pragmas), so each handle is set up only once:
/// running the four pragmas on every open cost a home page six extra statements.
/// </summary>
internal sealed class SqlitePragmas : Microsoft.EntityFrameworkCore.Diagnostics.DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> Initialised = new();

    public override void ConnectionOpened(System.Data.Common.DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData) =>
        Apply(connection);

    public override Task ConnectionOpenedAsync(System.Data.Common.DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(System.Data.Common.DbConnection connection)
    {
        var handle = (connection as Microsoft.Data.Sqlite.SqliteConnection)?.Handle;
        if (handle is not null && Initialised.TryGetValue(handle, out _)) return;
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
        command.ExecuteNonQuery();
        // Search's ranking function lives on the connection, like the pragmas.
        if (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite) Features.Search.SqliteRanking.TryRegister(sqlite);
        if (handle is not null) Initialised.AddOrUpdate(handle, Instance);
    }
}

// Design-time factories: used only by `dotnet ef migrations add --context …`.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteBroadsheetDb>
{
    public SqliteBroadsheetDb CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<SqliteBroadsheetDb>();
        DatabaseSetup.ConfigureSqlite(options, "Data Source=design-time.db");
        return new SqliteBroadsheetDb(options.Options);
    }
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresBroadsheetDb>
{
    public PostgresBroadsheetDb CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PostgresBroadsheetDb>();
        DatabaseSetup.ConfigurePostgres(options, "Host=localhost;Database=design_time");
        return new PostgresBroadsheetDb(options.Options);
    }
}
