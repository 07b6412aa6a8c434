using System.Diagnostics;
using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Search;

/// <summary><c>broadsheet search reindex</c> run as a process, as an administrator would, against a site's database.</summary>
public abstract class SearchCommandTests(TestProvider provider)
{
    [Fact]
    public async Task Reindex_rebuilds_an_emptied_index_and_reports_progress()
    {
        await using var app = new BroadsheetFactory(provider).With("Search:IndexOnStart", "false");
        await app.AddPostAsync("Orchard day", "Apples pressed into juice.");
        await app.AddPostAsync("Cider notes", "More apples.", status: PostStatus.Draft);
        var client = app.CreateClient();
        await using (var scope = app.Scope())
            await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Database.ExecuteSqlRawAsync("DELETE FROM search_documents");
        Assert.Empty((await client.GetDocumentAsync("/search?q=apples")).QuerySelectorAll(".search-result"));

        var (exitCode, output) = await RunAsync(app, "search", "reindex");

        Assert.True(exitCode == 0, output);
        Assert.Contains("Indexed 2 of 2", output);
        Assert.Contains("Search index rebuilt: 2 records", output);
        var titles = (await client.GetDocumentAsync("/search?q=apples")).QuerySelectorAll(".search-result .result-title").Select(t => t.Text());
        Assert.Equal(["Orchard day"], titles);
    }

    [Fact]
    public async Task Unknown_subcommand_is_an_error_with_usage()
    {
        await using var app = new BroadsheetFactory(provider);
        var (exitCode, output) = await RunAsync(app, "search", "rebuild-everything");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("reindex", output);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(BroadsheetFactory app, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "broadsheet.dll"));
        start.ArgumentList.Add("--data");
        start.ArgumentList.Add(app.DataDirectory);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var configuration = app.Services.GetRequiredService<IConfiguration>();
        start.Environment["Database__Provider"] = configuration["Database:Provider"] ?? "Sqlite";
        if (configuration.GetConnectionString("Broadsheet") is { Length: > 0 } connectionString)
            start.Environment["ConnectionStrings__Broadsheet"] = connectionString;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}

public sealed class SqliteSearchCommandTests() : SearchCommandTests(TestProvider.Sqlite);

public sealed class PostgresSearchCommandTests() : SearchCommandTests(TestProvider.Postgres);
