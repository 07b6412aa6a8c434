using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Broadsheet.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Broadsheet.Tests.Cli;

/// <summary>/admin/setup on a real server: off loopback it needs the code the server printed at start; on loopback it does not.</summary>
public sealed partial class CommandLineTests
{
    private static readonly Dictionary<string, string?> Owner = new()
    {
        ["Input.Email"] = "owner@example.org", ["Input.DisplayName"] = "Olive Owner", ["Input.SiteAddress"] = "https://campaign.example.org",
        ["Input.Password"] = AdminClient.Password, ["Input.ConfirmPassword"] = AdminClient.Password,
    };

    /// <summary>A browser on this machine whose connections come from <paramref name="from"/> (any 127.x address is this machine's).</summary>
    private static HttpClient BrowserFrom(IPAddress from, Uri server) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(from, 0));
            await socket.ConnectAsync(context.DnsEndPoint, ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    }) { BaseAddress = server };

    private static async Task<string> TextOfAsync(HttpResponseMessage response) =>
        new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync()).QuerySelector("main")!.TextContent;

    private static int WrongCodesCounted(string data, string address)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(data, "broadsheet.db")};Pooling=false");
        db.Open();
        using var query = db.CreateCommand();
        query.CommandText = "SELECT coalesce(sum(Count), 0) FROM AddressCounters WHERE Budget = 'setup-code' AND Address = $address";
        query.Parameters.AddWithValue("$address", address);
        return Convert.ToInt32(query.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string CodeIn(string log)
    {
        var line = Regex.Match(log, @"Setup code: ([2-9A-Z]{4}-[2-9A-Z]{4}) \(needed at /admin/setup to make the Owner account, because this server listens on http://0\.0\.0\.0:\d+\)");
        Assert.True(line.Success, "no setup code in the log: " + log);
        return line.Groups[1].Value;
    }

    [Fact]
    public async Task Off_loopback_setup_needs_the_code_from_the_log_counts_wrong_ones_and_makes_the_owner_with_the_right_one()
    {
        var data = Directory.CreateTempSubdirectory("broadsheet-cli-").FullName;
        try
        {
            await ServeAsync(data, "0.0.0.0", async (server, output) =>
            {
                var code = CodeIn(output());
                var wrong = code[..^1] + (code[^1] == 'Z' ? 'Y' : 'Z');

                using var browser = BrowserFrom(IPAddress.Loopback, server.BaseAddress!);
                var (_, form) = await browser.GetPageAsync("/admin/setup");
                Assert.NotNull(form.QuerySelector("input[name='Input.Code'][required]"));
                Assert.Contains("printed to its log", form.QuerySelector("main")!.TextContent);

                var none = await browser.SubmitAsync("/admin/setup", Owner);
                Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
                Assert.Contains("Give the setup code", await TextOfAsync(none));
                Assert.Contains("Setup code: …", await TextOfAsync(none)); // says where to find it

                var guessed = await browser.SubmitAsync("/admin/setup", new(Owner) { ["Input.Code"] = wrong });
                Assert.Equal(HttpStatusCode.BadRequest, guessed.StatusCode);
                Assert.Contains("That is not the setup code", await TextOfAsync(guessed));
                Assert.Equal(1, WrongCodesCounted(data, "127.0.0.1"));

                // Another address that spends its budget is stopped, even with the right code; this one is not.
                using var guesser = BrowserFrom(IPAddress.Parse("127.0.0.2"), server.BaseAddress!);
                for (var i = 0; i < 10; i++)
                    Assert.Equal(HttpStatusCode.BadRequest, (await guesser.SubmitAsync("/admin/setup", new(Owner) { ["Input.Code"] = wrong })).StatusCode);
                var stopped = await guesser.SubmitAsync("/admin/setup", new(Owner) { ["Input.Code"] = code });
                Assert.Equal(HttpStatusCode.TooManyRequests, stopped.StatusCode);
                Assert.Contains("Too many wrong setup codes", await TextOfAsync(stopped));
                Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/admin/setup")).StatusCode); // still no Owner

                var made = await browser.SubmitAsync("/admin/setup", new(Owner) { ["Input.Code"] = code.ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal) });
                Assert.Equal(HttpStatusCode.Redirect, made.StatusCode);
                Assert.Equal("/admin", made.Headers.Location?.OriginalString);
                Assert.Equal(1, WrongCodesCounted(data, "127.0.0.1")); // the right code is not counted as a guess
                // Used up: with an Owner there is no setup page to use it on.
                Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/admin/setup")).StatusCode);
            });
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Two_nodes_on_one_database_print_the_same_setup_code_and_one_node_s_code_works_on_the_other()
    {
        var data = Directory.CreateTempSubdirectory("broadsheet-cli-").FullName;
        try
        {
            await ServeAsync(data, "0.0.0.0", async (first, firstLog) =>
                await ServeAsync(data, "0.0.0.0", async (second, secondLog) =>
                {
                    var code = CodeIn(firstLog());
                    Assert.Equal(code, CodeIn(secondLog()));
                    using var browser = BrowserFrom(IPAddress.Loopback, second.BaseAddress!);
                    var made = await browser.SubmitAsync("/admin/setup", new(Owner) { ["Input.Code"] = code });
                    Assert.Equal(HttpStatusCode.Redirect, made.StatusCode);
                    Assert.Equal(HttpStatusCode.NotFound, (await first.GetAsync("/admin/setup")).StatusCode);
                }));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task On_loopback_setup_asks_for_no_code()
    {
        var data = Directory.CreateTempSubdirectory("broadsheet-cli-").FullName;
        try
        {
            await ServeAsync(data, "127.0.0.1", async (server, output) =>
            {
                Assert.DoesNotContain("Setup code", output());
                using var browser = BrowserFrom(IPAddress.Loopback, server.BaseAddress!);
                var (_, form) = await browser.GetPageAsync("/admin/setup");
                Assert.Null(form.QuerySelector("input[name='Input.Code']"));
                var made = await browser.SubmitAsync("/admin/setup", Owner);
                Assert.Equal(HttpStatusCode.Redirect, made.StatusCode);
            });
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
