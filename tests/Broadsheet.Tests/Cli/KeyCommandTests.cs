using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Broadsheet.Tests.Cli;

/// <summary><c>broadsheet key add|list|revoke</c> as a deploy script runs them, and the keys used against the real server.</summary>
public sealed partial class CommandLineTests
{
    private static Task<(int ExitCode, string Stdout, string Stderr)> KeyAsync(string data, params string[] args) =>
        RunApartAsync(Start(["--data", data, "key", .. args]));

    private static HttpRequestMessage WithKey(string path, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    [Fact]
    public async Task Key_add_prints_a_key_once_that_the_running_server_accepts_until_key_revoke()
    {
        var data = Directory.CreateTempSubdirectory("broadsheet-cli-").FullName;
        try
        {
            var (code, stdout, stderr) = await KeyAsync(data, "add", "Deploy bot", "--role", "editor");
            Assert.True(code == 0, stdout + stderr);
            // Standard output is the key and nothing else, so KEY=$(broadsheet key add …) works.
            var editorKey = stdout.TrimEnd('\n');
            Assert.Matches(new Regex("^bs_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$"), editorKey);
            Assert.Contains("Created Editor key \"Deploy bot\"", stderr);
            var (adminCode, adminKey, _) = await KeyAsync(data, "add", "Settings sync", "--role", "Administrator");
            Assert.Equal(0, adminCode);
            adminKey = adminKey.TrimEnd('\n');

            var (listCode, list, _) = await KeyAsync(data, "list");
            Assert.Equal(0, listCode);
            Assert.Matches(new Regex(@"Deploy bot\s+Editor\s+\S+ \S+\s+never\s+active"), list);
            Assert.Matches(new Regex(@"Settings sync\s+Administrator\s+\S+ \S+\s+never\s+active"), list);
            Assert.DoesNotContain(editorKey[14..], list); // never the secret
            Assert.DoesNotContain(adminKey[14..], list);

            await ServeAsync(data, async client =>
            {
                Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(WithKey("/api/admin/posts", editorKey))).StatusCode);
                Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(WithKey("/api/admin/settings", editorKey))).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(WithKey("/api/admin/settings", adminKey))).StatusCode);

                // Revoked from the command line while the server runs: refused at once.
                var (revokeCode, _, revoked) = await KeyAsync(data, "revoke", "Deploy bot");
                Assert.True(revokeCode == 0, revoked);
                var refused = await client.SendAsync(WithKey("/api/admin/posts", editorKey));
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                using var problem = System.Text.Json.JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
                Assert.StartsWith("The API key \"Deploy bot\" was revoked", problem.RootElement.GetProperty("detail").GetString());
                Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(WithKey("/api/admin/posts", adminKey))).StatusCode);
            });

            var (_, after, _) = await KeyAsync(data, "list");
            Assert.Matches(new Regex(@"Deploy bot\s+Editor\s+\S+ \S+\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+revoked "), after);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Theory]
    [InlineData("add", "Bot", "--role", "owner")]
    [InlineData("add", " ")]
    [InlineData("revoke", "Nobody")]
    [InlineData("revoke", "42")]
    public async Task Key_verbs_refuse_an_unknown_role_or_key_in_one_line(params string[] args)
    {
        var data = Directory.CreateTempSubdirectory("broadsheet-cli-").FullName;
        try
        {
            var (code, stdout, stderr) = await KeyAsync(data, args);
            Assert.NotEqual(0, code);
            Assert.Equal("", stdout);
            Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
