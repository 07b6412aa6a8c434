using System.Diagnostics;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Import;

/// <summary>The verbs as a site owner runs them: the real executable, a data folder, exit codes and output.</summary>
public abstract class ImportCliTests(TestProvider provider) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("broadsheet-cli-").FullName;
    private readonly List<string> databases = [];

    public void Dispose()
    {
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        foreach (var database in databases) PostgresServer.DropDatabase(database);
        GC.SuppressFinalize(this);
    }

    /// <summary>A fresh site: a data folder, and on PostgreSQL a database of its own.</summary>
    private Dictionary<string, string> Site(string name)
    {
        var environment = new Dictionary<string, string> { ["DATA"] = Path.Combine(folder, name) };
        if (provider == TestProvider.Postgres)
        {
            var database = PostgresServer.CreateDatabase();
            databases.Add(database);
            environment["Database__Provider"] = "Postgres";
            environment["ConnectionStrings__Broadsheet"] = PostgresServer.ConnectionString(database);
        }
        return environment;
    }

    private static async Task<(int Code, string Out, string Error)> RunAsync(Dictionary<string, string> site, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "broadsheet.dll"));
        start.ArgumentList.Add("--data");
        start.ArgumentList.Add(site["DATA"]);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in site) if (key != "DATA") start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task Import_prints_a_summary_and_a_second_run_adds_nothing()
    {
        var site = Site("blog");
        var file = Write("blog.xml", Samples.BloggerClassic);

        var first = await RunAsync(site, "import", "blogger", file, "--run");
        Assert.True(first.Code == 0, first.Error);
        Assert.Matches(@"posts\s+2", first.Out);
        Assert.Matches(@"comments\s+1", first.Out);
        Assert.Matches(@"sanitised\s+3", first.Out);
        Assert.Contains("template", first.Out);

        var second = await RunAsync(site, "import", "blogger", file, "--run");
        Assert.Equal(0, second.Code);
        Assert.Matches(@"posts\s+0", second.Out);
        Assert.Matches(@"already imported\s+4", second.Out);
    }

    [Fact]
    public async Task A_bad_file_exits_non_zero_with_the_reason_on_stderr_and_imports_nothing()
    {
        var site = Site("bad");
        var truncated = Write("wp.xml", Samples.WordPress[..(Samples.WordPress.Length / 2)]);

        var result = await RunAsync(site, "import", "wordpress", truncated, "--run");

        Assert.Equal(1, result.Code);
        Assert.Contains("wp.xml, line", result.Error);
        Assert.Contains("nothing was imported", result.Error);
        var backup = Path.Combine(folder, "after.json");
        Assert.Equal(0, (await RunAsync(site, "export", "json", backup)).Code);
        Assert.Contains("\"posts\": []", await File.ReadAllTextAsync(backup));
    }

    [Fact]
    public async Task A_missing_file_or_a_wrong_format_is_an_error()
    {
        var site = Site("wrong");
        var missing = await RunAsync(site, "import", "blogger", Path.Combine(folder, "nope.xml"));
        Assert.Equal(1, missing.Code);
        Assert.Contains("no such file", missing.Error);

        var wrong = await RunAsync(site, "import", "blogger", Write("wp.xml", Samples.WordPress));
        Assert.Equal(1, wrong.Code);
        Assert.Contains("import wordpress", wrong.Error);
    }

    [Fact]
    public async Task Export_then_import_json_into_a_new_site_gives_the_same_backup()
    {
        var old = Site("old");
        var imported = await RunAsync(old, "import", "wordpress", Write("wp.xml", Samples.WordPress), "--run");
        Assert.Equal(0, imported.Code);
        Assert.Matches(@"with password\s+1", imported.Out);
        var first = Path.Combine(folder, "first.json");
        Assert.Equal(0, (await RunAsync(old, "export", "json", first)).Code);

        var fresh = Site("new");
        var restore = await RunAsync(fresh, "import", "json", first);
        Assert.True(restore.Code == 0, restore.Error);
        var second = Path.Combine(folder, "second.json");
        Assert.Equal(0, (await RunAsync(fresh, "export", "json", second)).Code);
        Assert.Equal(await File.ReadAllBytesAsync(first), await File.ReadAllBytesAsync(second));

        var again = await RunAsync(fresh, "import", "json", first);
        Assert.Equal(1, again.Code);
        Assert.Contains("empty", again.Error);
    }
}

public sealed class SqliteImportCliTests() : ImportCliTests(TestProvider.Sqlite);

public sealed class PostgresImportCliTests() : ImportCliTests(TestProvider.Postgres);
