using System.Diagnostics;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Cli;

/// <summary>The newsletter verbs as a site owner runs them: the real executable, a data folder, exit codes and output.</summary>
public abstract class NewsletterCommandTests(TestProvider provider) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("broadsheet-newsletter-cli-").FullName;
    private readonly List<string> databases = [];

    public void Dispose()
    {
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        foreach (var database in databases) PostgresServer.DropDatabase(database);
        GC.SuppressFinalize(this);
    }

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
    public async Task A_newsletter_is_added_and_a_CSV_imported_with_a_report_and_a_second_import_adds_nothing()
    {
        var site = Site("campaign");
        var added = await RunAsync(site, "newsletter", "add", "weekly", "--name", "Weekly News", "--from", "Riverside Tenants <news@example.org>");
        Assert.True(added.Code == 0, added.Error);
        Assert.Contains("from Riverside Tenants <news@example.org>", added.Out);
        var twice = await RunAsync(site, "newsletter", "add", "weekly", "--name", "Again", "--from", "news@example.org");
        Assert.Equal(1, twice.Code);
        Assert.Contains("already has the slug", twice.Error);
        Assert.Equal(2, (await RunAsync(site, "newsletter", "add", "bad", "--name", "Bad", "--from", "not an address")).Code);

        var csv = Write("list.csv", "email,first name,last name\nann@example.org,Ann,Lee\nbroken@,Bo,Berg\nANN@example.org,Ann,Again\n");
        var consentless = await RunAsync(site, "subscribers", "import", csv, "--newsletter", "weekly", "--confirmed");
        Assert.Equal(2, consentless.Code);
        Assert.Contains("--source", consentless.Error);

        var first = await RunAsync(site, "subscribers", "import", csv, "--newsletter", "weekly", "--confirmed", "--source", "rally sign-up sheet", "--run");
        Assert.True(first.Code == 0, first.Error + first.Out);
        Assert.Contains("New subscribers: 1 (confirmed", first.Out);
        Assert.Contains("line 3: 'broken@' is not an email address", first.Out);
        Assert.Contains("line 4: ANN@example.org is in the file more than once", first.Out);

        var second = await RunAsync(site, "subscribers", "import", csv, "--newsletter", "weekly", "--run");
        Assert.Equal(0, second.Code);
        Assert.Contains("New subscribers: 0", second.Out);
        Assert.Contains("already subscribed 1", second.Out);

        var queued = await RunAsync(site, "subscribers", "import", csv, "--newsletter", "weekly");
        Assert.Equal(0, queued.Code);
        Assert.Contains("Queued subscriber import job", queued.Out);
        var missing = await RunAsync(site, "subscribers", "import", csv, "--newsletter", "nope", "--run");
        Assert.Equal(1, missing.Code);
        Assert.Contains("There is no newsletter 'nope'", missing.Error);
    }

    [Fact]
    public async Task Deliveries_status_says_plainly_when_there_is_nothing_to_report()
    {
        var site = Site("quiet");
        var none = await RunAsync(site, "deliveries", "status");
        Assert.Equal(1, none.Code);
        Assert.Contains("No issue has been sent yet", none.Error);
        var unknown = await RunAsync(site, "deliveries", "status", "3", "--newsletter", "nope");
        Assert.Equal(1, unknown.Code);
        Assert.Contains("There is no newsletter 'nope'", unknown.Error);
    }

    /// <summary>Needs helper B's delivery engine (IssueSending): passes once it is merged.</summary>
    [Fact]
    public async Task Newsletter_send_prints_the_issue_number_and_with_run_sends_it_to_the_confirmed_subscribers()
    {
        await using var mail = new TestMailServer();
        var site = Site("send");
        site["Email__Smtp__Host"] = "127.0.0.1";
        site["Email__Smtp__Port"] = mail.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        site["Email__Smtp__Security"] = "None";
        site["Site__BaseUrl"] = "https://campaign.example.org";
        Assert.Equal(0, (await RunAsync(site, "newsletter", "add", "weekly", "--name", "Weekly News", "--from", "Riverside <news@example.org>")).Code);
        var csv = Write("confirmed.csv", "ann@example.org\nbo@example.org\n");
        Assert.Equal(0, (await RunAsync(site, "subscribers", "import", csv, "--newsletter", "weekly", "--confirmed", "--source", "test", "--run")).Code);
        var body = Write("issue.md", "We met on **Monday**.");

        var sent = await RunAsync(site, "newsletter", "send", "weekly", "--subject", "Week one", "--body", body, "--run");

        Assert.True(sent.Code == 0, sent.Error + sent.Out);
        Assert.Equal("1", sent.Out.Split('\n')[0].Trim());
        Assert.Contains("sent 2, failed 0", sent.Out);
        await mail.MessagesToAsync("ann@example.org", 1);
        var status = await RunAsync(site, "deliveries", "status", "1", "--newsletter", "weekly");
        Assert.Equal(0, status.Code);
        Assert.Contains("weekly #1: sent: 2/2 done", status.Out);
    }
}

public sealed class SqliteNewsletterCommandTests() : NewsletterCommandTests(TestProvider.Sqlite);

public sealed class PostgresNewsletterCommandTests() : NewsletterCommandTests(TestProvider.Postgres);
