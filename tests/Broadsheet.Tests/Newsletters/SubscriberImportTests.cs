using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Subscribers;
using Broadsheet.Tests.Api;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Newsletters;

/// <summary>
/// The CSV import of subscribers as a campaign's script (the Admin API) and an admin (the import page) use it: the real
/// upload, the job on the work queue, the report; what the rows became in the database.
/// </summary>
public abstract class SubscriberImportTests(TestProvider provider)
{
    private BroadsheetFactory App() => new(provider);

    /// <summary>
    /// A spreadsheet's export: a byte-order mark, CRLF, a heading row in other words, a quoted name holding a comma and a
    /// line break, a bad address, the same Gmail address written two ways, one address suppressed, one already subscribed.
    /// </summary>
    private const string Csv =
        "\uFEFFFull name,E-mail,Joined\r\n"
        + "\"Lee, Ann\",Ann.Lee+news@gmail.com,2019\r\n"
        + "Bo Berg,bo@example.net,2019\r\n"
        + "Not an address,bo at example.net,2020\r\n"
        + "\"Cy\r\nCole\",cy@example.org,2020\r\n"
        + "Ann again,annlee@gmail.com,2021\r\n"
        + "Dee Left,dee@example.org,2021\r\n"
        + "\r\n"
        + "Eve Early,eve@example.org,2022\r\n";

    private static async Task<int> NewsletterAsync(HttpClient api, string slug = "weekly")
    {
        var created = await (await api.PostJsonAsync("/api/admin/newsletters", new { slug, name = "Weekly News", fromName = "Riverside Tenants", fromAddress = "news@example.org" }))
            .JsonAsync(HttpStatusCode.Created);
        return (int)created["id"]!;
    }

    private static MultipartFormDataContent Form(string csv, string newsletter, bool confirmed = false, string? source = null)
    {
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var form = new MultipartFormDataContent { { file, "file", "supporters-2019.csv" }, { new StringContent(newsletter), "newsletter" } };
        if (confirmed) form.Add(new StringContent("true"), "confirmed");
        if (source is not null) form.Add(new StringContent(source), "source");
        return form;
    }

