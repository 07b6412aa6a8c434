using System.Globalization;
using System.Net;
using System.Text;
using AngleSharp.Dom;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Import;

/// <summary>Imports uploaded in the admin, through the real pipeline: upload, the background job, the job page, the site.</summary>
public abstract class AdminImportTests(TestProvider provider)
{
    private BroadsheetFactory App() => new(provider);

    /// <summary>Posts the upload form as a browser does (multipart, with the page's antiforgery token).</summary>
    private static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string fileName, byte[] bytes, string format = "detect")
    {
        var token = await client.AntiforgeryTokenAsync("/admin/import");
        using var content = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent(format), "Format" },
            { new ByteArrayContent(bytes), "Upload", fileName },
        };
        return await client.PostAsync("/admin/import", content);
    }

    /// <summary>Follows the upload's redirect to the job page and reads it until the import has finished.</summary>
    private static async Task<IDocument> FinishedJobPageAsync(HttpClient client, HttpResponseMessage upload)
    {
        Assert.Equal(HttpStatusCode.Redirect, upload.StatusCode);
        var location = upload.Headers.Location!.OriginalString;
        Assert.Matches("^/admin/import/[0-9]+$", location);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var (response, page) = await client.GetPageAsync(location);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var refreshing = page.QuerySelector("meta[http-equiv=refresh]") is not null;
            if (!refreshing) return page;
            Assert.True(DateTime.UtcNow < deadline, "the import did not finish within a minute");
            await Task.Delay(100);
        }
    }

    private static int SummaryValue(IDocument page, string row) =>
        int.Parse(page.QuerySelectorAll("#import-summary tr").Single(tr => tr.QuerySelector("th")!.TextContent == row).QuerySelector("td")!.TextContent, CultureInfo.InvariantCulture);

    [Fact]
    public async Task An_uploaded_Blogger_export_is_imported_in_the_background_and_summarised()
    {
        await using var app = App();
        var admin = await app.SignedInAsync(Roles.Administrator);

        var page = await FinishedJobPageAsync(admin, await UploadAsync(admin, "riverside.xml", Encoding.UTF8.GetBytes(Samples.BloggerClassic)));

        Assert.Equal("Imported", page.QuerySelector("#import-status")!.TextContent);
        Assert.Equal(2, SummaryValue(page, "Posts"));
        Assert.Equal(1, SummaryValue(page, "Pages"));
        Assert.Equal(1, SummaryValue(page, "Comments"));
        Assert.Equal(2, SummaryValue(page, "Tags"));
        Assert.Equal(1, SummaryValue(page, "Authors"));
        Assert.True(SummaryValue(page, "Cleaned (unsafe or unsupported HTML removed)") >= 2);
        Assert.Contains(page.QuerySelectorAll("li"), li => li.TextContent.Contains("template", StringComparison.Ordinal));

        var visitor = app.CreateClient();
        var home = await visitor.GetStringAsync("/");
        Assert.Contains("The rent strike begins", home);
        var post = await visitor.GetAsync("/2015/10/rent-strike-begins");
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);

        // The file is not kept once the job has finished.
        await using var scope = app.Scope();
        Assert.All(await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().ImportJobs.Select(j => j.File).ToListAsync(), Assert.Null);
    }

    [Fact]
    public async Task A_WordPress_export_chosen_by_format_imports_too()
    {
        await using var app = App();
        var admin = await app.SignedInAsync(Roles.Owner);
        var page = await FinishedJobPageAsync(admin, await UploadAsync(admin, "site.xml", Encoding.UTF8.GetBytes(Samples.WordPress), "wordpress"));
        Assert.Equal("Imported", page.QuerySelector("#import-status")!.TextContent);
        Assert.True(SummaryValue(page, "Posts") > 0);
        Assert.Equal(1, SummaryValue(page, "Of them password-protected in the old site (drafts here: publish only if all may read them)"));
    }

    [Fact]
    public async Task A_bad_file_shows_file_line_and_problem_and_imports_nothing()
    {
        await using var app = App();
        var admin = await app.SignedInAsync(Roles.Administrator);
        var broken = Samples.BloggerClassic.Replace("<title type='text'>The rent strike begins</title>", "<title type='text'>The rent strike begins</titel>", StringComparison.Ordinal);

        var page = await FinishedJobPageAsync(admin, await UploadAsync(admin, "broken.xml", Encoding.UTF8.GetBytes(broken)));

        Assert.Equal("Failed — nothing imported", page.QuerySelector("#import-status")!.TextContent);
        var error = page.QuerySelector("#import-error")!.TextContent;
        Assert.Contains("broken.xml, line ", error, StringComparison.Ordinal);
        Assert.Contains("malformed", error, StringComparison.Ordinal);
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        Assert.Equal(0, await db.Posts.CountAsync());
        Assert.Equal(0, await db.Redirects.CountAsync());
    }

    [Fact]
    public async Task A_file_that_is_no_export_is_refused_at_once()
    {
        await using var app = App();
        var admin = await app.SignedInAsync(Roles.Administrator);
        var response = await UploadAsync(admin, "notes.txt", Encoding.UTF8.GetBytes("just some notes"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("does not look like a Blogger export", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_over_the_limit_gets_a_clear_message_not_an_error()
    {
        await using var app = App().With("Import:MaxUploadBytes", "100000");
        var admin = await app.SignedInAsync(Roles.Administrator);
        var response = await UploadAsync(admin, "huge.xml", new byte[300_000]);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var (page, document) = await admin.GetPageAsync(response.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("larger than the upload limit of 0.1 MB", document.QuerySelector("main .error")!.TextContent, StringComparison.Ordinal);
        await using var scope = app.Scope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().ImportJobs.CountAsync());
    }

    [Fact]
    public async Task Signed_out_visitors_and_editors_cannot_import()
    {
        await using var app = App();
        var owner = await app.SignedInAsync(Roles.Owner);
        var token = await owner.AntiforgeryTokenAsync("/admin/import");

        var anonymous = app.Browser();
        var get = await anonymous.GetAsync("/admin/import");
        Assert.Equal(HttpStatusCode.Redirect, get.StatusCode);
        Assert.Contains("/admin/login", get.Headers.Location!.OriginalString, StringComparison.Ordinal);

        var editor = await app.SignedInAsync(Roles.Editor);
        var page = await editor.GetAsync("/admin/import");
        Assert.True(page.StatusCode == HttpStatusCode.Forbidden || page.Headers.Location?.OriginalString.Contains("/admin/denied", StringComparison.Ordinal) == true,
            $"an editor got {(int)page.StatusCode} for the import page");
        using var content = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(Samples.BloggerClassic)), "Upload", "riverside.xml" },
        };
        var post = await editor.PostAsync("/admin/import", content);
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
        Assert.False(post.StatusCode == HttpStatusCode.Redirect && post.Headers.Location!.OriginalString.StartsWith("/admin/import/", StringComparison.Ordinal));
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        Assert.Equal(0, await db.ImportJobs.CountAsync());
        Assert.Equal(0, await db.Posts.CountAsync());
    }
}

public sealed class SqliteAdminImportTests() : AdminImportTests(TestProvider.Sqlite);

public sealed class PostgresAdminImportTests() : AdminImportTests(TestProvider.Postgres);
