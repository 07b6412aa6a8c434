using Broadsheet.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>
/// A whole Broadsheet app over a fresh database of its own: a temporary SQLite file, or a new
/// PostgreSQL database when <see cref="TestProvider.Postgres"/> is asked for (see <see cref="PostgresServer"/>).
/// The clock is a <see cref="FakeTimeProvider"/> so tests can move time (scheduled posts).
/// </summary>
public sealed class BroadsheetFactory : WebApplicationFactory<Program>
{
    private readonly TestProvider provider;
    private readonly string? postgresDatabase;
    private readonly Dictionary<string, string?> settings = new();
    private readonly Dictionary<string, string?> hostSettings = new();
    private readonly bool ownsDatabase = true;
    private readonly List<Action<IServiceCollection>> services = [];

    public BroadsheetFactory(TestProvider provider = TestProvider.Sqlite, bool outputCache = false)
    {
        this.provider = provider;
        DataDirectory = Directory.CreateTempSubdirectory("broadsheet-test-").FullName;
        settings[global::Broadsheet.Data.DataDirectory.ConfigurationKey] = DataDirectory;
        settings["Broadsheet:DemoContent"] = "false";
        settings["OutputCache:Enabled"] = outputCache ? "true" : "false";
        // The test host starts the app before migrating its database, so the start-up warm-up of the home
        // page would race the migration; CachingTests runs the warm-up itself.
        settings["Memory:WarmUpHomePage"] = "false";
        if (provider == TestProvider.Postgres)
        {
            postgresDatabase = PostgresServer.CreateDatabase();
            settings["Database:Provider"] = "Postgres";
            settings["ConnectionStrings:Broadsheet"] = PostgresServer.ConnectionString(postgresDatabase);
        }
    }

    /// <summary>Another app on the same database and data folder, as a second web node or a restart would be; the first one keeps owning (and removing) them.</summary>
    public BroadsheetFactory AnotherNode() => new(this);

    private BroadsheetFactory(BroadsheetFactory first)
    {
        provider = first.provider;
        DataDirectory = first.DataDirectory;
        settings = new(first.settings);
        hostSettings = new(first.hostSettings);
        services = [.. first.services];
        ownsDatabase = false;
    }

    public string DataDirectory { get; }

    /// <summary>Starts at a fixed, ordinary moment; tests advance it.</summary>
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 14, 12, 0, 0, TimeSpan.Zero));

    public BroadsheetFactory With(string key, string? value)
    {
        settings[key] = value;
        return this;
    }

    /// <summary>Changes the app's services after its own registrations (an EF interceptor that makes a step fail, say).</summary>
    public BroadsheetFactory WithServices(Action<IServiceCollection> configure)
    {
        services.Add(configure);
        return this;
    }

    /// <summary>
    /// A setting the framework reads from the built app's configuration, as it would from an <c>ASPNETCORE_</c>
    /// environment variable (e.g. <c>FORWARDEDHEADERS_ENABLED</c>); <see cref="With"/> passes settings on the
    /// command line, which takes only <c>Section:Key</c> names.
    /// </summary>
    public BroadsheetFactory WithHostSetting(string key, string value)
    {
        hostSettings[key] = value;
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(c => c.AddInMemoryCollection(hostSettings));
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            // First of all startup filters (the framework's forwarded-headers one included), as a connection's own address would be.
            services.Insert(0, ServiceDescriptor.Singleton<Microsoft.AspNetCore.Hosting.IStartupFilter, TestClientAddress>());
            foreach (var configure in this.services) configure(services);
        });
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        DatabaseSetup.MigrateAsync(host.Services).GetAwaiter().GetResult();
        return host;
    }

    /// <summary>A scope for arranging data directly through the app's own services.</summary>
    public AsyncServiceScope Scope() => Services.CreateAsyncScope();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing || !ownsDatabase) return;
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        if (postgresDatabase is not null) PostgresServer.DropDatabase(postgresDatabase);
    }
}

public enum TestProvider
{
    Sqlite,
    Postgres,
}