    /// <summary>Uploads and polls the job's status address until it has finished.</summary>
    private static async Task<JsonNode> ImportAsync(HttpClient api, MultipartFormDataContent form)
    {
        var queued = await (await api.PostAsync("/api/admin/subscribers/import", form)).JsonAsync(HttpStatusCode.Accepted);
        var status = (string)queued["statusUrl"]!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var job = await (await api.GetAsync(status)).JsonAsync(HttpStatusCode.OK);
            if ((string)job["status"]! is "succeeded" or "failed") return job;
            Assert.True(DateTime.UtcNow < deadline, "the import did not finish within a minute");
            await Task.Delay(100);
        }
    }

    private static async Task ArrangeAsync(BroadsheetFactory app, int newsletterId)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        db.Suppressions.Add(new Suppression { AddressHash = EmailAddresses.Hash("BO@example.net"), NewsletterId = Suppression.EveryNewsletter, Reason = SuppressionReason.HardBounce, At = DateTime.UtcNow });
        var dee = new Subscriber { Email = "dee@example.org", CanonicalEmail = "dee@example.org", AddressHash = EmailAddresses.Hash("dee@example.org"), LinkSecret = "s", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        dee.Subscriptions.Add(new Subscription { NewsletterId = newsletterId, Status = SubscriptionStatus.Unsubscribed, CreatedAt = DateTime.UtcNow });
        var eve = new Subscriber { Email = "eve@example.org", CanonicalEmail = "eve@example.org", AddressHash = EmailAddresses.Hash("eve@example.org"), LinkSecret = "s", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        eve.Subscriptions.Add(new Subscription { NewsletterId = newsletterId, Status = SubscriptionStatus.Confirmed, CreatedAt = DateTime.UtcNow });
        db.Subscribers.AddRange(dee, eve);
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task A_CSV_is_imported_pending_with_each_rejected_row_reported_and_a_second_import_adds_nothing()
    {
        await using var app = App();
        var api = await app.ApiClientAsync();
        var weekly = await NewsletterAsync(api);
        await ArrangeAsync(app, weekly);

        var job = await ImportAsync(api, Form(Csv, "weekly", source: "paper sheets"));

        Assert.Equal("succeeded", (string)job["status"]!);
        var report = job["report"]!;
        Assert.Equal(7, (int)report["rows"]!);
        Assert.Equal(2, (int)report["added"]!);
        // Lines as a spreadsheet numbers them: the heading is line 1, and Cy's quoted name spans lines 5 and 6.
        Assert.Equal([(3, "suppressed"), (4, "badAddress"), (7, "duplicate"), (8, "suppressed"), (10, "alreadySubscribed")],
            report["rejected"]!.AsArray().Select(r => ((int)r!["line"]!, (string)r["reason"]!)).OrderBy(r => r.Item1));
        Assert.Equal(100, (int)job["percent"]!);

        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            var ann = await db.Subscribers.Include(s => s.Subscriptions).SingleAsync(s => s.CanonicalEmail == "annlee@gmail.com");
            Assert.Equal(("Ann.Lee+news@gmail.com", "Lee, Ann"), (ann.Email, ann.Name));
            Assert.Equal(SubscriptionStatus.Pending, ann.Subscriptions.Single().Status);
            Assert.Equal("Cy\r\nCole", (await db.Subscribers.SingleAsync(s => s.Email == "cy@example.org")).Name);
            var consent = await db.ConsentRecords.SingleAsync(c => c.SubscriberId == ann.Id);
            Assert.Equal((ConsentAction.ImportedPending, ConsentSource.Import, "supporters-2019.csv: paper sheets", weekly), (consent.Action, consent.Source, consent.Detail, consent.NewsletterId));
            // The suppressed address and the one that left were not subscribed again.
            Assert.False(await db.Subscribers.AnyAsync(s => s.CanonicalEmail == "bo@example.net"));
            Assert.Equal(SubscriptionStatus.Unsubscribed, (await db.Subscriptions.SingleAsync(s => s.Subscriber!.Email == "dee@example.org")).Status);
            Assert.Null(await db.ImportJobs.Select(j => j.File).SingleAsync());
        }

        var again = (await ImportAsync(api, Form(Csv, "weekly", source: "paper sheets")))["report"]!;
        Assert.Equal(0, (int)again["added"]!);
        Assert.Equal(3, (int)again["alreadySubscribed"]!);
        await using (var scope = app.Scope())
            Assert.Equal(4, await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Subscribers.CountAsync());
    }

    [Fact]
    public async Task Rows_arrive_confirmed_only_when_the_importer_says_consent_was_given_and_names_where()
    {
        await using var app = App();
        var api = await app.ApiClientAsync();
        await NewsletterAsync(api);

        var refused = await (await api.PostAsync("/api/admin/subscribers/import", Form("ann@example.org\n", "weekly", confirmed: true))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("source", refused["errors"]!["source"]![0]!.ToString());

        // No heading: the column that holds addresses is found, and of two columns the other is the name.
        var job = await ImportAsync(api, Form("ann@example.org;Ann\nbo@example.org;Bo\n", "weekly", confirmed: true, source: "2019 rally sign-up"));
        Assert.Equal(2, (int)job["report"]!["added"]!);
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        Assert.All(await db.Subscriptions.ToListAsync(), s => Assert.Equal(SubscriptionStatus.Confirmed, s.Status));
        Assert.All(await db.ConsentRecords.ToListAsync(), c => Assert.Equal(ConsentAction.ImportedConfirmed, c.Action));
        Assert.Equal("Bo", (await db.Subscribers.SingleAsync(s => s.Email == "bo@example.org")).Name);
    }

    [Fact]
    public async Task A_file_without_an_address_column_fails_with_the_reason_and_bad_requests_get_problem_details()
    {
        await using var app = App();
        var api = await app.ApiClientAsync();
        await NewsletterAsync(api);

        var job = await ImportAsync(api, Form("Name,Town\nAnn,Leeds\n", "weekly"));
        Assert.Equal("failed", (string)job["status"]!);
        Assert.Contains("no column is headed 'email'", (string)job["error"]!);

        await (await api.PostAsync("/api/admin/subscribers/import", Form("a@example.org\n", "no-such-list"))).ProblemAsync(HttpStatusCode.BadRequest);
        // Not multipart: refused before it is read, with what to send instead.
        await (await api.PostAsync("/api/admin/subscribers/import", new StringContent("a@example.org"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        await (await api.GetAsync("/api/admin/subscribers/import/999")).ProblemAsync(HttpStatusCode.NotFound);
        // An editor's key may work on newsletters but not on subscribers (personal data).
        var editor = await app.ApiClientAsync("Editor key", Roles.Editor);
        Assert.Equal(HttpStatusCode.Forbidden, (await editor.PostAsync("/api/admin/subscribers/import", Form("a@example.org\n", "weekly"))).StatusCode);
    }

    [Fact]
    public async Task An_admin_imports_from_the_page_sees_the_report_and_sends_confirmation_requests()
    {
        await using var app = App();
        var api = await app.ApiClientAsync();
        var weekly = await NewsletterAsync(api);
        var admin = await app.SignedInAsync(Roles.Administrator);

        var token = await admin.AntiforgeryTokenAsync("/admin/subscribers/import");
        using var content = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent(weekly.ToString(System.Globalization.CultureInfo.InvariantCulture)), "NewsletterId" },
            { new StringContent("from the stall"), "Source" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes("email,name\nann@example.org,Ann\nnot-an-address,Bo\n")), "Upload", "stall.csv" },
        };
        var upload = await admin.PostAsync("/admin/subscribers/import", content);
        Assert.Equal(HttpStatusCode.Redirect, upload.StatusCode);
        var location = upload.Headers.Location!.OriginalString;
        Assert.Matches("^/admin/subscribers/import/[0-9]+$", location);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        AngleSharp.Dom.IDocument page;
        while (true)
        {
            (_, page) = await admin.GetPageAsync(location);
            if (page.QuerySelector("meta[http-equiv=refresh]") is null) break;
            Assert.True(DateTime.UtcNow < deadline, "the import did not finish within a minute");
            await Task.Delay(100);
        }
        Assert.Equal("Imported", page.QuerySelector("#import-status")!.TextContent);
        Assert.Equal("1", page.QuerySelector("#import-added")!.TextContent);
        Assert.Contains("'not-an-address' is not an email address", page.QuerySelector("#import-rejected")!.TextContent);

        var (_, form) = await admin.GetPageAsync("/admin/subscribers/import");
        Assert.Contains("Send confirmation requests to 1", form.QuerySelector("#pending-subscribers")!.TextContent);
        // Without the form's token the action is refused.
        var forged = await admin.PostAsync($"/admin/subscribers/import?handler=Confirm&newsletter={weekly}", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        // Signed out, the page is not there for anyone.
        Assert.NotEqual(HttpStatusCode.OK, (await app.CreateClient(new() { AllowAutoRedirect = false }).GetAsync("/admin/subscribers/import")).StatusCode);
    }

    [Fact]
    public async Task Confirmation_requests_mail_each_pending_subscriber_once_with_a_link_to_confirm()
    {
        await using var mail = new TestMailServer();
        await using var app = mail.Configure(App()).With("Site:BaseUrl", "https://campaign.example.org");
        var api = await app.ApiClientAsync();
        var weekly = await NewsletterAsync(api);
        await ImportAsync(api, Form("email\nann@example.org\nbo@example.org\n", "weekly"));
        await ImportAsync(api, Form("email\ncy@example.org\n", "weekly", confirmed: true, source: "already members"));

        var queued = await (await api.PostAsync($"/api/admin/subscribers/confirmation-requests?newsletter={weekly}", null)).JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(2, (int)queued["pending"]!);

        var message = await mail.MessageToAsync("ann@example.org");
        var link = TestMailServer.LinkIn(message, "https://campaign.example.org/subscribe/confirm?");
        Assert.Matches("s=[0-9]+&d=[0-9]+&t=", link);
        await mail.MessageToAsync("bo@example.org");
        // The confirmed subscriber is not asked; asking again later mails nobody twice who was asked since.
        await Task.Delay(500);
        Assert.DoesNotContain(mail.Messages, m => m.To.ToString().Contains("cy@example.org", StringComparison.Ordinal));
        Assert.Equal(2, mail.Messages.Count);
        await using var scope = app.Scope();
        Assert.Equal(2, await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Subscribers.CountAsync(s => s.ConfirmationSentAt != null));
    }
}

public sealed class SqliteSubscriberImportTests() : SubscriberImportTests(TestProvider.Sqlite);

public sealed class PostgresSubscriberImportTests() : SubscriberImportTests(TestProvider.Postgres);
