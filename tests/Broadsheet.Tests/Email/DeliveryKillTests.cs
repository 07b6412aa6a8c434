using System.Data.Common;
using System.Diagnostics;
using Broadsheet.Email;
using Broadsheet.Features.Newsletters;
using Broadsheet.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Broadsheet.Tests.Email;

/// <summary>
/// A node killed with SIGKILL again and again in the middle of a send, as a container runtime or the OOM killer does it:
/// real processes of the built executable against a real SMTP server that outlives them. Started again each time, the
/// site carries on by itself; in the end every recipient has the issue, a second copy only where a kill fell between the
/// server's 250 and its row being written (at most one per open connection per kill), and the report counts those.
/// </summary>
public abstract class DeliveryKillTests(TestProvider provider) : IDisposable
{
    private const int Recipients = 1500;
    private const int Connections = 3;
    private const int Kills = 3;
    private readonly string folder = Directory.CreateTempSubdirectory("broadsheet-delivery-kill-").FullName;
    private readonly string? database = provider == TestProvider.Postgres ? PostgresServer.CreateDatabase() : null;

    private readonly System.Text.StringBuilder output = new();
    private readonly List<Process> nodes = [];

    private string Output
    {
        get { lock (output) return output.ToString(); }
    }

    private void KillAll()
    {
        foreach (var node in nodes)
        {
            try
            {
                if (!node.HasExited) node.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already disposed: it was killed and waited for.
            }
        }
        nodes.Clear();
    }

    public void Dispose()
    {
        // A node left running (a failed assertion) would hold its SMTP sessions open, and the mail server's stop waits for them.
        KillAll();
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        if (database is not null) PostgresServer.DropDatabase(database);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_send_killed_again_and_again_reaches_everyone_with_duplicates_within_the_bound()
    {
        await using var mail = new ScriptedMailServer();
        try
        {
            int issue;
            // The site and its send are arranged through the app's own services; its own mail goes nowhere (a closed
            // port), so that every message is sent by the processes below. Its work-queue runner still takes the send's
            // first batches and backs them off after the refused connection: a short retry and short leases leave them
            // due again seconds after this app is gone (an hour's retry here left the processes nothing to do for an hour).
            await using (var arrange = new BroadsheetFactory(provider)
                .With(Broadsheet.Data.DataDirectory.ConfigurationKey, Path.Combine(folder, "data"))
                .With("ConnectionStrings:Broadsheet", database is null ? null : PostgresServer.ConnectionString(database))
                .With("Email:Smtp:Host", "127.0.0.1").With("Email:Smtp:Port", ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture))
                .With(Broadsheet.Features.Settings.SiteSettingsCache.BaseUrlKey, Sending.SiteAddress)
                .With("Email:Delivery:ConnectionRetry", "00:00:01")
                .With("Email:Delivery:ClaimLease", "00:00:03")
                .With("WorkQueue:LeaseTime", "00:00:03"))
            {
                issue = await Sending.ArrangeAsync(arrange, Recipients);
                Assert.Equal(SendStartOutcome.Started, (await Sending.StartAsync(arrange, issue)).Outcome);
            }

            for (var kill = 0; kill < Kills; kill++)
            {
                var before = mail.Accepted.Count;
                using var node = Start(mail);
                var watch = Stopwatch.StartNew();
                // Killed once it has sent a little more, at a different point each time.
                var more = 60 + Random.Shared.Next(120);
                while (mail.Accepted.Count < before + more)
                {
                    Assert.False(node.HasExited, "the node stopped: " + Output);
                    Assert.True(watch.Elapsed < TimeSpan.FromMinutes(2), $"the node sent nothing in 2 minutes (kill {kill}): {Output}");
                    await Task.Delay(10);
                }
                node.Kill(entireProcessTree: true);
                await node.WaitForExitAsync();
                Assert.True(mail.Accepted.Count < Recipients, "the send finished before it could be killed");
            }

            using (var last = Start(mail))
            {
                var watch = Stopwatch.StartNew();
                while (await ScalarAsync($"""SELECT "SendStatus" FROM "NewsletterIssues" WHERE "Id" = {issue}""") != $"{(int)IssueSendStatus.Sent}")
                {
                    Assert.False(last.HasExited, "the node stopped: " + Output);
                    Assert.True(watch.Elapsed < TimeSpan.FromMinutes(3), "the send did not finish within 3 minutes of the last start: " + Output);
                    await Task.Delay(200);
                }
                last.Kill(entireProcessTree: true);
            }

            var copies = Enumerable.Range(1, Recipients).Select(i => mail.CopiesTo(Sending.Address(i))).ToList();
            Assert.Equal(0, copies.Count(c => c == 0)); // nobody lost
            var duplicates = copies.Sum(c => c - 1);
            Assert.True(duplicates <= Kills * Connections, $"{duplicates} duplicates after {Kills} kills over {Connections} connections");
            Assert.Equal($"{Recipients}", await ScalarAsync($"""SELECT COUNT(*) FROM "Deliveries" WHERE "IssueId" = {issue} AND "Status" = {(int)DeliveryStatus.Sent}"""));
            var uncertain = int.Parse((await ScalarAsync($"""SELECT COUNT(*) FROM "Deliveries" WHERE "IssueId" = {issue} AND "Uncertain" """))!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(uncertain >= duplicates, $"{duplicates} duplicates but only {uncertain} counted uncertain");
            Assert.True(uncertain <= Kills * Connections, $"{uncertain} uncertain after {Kills} kills over {Connections} connections");
    
        }
        finally
        {
            KillAll();
        }
    }

    private Process Start(ScriptedMailServer mail)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "broadsheet.dll"));
        foreach (var arg in new[] { "--data", Path.Combine(folder, "data"), "serve", "--urls", "http://127.0.0.1:0" }) start.ArgumentList.Add(arg);
        // Short leases, so that on PostgreSQL (where a node cannot tell a dead lease from a live one) the test waits seconds.
        start.Environment["WorkQueue__LeaseTime"] = "00:00:03";
        start.Environment["Email__Delivery__ClaimLease"] = "00:00:03";
        start.Environment["Broadsheet__DemoContent"] = "false";
        start.Environment["Site__BaseUrl"] = Sending.SiteAddress;
        start.Environment["Email__Smtp__Host"] = "127.0.0.1";
        start.Environment["Email__Smtp__Port"] = mail.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Email__Smtp__Security"] = "None";
        start.Environment["Email__Smtp__Connections"] = $"{Connections}";
        if (database is not null)
        {
            start.Environment["Database__Provider"] = "Postgres";
            start.Environment["ConnectionStrings__Broadsheet"] = PostgresServer.ConnectionString(database);
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        nodes.Add(process);
        return process;
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
}

public sealed class SqliteDeliveryKillTests() : DeliveryKillTests(TestProvider.Sqlite);

public sealed class PostgresDeliveryKillTests() : DeliveryKillTests(TestProvider.Postgres);
