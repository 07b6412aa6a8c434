using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Broadsheet.Data;
using Broadsheet.Features.Settings;
using Broadsheet.Tests.Infrastructure;
using Broadsheet.Tests.Site;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Cli;

/// <summary>The broadsheet executable run as a process, as its user runs it (few tests: each start costs seconds).</summary>
public sealed partial class CommandLineTests
{
    private static ProcessStartInfo Start(params string[] args) => Dotnet([ServerProcess.AppDll(), .. args], Path.GetTempPath());

    /// <summary><c>dotnet</c> with <paramref name="args"/>, run from <paramref name="workingDirectory"/>.</summary>
    private static ProcessStartInfo Dotnet(string[] args, string workingDirectory)
    {
        var start = new ProcessStartInfo("dotnet", args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        // The process must use its own SQLite database, whatever this shell has set.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Database__", StringComparison.Ordinal) || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        return start;
    }

    private static Task<(int ExitCode, string Output)> RunAsync(params string[] args) => RunAsync(Start(args));

    private static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo start)
    {
        var (code, stdout, stderr) = await RunApartAsync(start);
        return (code, stdout + stderr);
    }

    /// <summary>Runs the process to its end; its standard output and error apart.</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunApartAsync(ProcessStartInfo start)
    {
        var args = start.ArgumentList;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"broadsheet {string.Join(' ', args)} did not exit (is it serving?)");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Help_works_for_every_verb()
    {
        var (code, output) = await RunAsync("--help");
        Assert.Equal(0, code);
        Assert.Contains("Usage", output);
        Assert.Contains("--data", output);
        var verbs = output[output.IndexOf("Commands:", StringComparison.Ordinal)..]
            .Split('\n').Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal))
            .Select(l => l.Trim().Split(' ')[0]).Where(v => v.Length > 0).ToList();
        Assert.Contains("serve", verbs);
        foreach (var verb in verbs)
        {
            var (verbCode, verbOutput) = await RunAsync(verb, "--help");
            Assert.True(verbCode == 0, $"{verb} --help exited {verbCode}: {verbOutput}");
            Assert.Contains("Usage", verbOutput);
            Assert.Contains(verb, verbOutput);
        }
    }

    [Fact]
    public async Task Dotnet_run_and_the_executable_keep_data_in_the_folder_they_are_run_from()
    {
        // As the README says: the default --data is ./data where the command is typed, not beside the project or binary.
        var here = Directory.CreateTempSubdirectory("broadsheet-cwd-").FullName;
        try
        {
            var (runCode, runOutput) = await RunAsync(Dotnet(
                ["run", "--no-build", "--configuration", ServerProcess.Configuration, "--project", ServerProcess.AppProject(), "--", "export", "json", "by-dotnet-run.json"],
                here));
            Assert.True(runCode == 0, runOutput);
            Assert.True(File.Exists(Path.Combine(here, "data", "broadsheet.db")), $"dotnet run made no {here}/data/broadsheet.db: " + runOutput);
            Assert.True(File.Exists(Path.Combine(here, "by-dotnet-run.json")), runOutput);

            var elsewhere = Directory.CreateDirectory(Path.Combine(here, "elsewhere")).FullName;
            var (code, output) = await RunAsync(Dotnet([ServerProcess.AppDll(), "export", "json", "by-executable.json"], elsewhere));
            Assert.True(code == 0, output);
            Assert.True(File.Exists(Path.Combine(elsewhere, "data", "broadsheet.db")), output);
            Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(ServerProcess.AppDll())!, "data")), "a data folder was made beside the binary");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(here, recursive: true);
        }
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("--frobnicate")]
    [InlineData("serve", "--bogus-option")]
    [InlineData("serve", "--urls")]
    public async Task Unknown_verbs_and_bad_options_print_usage_and_fail(params string[] args)
    {
        var (code, output) = await RunAsync(args);
        Assert.NotEqual(0, code);
        Assert.Contains("Usage", output);
    }

    [Theory]
    [InlineData("--Site:BaseUrl", "campaign.example.org", "Site:BaseUrl")]
    [InlineData("--Proxy:KnownProxies", "the-proxy", "Proxy:KnownProxies")]
    [InlineData("--Proxy:KnownNetworks", "10.0.0.0/99", "Proxy:KnownNetworks")]
    public async Task A_setting_that_cannot_be_used_stops_the_server_with_its_name_and_no_stack_trace(string option, string value, string named)
    {
        var data = Directory.CreateTempSubdirectory("broadsheet-cli-").FullName;
        try
        {
            var (code, output) = await RunAsync("--data", data, "serve", "--urls", $"http://127.0.0.1:{ServerProcess.FreePort()}", option, value);

            Assert.Equal(2, code);
            Assert.Contains($"Broadsheet cannot start: {named}", output);
            Assert.DoesNotContain("   at ", output); // no stack frame
            Assert.DoesNotContain("Unhandled exception", output);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Runs <c>serve</c> on a free loopback port over <paramref name="dataDirectory"/> until <paramref name="check"/> is done.</summary>
    private static Task ServeAsync(string dataDirectory, Func<HttpClient, Task> check) =>
        ServeAsync(dataDirectory, "127.0.0.1", (client, _) => check(client));

    /// <summary>
    /// Runs <c>serve</c> listening on <paramref name="listenOn"/> (a free port; reached at 127.0.0.1) until
    /// <paramref name="check"/> is done; <paramref name="check"/> can read what the server has printed so far.
    /// </summary>
    private static async Task ServeAsync(string dataDirectory, string listenOn, Func<HttpClient, Func<string>, Task> check)
    {
        var port = ServerProcess.FreePort();
        using var process = Process.Start(Start("serve", "--data", dataDirectory, "--urls", $"http://{listenOn}:{port}"))!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
            var deadline = DateTime.UtcNow.AddSeconds(180); // a first start migrates a new database; CI machines are busy
            while (true)
            {
                Assert.False(process.HasExited, "serve exited: " + output);
                try
                {
                    if ((await client.GetAsync("/robots.txt")).IsSuccessStatusCode) break;
                }
                catch (HttpRequestException) { }
                Assert.True(DateTime.UtcNow < deadline, "serve did not answer in 180 s: " + output);
                await Task.Delay(200);
            }
            await check(client, () => { lock (output) return output.ToString(); });
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Serve_makes_the_demo_site_on_first_start_of_an_empty_database()
    {
        var data = Directory.CreateTempSubdirectory("broadsheet-cli-").FullName;
        try
        {
            await ServeAsync(data, async client =>
            {
                await DemoSite.AssertShownAsync(client);
                // NUL bytes cannot be sent through the in-process test server; the real one must refuse them cleanly.
                foreach (var path in new[] { "/%00", "/2015/10/x%00y", "/tag/%00", "/?page=%00" })
                {
                    var status = (int)(await client.GetAsync(path)).StatusCode;
                    Assert.True(status is 200 or 400 or 404, $"{path} answered {status}");
                }
            });
            Assert.True(File.Exists(Path.Combine(data, "broadsheet.db")));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_makes_no_demo_for_a_database_that_already_had_content()
    {
        var data = Directory.CreateTempSubdirectory("broadsheet-cli-").FullName;
        try
        {
            // As an import leaves it: migrated and marked as initialised.
            await using (var app = Program.BuildApp([$"--{DataDirectory.ConfigurationKey}={data}", "--Logging:LogLevel:Default=Warning"]))
            {
                await DatabaseSetup.MigrateAsync(app.Services);
                await using var scope = app.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
                await db.SiteSettings.ExecuteUpdateAsync(s => s.SetProperty(x => x.InitialisedAt, DateTime.UtcNow).SetProperty(x => x.Title, "Imported Campaign"));
            }
            SqliteConnection.ClearAllPools();

            await ServeAsync(data, async client =>
            {
                var home = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await client.GetStringAsync("/"));
                Assert.Equal("Imported Campaign", home.QuerySelector(".site-title")?.TextContent.Trim());
                Assert.Empty(home.QuerySelectorAll(".post-title"));
                Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/about")).StatusCode);
            });
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
