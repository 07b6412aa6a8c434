using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Broadsheet.Tests.Cli;

/// <summary><c>broadsheet dkim generate|list</c> as a deploy script runs them: the record to publish, and the key behind it.</summary>
public sealed partial class CommandLineTests
{
    private static Task<(int ExitCode, string Stdout, string Stderr)> DkimAsync(string data, params string[] args) =>
        RunApartAsync(Start(["--data", data, "dkim", .. args]));

    [Fact]
    public async Task Dkim_generate_stores_a_key_and_prints_the_TXT_record_that_publishes_it()
    {
        var data = Directory.CreateTempSubdirectory("broadsheet-cli-").FullName;
        try
        {
            var (code, stdout, stderr) = await DkimAsync(data, "generate", "Campaign.Example.org", "BS2026");
            Assert.True(code == 0, stdout + stderr);
            // Standard output is the record's name, then its value, and nothing else.
            var lines = stdout.TrimEnd('\n').Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.Equal("bs2026._domainkey.campaign.example.org", lines[0]);
            var value = Regex.Match(lines[1], "^v=DKIM1; k=rsa; p=([A-Za-z0-9+/=]+)$");
            Assert.True(value.Success, lines[1]);
            Assert.Contains("Publish a TXT record named bs2026._domainkey.campaign.example.org", stderr);

            // The record publishes the public half of the stored key, a 2048-bit RSA key.
            using var published = RSA.Create();
            published.ImportSubjectPublicKeyInfo(Convert.FromBase64String(value.Groups[1].Value), out _);
            Assert.Equal(2048, published.KeySize);
            using (var connection = new SqliteConnection($"Data Source={Path.Combine(data, "broadsheet.db")};Pooling=False"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT \"PrivateKeyPem\" FROM \"DkimKeys\" WHERE \"Domain\" = 'campaign.example.org' AND \"Selector\" = 'bs2026' AND \"Active\"";
                using var stored = RSA.Create();
                stored.ImportFromPem((string)command.ExecuteScalar()!);
                Assert.Equal(published.ExportSubjectPublicKeyInfo(), stored.ExportSubjectPublicKeyInfo());
            }

            // A new selector takes over signing; the old key stays listed (its record may still be published).
            Assert.Equal(0, (await DkimAsync(data, "generate", "campaign.example.org", "bs2027")).ExitCode);
            var (listCode, list, _) = await DkimAsync(data, "list");
            Assert.Equal(0, listCode);
            Assert.Matches(new Regex(@"campaign\.example\.org\s+bs2027\s+\S+ \S+\s+signing\s+bs2027\._domainkey\.campaign\.example\.org"), list);
            Assert.Matches(new Regex(@"campaign\.example\.org\s+bs2026\s+\S+ \S+\s+active\s+bs2026\._domainkey\.campaign\.example\.org"), list);
            Assert.DoesNotContain("PRIVATE KEY", list);

            // The same selector again is refused in one line, and nothing is replaced.
            var (again, againOut, againErr) = await DkimAsync(data, "generate", "campaign.example.org", "bs2026");
            Assert.Equal(1, again);
            Assert.Equal("", againOut);
            Assert.Single(againErr.TrimEnd('\n').Split('\n'));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Theory]
    [InlineData("not a domain", "s1")]
    [InlineData("localhost", "s1")]
    [InlineData("example.org", "x;p=evil")]
    public async Task Dkim_generate_refuses_a_bad_domain_or_selector_in_one_line(string domain, string selector)
    {
        var data = Directory.CreateTempSubdirectory("broadsheet-cli-").FullName;
        try
        {
            var (code, stdout, stderr) = await DkimAsync(data, "generate", domain, selector);
            Assert.Equal(2, code);
            Assert.Equal("", stdout);
            Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
