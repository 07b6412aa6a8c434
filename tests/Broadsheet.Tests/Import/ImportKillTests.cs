using System.Data.Common;
using System.Diagnostics;
using System.Text;
using Broadsheet.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Broadsheet.Tests.Import;

/// <summary>
/// A node killed with SIGKILL in the middle of an import, as a container runtime or the OOM killer does it:
/// real processes of the built executable. Started again, the site finishes the job by itself, with every
/// post there exactly once and the job reading finished with the right counts.
/// </summary>
public abstract class ImportKillTests(TestProvider provider) : IDisposable
{
    private const int PostCount = 6000;
    private readonly string folder = Directory.CreateTempSubdirectory("broadsheet-kill-").FullName;
    private readonly string? database = provider == TestProvider.Postgres ? PostgresServer.CreateDatabase() : null;

    public void Dispose()
    {
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        if (database is not null) PostgresServer.DropDatabase(database);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task An_import_killed_mid_way_finishes_by_itself_at_the_next_start_with_nothing_doubled()
    {
        var file = Path.Combine(folder, "big.xml");
        await File.WriteAllTextAsync(file, WordPressExport(PostCount));

        // 1. The CLI runs the import itself and is killed once its progress shows it part-way (10% of the file read).
        // The output is read, and the kill sent, from a thread of its own: in a busy test run the thread pool can lag
        // by seconds, long enough for the whole import to commit before a line read through it is seen.
        using (var cli = Start("import", "wordpress", file, "--run"))
        {
            var killedPartWay = false;
            var watcher = new Thread(() =>
            {
                while (cli.StandardOutput.ReadLine() is { } line)
                {
                    if (!line.Contains("big.xml: 10%", StringComparison.Ordinal)) continue;
                    cli.Kill(entireProcessTree: true);
                    killedPartWay = true;
                    return;
                }
            }) { IsBackground = true, Name = "kill the import part-way" };
            watcher.Start();
            Assert.True(watcher.Join(TimeSpan.FromMinutes(3)), "the import showed no progress within 3 minutes");
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await cli.WaitForExitAsync(timeout.Token);
            Assert.True(killedPartWay, "the import ended before it showed 10%: " + await cli.StandardError.ReadToEndAsync());
        }
        Assert.Equal("1", await ScalarAsync("""SELECT "Status" FROM "ImportJobs" """)); // Running, and nobody is
        Assert.Equal("0", await ScalarAsync("""SELECT COUNT(*) FROM "Posts" """));

        // 2. The site is started again; nobody asks for the import again.
        using var server = Start("serve", "--urls", "http://127.0.0.1:0");
        // Its log is read as it comes, so a full pipe never stalls it.
        server.OutputDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        var watch = Stopwatch.StartNew();
        while (await ScalarAsync("""SELECT "State" FROM "WorkItems" """) != "2") // Done
        {
            if (server.HasExited) Assert.Fail("the server stopped: " + await server.StandardError.ReadToEndAsync());
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(3), "the job did not finish within 3 minutes");
            await Task.Delay(500);
        }
        server.Kill(entireProcessTree: true);

        Assert.Equal($"{PostCount}", await ScalarAsync("""SELECT COUNT(*) FROM "Posts" """));
        Assert.Equal($"{PostCount}", await ScalarAsync("""SELECT COUNT(DISTINCT "SourceKey") FROM "Posts" """));
        Assert.Contains($"\"posts\":{PostCount}", await ScalarAsync("""SELECT "SummaryJson" FROM "ImportJobs" """));
        Assert.Equal("2", await ScalarAsync("""SELECT "Status" FROM "ImportJobs" """)); // Succeeded
        Assert.Equal("2", await ScalarAsync("""SELECT "Attempts" FROM "WorkItems" """));
    }

    private Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "broadsheet.dll"));
        start.ArgumentList.Add("--data");
        start.ArgumentList.Add(Path.Combine(folder, "data"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // A short lease, so that on PostgreSQL (where a node cannot tell a dead lease from a live one) the test waits seconds.
        start.Environment["WorkQueue__LeaseTime"] = "00:00:03";
        start.Environment["Broadsheet__DemoContent"] = "false";
        if (database is not null)
        {
            start.Environment["Database__Provider"] = "Postgres";
            start.Environment["ConnectionStrings__Broadsheet"] = PostgresServer.ConnectionString(database);
        }
        return Process.Start(start)!;
    }

    private async Task<string?> ScalarAsync(string sql)
    {
        await using DbConnection connection = database is null
            ? new SqliteConnection($"Data Source={Path.Combine(folder, "data", "broadsheet.db")};Pooling=False")
            : new NpgsqlConnection(PostgresServer.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string WordPressExport(int posts)
    {
        var xml = new StringBuilder("""
            <?xml version="1.0" encoding="UTF-8" ?>
            <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="https://wordpress.org/export/1.2/">
            <channel><title>Kill test</title><link>https://kill.example.org</link>
            <wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://kill.example.org</wp:base_site_url><wp:base_blog_url>https://kill.example.org</wp:base_blog_url>
            """);
        for (var i = 1; i <= posts; i++)
        {
            var date = new DateTime(2010, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(i).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            xml.Append(System.Globalization.CultureInfo.InvariantCulture, $"""
                <item><title>Post number {i}</title><link>https://kill.example.org/?p={i}</link><dc:creator>sam</dc:creator>
                <content:encoded><![CDATA[<p>Paragraph one of post {i}, long enough to be worth sanitising.</p><p>And a second paragraph with <a href="https://example.org/{i}">a link</a>.</p>]]></content:encoded>
                <wp:post_id>{i}</wp:post_id><wp:post_date>{date}</wp:post_date><wp:post_date_gmt>{date}</wp:post_date_gmt>
                <wp:post_name>post-{i}</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>

                """);
        }
        return xml.Append("</channel></rss>\n").ToString();
    }
}

public sealed class SqliteImportKillTests() : ImportKillTests(TestProvider.Sqlite);

public sealed class PostgresImportKillTests() : ImportKillTests(TestProvider.Postgres);
