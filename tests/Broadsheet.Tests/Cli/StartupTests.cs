using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Broadsheet.Tests.Infrastructure;
using Npgsql;

namespace Broadsheet.Tests.Cli;

/// <summary>
/// How a node starts when it is not alone or its database is not there yet, with real processes (the built
/// executable) on a real PostgreSQL server: nodes started together, a database on a closed port, a database
/// that comes up while the node waits for it.
/// </summary>
public sealed class StartupTests
{
    private static readonly TimeSpan StartWithin = TimeSpan.FromSeconds(180); // a first start migrates a new database; the machine is shared

    private static Dictionary<string, string> Postgres(string connectionString, params (string Key, string Value)[] more)
    {
        var environment = new Dictionary<string, string>
        {
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__Broadsheet"] = connectionString,
            ["Logging__LogLevel__Default"] = "Information",
        };
        foreach (var (key, value) in more) environment[key] = value;
        return environment;
    }

    /// <summary>Exception names and stack frames, as a .NET process prints them when something it did not expect happened.</summary>
    private static void AssertNoException(string output)
    {
        Assert.DoesNotContain("Exception", output);
        Assert.DoesNotContain("   at ", output);
    }

    private static long Scalar(string database, string sql)
    {
        using var connection = new NpgsqlConnection(PostgresServer.ConnectionString(database));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Two_nodes_started_together_on_an_empty_database_both_serve_one_demo_site()
    {
        var database = PostgresServer.CreateDatabase();
        try
        {
            var environment = Postgres(PostgresServer.ConnectionString(database));
            await using var first = ServerProcess.Serve(environment);
            await using var second = ServerProcess.Serve(environment);

            await Task.WhenAll(first.WaitUntilServingAsync("/", StartWithin), second.WaitUntilServingAsync("/", StartWithin));

            // One demo site: its two authors, four items and one settings row, each made once.
            Assert.Equal(1, Scalar(database, "SELECT count(*) FROM \"SiteSettings\""));
            Assert.Equal(2, Scalar(database, "SELECT count(*) FROM \"Authors\""));
            Assert.Equal(4, Scalar(database, "SELECT count(*) FROM \"Posts\""));
            Assert.Equal(4, Scalar(database, "SELECT count(DISTINCT \"Slug\") FROM \"Posts\""));
            foreach (var node in new[] { first, second })
            {
                using var client = node.Client();
                Assert.Contains("Welcome to the new site", await client.GetStringAsync("/"));
                AssertNoException(node.Output);
            }
            Assert.Single(new[] { first.Output, second.Output }, o => o.Contains("Created a small demo site", StringComparison.Ordinal));
        }
        finally
        {
            PostgresServer.DropDatabase(database);
        }
    }

    [Fact]
    public async Task A_database_on_a_closed_port_is_named_retried_and_then_the_node_exits()
    {
        PostgresServer.SkipUnlessAvailable();
        var port = ServerProcess.FreePort(); // nothing listens there
        const string password = "not-to-be-printed-7q";
        var connectionString = $"Host=127.0.0.1;Port={port};Username=broadsheet;Password={password};Database=campaign_site";
        var timeout = TimeSpan.FromSeconds(4);
        var clock = Stopwatch.StartNew();
        await using var node = ServerProcess.Serve(Postgres(connectionString, ("Database__StartupTimeout", timeout.ToString())));

        var code = await node.WaitForExitAsync(timeout + TimeSpan.FromSeconds(40));

        Assert.True(clock.Elapsed >= timeout, $"gave up after {clock.Elapsed.TotalSeconds:0.0} s, before the timeout: {node.Output}");
        Assert.NotEqual(0, code);
        var output = node.Output;
        Assert.Contains($"Broadsheet cannot start: cannot reach the PostgreSQL database campaign_site at 127.0.0.1:{port}", output);
        Assert.True(output.Split('\n').Count(l => l.Contains("trying again in", StringComparison.Ordinal)) >= 2, "each retry is logged: " + output);
        Assert.DoesNotContain(password, output);
        AssertNoException(output);
    }

    [Fact]
    public async Task A_sqlite_file_that_cannot_be_opened_is_named_and_the_node_exits()
    {
        var missing = Path.Combine(Path.GetTempPath(), "broadsheet-no-such-folder-" + Guid.NewGuid().ToString("N"), "site.db");
        await using var node = ServerProcess.Serve(new Dictionary<string, string>
        {
            ["ConnectionStrings__Broadsheet"] = $"Data Source={missing}",
            ["Database__StartupTimeout"] = "00:00:01",
        });

        var code = await node.WaitForExitAsync(TimeSpan.FromSeconds(40));

        Assert.NotEqual(0, code);
        Assert.Contains($"Broadsheet cannot start: cannot reach the SQLite database {missing}", node.Output);
        AssertNoException(node.Output);
    }

    [Fact]
    public async Task A_node_that_starts_before_its_database_serves_once_the_database_comes_up()
    {
        var database = PostgresServer.CreateDatabase();
        var real = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString(database));
        // The database "comes up" 2 s after the node first finds it down: until then nothing listens on this port,
        // then a forwarder to the real server does, as a database container's port opens once its server is ready.
        var port = ServerProcess.FreePort();
        using var stop = new CancellationTokenSource();
        try
        {
            await using var node = ServerProcess.Serve(Postgres(
                new NpgsqlConnectionStringBuilder(real.ConnectionString) { Host = "127.0.0.1", Port = port }.ConnectionString,
                ("Database__StartupTimeout", "00:01:00")));
            // Up only once the node has found it down and said it will try again (a node that dies instead fails here).
            var waited = Stopwatch.StartNew();
            while (!node.Output.Contains("trying again in", StringComparison.Ordinal))
            {
                Assert.False(node.HasExited, "the node gave up instead of waiting for its database: " + node.Output);
                Assert.True(waited.Elapsed < StartWithin, "the node never said it would try again: " + node.Output);
                await Task.Delay(100);
            }
            await Task.Delay(TimeSpan.FromSeconds(2));
            var forwarding = ForwardAsync(port, real.Host!, real.Port, stop.Token);

            await node.WaitUntilServingAsync("/", StartWithin);

            AssertNoException(node.Output);
            await stop.CancelAsync();
            await forwarding;
        }
        finally
        {
            await stop.CancelAsync();
            PostgresServer.DropDatabase(database);
        }
    }

    /// <summary>Listens on <paramref name="port"/> and copies each connection's bytes both ways to the real server.</summary>
    private static async Task ForwardAsync(int port, string host, int targetPort, CancellationToken stop)
    {
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(stop);
                connections.Add(Task.Run(async () =>
                {
                    using var inbound = client;
                    using var outbound = new TcpClient();
                    await outbound.ConnectAsync(host, targetPort, stop);
                    var a = inbound.GetStream();
                    var b = outbound.GetStream();
                    await Task.WhenAny(a.CopyToAsync(b, stop), b.CopyToAsync(a, stop));
                }, stop));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        // The node is gone by now; its connections end with cancellation or a reset, either is fine here.
        try { await Task.WhenAll(connections); } catch (Exception e) when (e is OperationCanceledException or IOException or SocketException) { }
    }
}
