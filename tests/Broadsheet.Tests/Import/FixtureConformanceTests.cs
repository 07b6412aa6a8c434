using System.Text.Json;
using Broadsheet.Features.Import;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Import;

/// <summary>
/// Every export file in the shared fixtures folder (other projects' own importer test data: the
/// WordPress importer's and Ghost migrate's) imports as that folder's README says: malformed files
/// are refused with nothing written; everything else imports completely, idempotently, with the
/// text exactly right. Folder: <c>BROADSHEET_TEST_FIXTURES</c>, else <c>/work/shared/fixtures</c> or
/// <c>shared/fixtures</c> beside the repository; skipped, saying so, when none is there.
/// </summary>
public abstract class FixtureConformanceTests(TestProvider provider)
{
    public const string Variable = "BROADSHEET_TEST_FIXTURES";

    /// <summary>What the originating projects' tests expect to be refused (WordPress: "missing/invalid WXR version number").</summary>
    private static readonly HashSet<string> Refused = ["malformed.xml", "missing-version-tag.xml"];

    public static string? Folder
    {
        get
        {
            if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured) return Directory.Exists(configured) ? Path.GetFullPath(configured) : null;
            var candidates = new List<string> { "/work/shared/fixtures" };
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Broadsheet.slnx")) && dir.Parent is { } parent)
                    candidates.Insert(0, Path.Combine(parent.FullName, "shared", "fixtures"));
            return candidates.FirstOrDefault(Directory.Exists);
        }
    }

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        if (Folder is { } folder)
            foreach (var file in Directory.EnumerateFiles(folder, "*.xml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                data.Add(Path.GetRelativePath(folder, file));
        if (data.Count == 0) data.Add("(no fixtures folder)");
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Imports_as_the_originating_project_expects(string relativePath)
    {
        Assert.SkipWhen(Folder is null, $"No fixtures folder: set {Variable} to the shared fixtures folder (e.g. ../shared/fixtures) to run the real-world import files.");
        var path = Path.Combine(Folder!, relativePath);
        var name = Path.GetFileName(path);
        var bytes = await File.ReadAllBytesAsync(path);
        var format = System.Text.Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 2000)).Contains("<feed", StringComparison.Ordinal) ? ImportFormat.Blogger : ImportFormat.WordPress;
        await using var app = new BroadsheetFactory(provider);
        var empty = await app.BackupAsync();

        if (Refused.Contains(name))
        {
            var failure = await Assert.ThrowsAsync<ImportFailedException>(() => app.ImportAsync(format, bytes, name));
            Assert.StartsWith(name, failure.Message);
            Assert.Equal(empty, await app.BackupAsync());
            return;
        }

        var summary = await app.ImportAsync(format, bytes, name);
        Assert.True(summary.Posts + summary.Pages > 0, $"{name}: nothing imported");
        var first = await app.BackupAsync();
        var again = await app.ImportAsync(format, bytes, name);
        Assert.Equal(0, again.Posts + again.Pages + again.Comments + again.Tags + again.Authors + again.Redirects);
        Assert.Equal(first, await app.BackupAsync());

        var backup = JsonDocument.Parse(first).RootElement;
        var posts = backup.GetProperty("posts").EnumerateArray().ToList();
        JsonElement Post(string title) => posts.Single(p => p.GetProperty("title").GetString() == title);
        string[] Strings(JsonElement e, string property) => [.. e.GetProperty(property).EnumerateArray().Select(x => x.GetString()!)];
        var comments = backup.GetProperty("comments").EnumerateArray().Select(c => c.GetProperty("bodyHtml").GetString()).ToList();

        switch (name)
        {
            case "crazy-cdata.xml" or "crazy-cdata-escaped.xml":
                Assert.Equal("Content with nested <![CDATA[ tags ]]> :)", Post("Hello world!").GetProperty("body").GetString());
                break;
            case "slashes.xml":
                Assert.Equal("Slashes aren\\'t \\\"cool\\\"", Post("Hello world!").GetProperty("body").GetString());
                Assert.Equal(["\\o/ ¯\\_(ツ)_/¯"], comments);
                Assert.Contains("a \\\"great\\\" category", backup.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
                break;
            case "wxr-utf-8-challenges.xml":
                var title = "\"The Road \u202eNot\u202c Taken\" by Rob\u202dert \u202eFrost \u202a🌲\u202c";
                Assert.Contains("T̷̢̯̭̈w̴̰̜̾o̷͉̅", Post(title).GetProperty("body").GetString());
                break;
            case "post-content-blank-lines.xml":
                var body = Post("Hello world!").GetProperty("body").GetString()!;
                Assert.Contains("This is an example of a WordPress post.", body);
                Assert.Contains("And more lines with text.", body);
                break;
            case "wp-co-authors-plus.xml":
                Assert.Equal(["alice-smith", "bob-jones", "carol-white"], Strings(Post("Three Author Post"), "authors"));
                Assert.Equal(["alice-smith", "bob-jones"], Strings(Post("Duplicate Author Entries Post"), "authors"));
                Assert.Equal(["bob-jones"], Strings(Post("Single Co-Author Post"), "authors"));
                break;
            case "wp-sample-no-slug.xml" or "wp-sample.xml":
                Assert.Equal("basic-post", Post("Basic Post").GetProperty("slug").GetString());
                Assert.Equal("draft", Post("Draft Post").GetProperty("status").GetString());
                break;
            case "blogger-sample.xml":
                // Its draft reuses the id of a published post: both are kept, the draft stays a draft.
                Assert.Equal("published", Post("Rhoncus Published Post").GetProperty("status").GetString());
                Assert.Equal("draft", Post("Maecenas Draft Post").GetProperty("status").GetString());
                Assert.Equal(["all-night-party", "dance"], Strings(Post("Vestibulum Post With Image"), "tags"));
                var home = await app.CreateClient().GetDocumentAsync("/");
                Assert.DoesNotContain("Maecenas Draft Post", home.Body!.TextContent);
                await app.Visitor().AssertRedirectsAsync("/2018/09/rhoncus.html", "/2018/09/rhoncus");
                break;
            case "theme-unit-test-data.xml":
                Assert.True(Post("Template: Sticky").GetProperty("pinned").GetBoolean());
                Assert.True(summary.Comments > 0 && summary.Redirects > 0);
                // Published in WordPress behind a password: a draft here, and the report counts it.
                Assert.Equal("draft", Post("Template: Password Protected (the password is \"enter\")").GetProperty("status").GetString());
                Assert.Equal(1, summary.PasswordProtected);
                break;
        }
    }
}

public sealed class SqliteFixtureConformanceTests() : FixtureConformanceTests(TestProvider.Sqlite);

public sealed class PostgresFixtureConformanceTests() : FixtureConformanceTests(TestProvider.Postgres);
