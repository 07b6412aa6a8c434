using System.Globalization;
using System.Net;
using Broadsheet.Email;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Admin.Subscribers;
using Broadsheet.Features.Subscribers;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Tests.Admin;

/// <summary>
/// The subscribers admin over HTTP: the list's search, filters and paging; a subscriber's page and manual suppression;
/// erasure that leaves the suppression; the CSV export, safe in a spreadsheet; and the subscribers-over-time chart.
/// </summary>
public abstract class SubscriberAdminTests(TestProvider provider)
{
    private BroadsheetFactory App() => new(provider);

    private static bool Refused(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Forbidden
        || (response.StatusCode == HttpStatusCode.Redirect && new Uri(new Uri("http://localhost"), response.Headers.Location!).AbsolutePath == "/admin/denied");

    private static List<string> Addresses(AngleSharp.Dom.IDocument page) =>
        [.. page.QuerySelectorAll("table.subscribers a.subscriber-link").Select(a => a.Text())];

    [Fact]
    public async Task The_list_searches_address_and_name_filters_by_newsletter_and_status_and_pages()
    {
        await using var app = App();
        var weekly = await app.AddNewsletterAsync();
        var alerts = await app.AddNewsletterAsync("Alerts", "alerts", "alerts@campaign.example.org");
        for (var i = 0; i < 55; i++)
        {
            app.Clock.Advance(TimeSpan.FromMinutes(1));
            await app.AddSubscriberAsync(string.Create(CultureInfo.InvariantCulture, $"reader{i:00}@example.org"), null, (weekly.Id, SubscriptionStatus.Confirmed));
        }
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await app.AddSubscriberAsync("ann.lee@example.org", "Ann Lee", (weekly.Id, SubscriptionStatus.Pending), (alerts.Id, SubscriptionStatus.Confirmed));
        await app.AddSubscriberAsync("bob@example.net", "Robert 100%_Smith", (alerts.Id, SubscriptionStatus.Unsubscribed));
        var editor = await app.SignedInAsync(Roles.Editor);

        var first = await editor.GetDocumentAsync("/admin/subscribers");
        Assert.Equal("57 found.", first.QuerySelector("#subscriber-count").Text());
        Assert.Equal(50, Addresses(first).Count);
        Assert.Equal("bob@example.net", Addresses(first)[0]);
        var second = await editor.GetDocumentAsync(first.QuerySelector("a[rel=next]")!.GetAttribute("href")!);
        Assert.Equal(7, Addresses(second).Count);
        Assert.Equal("reader00@example.org", Addresses(second)[^1]);
        Assert.Null(second.QuerySelector("a[rel=next]"));
        Assert.Equal(HttpStatusCode.NotFound, (await editor.GetAsync("/admin/subscribers?page=3")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await editor.GetAsync("/admin/subscribers?page=x")).StatusCode);

        Assert.Equal(["ann.lee@example.org"], Addresses(await editor.GetDocumentAsync("/admin/subscribers?q=LEE")));
        Assert.Equal(["ann.lee@example.org"], Addresses(await editor.GetDocumentAsync("/admin/subscribers?q=ann%20lee")));
        // LIKE's own characters are searched for as themselves.
        Assert.Equal(["bob@example.net"], Addresses(await editor.GetDocumentAsync("/admin/subscribers?q=100%25_")));
        Assert.Empty(Addresses(await editor.GetDocumentAsync("/admin/subscribers?q=e%25e")));
        Assert.Equal(["ann.lee@example.org"], Addresses(await editor.GetDocumentAsync($"/admin/subscribers?newsletter={weekly.Id}&status=pending")));
        Assert.Equal(["ann.lee@example.org"], Addresses(await editor.GetDocumentAsync($"/admin/subscribers?newsletter={alerts.Id}&status=confirmed")));
        Assert.Equal(["bob@example.net"], Addresses(await editor.GetDocumentAsync("/admin/subscribers?status=unsubscribed")));
        Assert.Equal("2 found.", (await editor.GetDocumentAsync($"/admin/subscribers?newsletter={alerts.Id}")).QuerySelector("#subscriber-count").Text());
        // The pages keep the filter.
        var filtered = await editor.GetDocumentAsync($"/admin/subscribers?newsletter={weekly.Id}&status=confirmed");
        Assert.Contains($"newsletter={weekly.Id}", filtered.QuerySelector("a[rel=next]")!.GetAttribute("href"));
        // Nonsense in the query is not an error.
        Assert.Equal(HttpStatusCode.OK, (await editor.GetAsync("/admin/subscribers?newsletter=abc&status=nonsense")).StatusCode);
        // Editors have no export button; Administrators do.
        Assert.Null(first.QuerySelector("a[href^='/admin/subscribers/export']"));
        var admin = await app.SignedInAsync(Roles.Administrator);
        Assert.NotNull((await admin.GetDocumentAsync("/admin/subscribers")).QuerySelector("a[href^='/admin/subscribers/export']"));
    }

    [Fact]
    public async Task A_subscribers_page_shows_their_consent_and_mail_and_a_manual_suppression_is_kept_once()
    {
        await using var app = App();
        var weekly = await app.AddNewsletterAsync();
        var ann = await app.AddSubscriberAsync("ann@example.org", "Ann", (weekly.Id, SubscriptionStatus.Confirmed));
        await app.InDbAsync(async db =>
        {
            var at = app.Clock.GetUtcNow().UtcDateTime;
            db.ConsentRecords.Add(new ConsentRecord { SubscriberId = ann.Id, NewsletterId = weekly.Id, Action = ConsentAction.Requested, Source = ConsentSource.SiteForm, Detail = "home page form", IpAddress = "203.0.113.9", At = at });
            db.ConsentRecords.Add(new ConsentRecord { SubscriberId = ann.Id, NewsletterId = weekly.Id, Action = ConsentAction.Confirmed, Source = ConsentSource.Email, At = at.AddMinutes(5) });
            db.Deliveries.Add(new Delivery { Class = MailClass.Newsletter, SubscriberId = ann.Id, ToAddress = ann.Email, Status = DeliveryStatus.Failed, LastReply = "550 5.1.1 no such user", CreatedAt = at });
            return await db.SaveChangesAsync();
        });
        var editor = await app.SignedInAsync(Roles.Editor);
        var path = $"/admin/subscribers/{ann.Id}";

        var page = await editor.GetDocumentAsync(path);
        Assert.Equal("ann@example.org", page.QuerySelector("h1").Text());
        Assert.Contains("confirmed", page.QuerySelector("table.subscriptions").Text());
        var consent = page.QuerySelector("table.consents")!.TextContent;
        Assert.Contains("home page form", consent);
        Assert.Contains("203.0.113.9", consent);
        Assert.Contains("550 5.1.1 no such user", page.QuerySelector("table.deliveries")!.TextContent);
        Assert.Null(page.QuerySelector("#suppressed"));
        Assert.Null(page.QuerySelector($"a[href='{path}/erase']"));

        var forged = await editor.PostAsync(path + "?handler=Suppress", new FormUrlEncodedContent(new Dictionary<string, string> { ["newsletterId"] = "0" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var bad = await editor.SubmitAsync(path, new() { ["newsletterId"] = "999" }, "form.suppress-form");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(0, await app.InDbAsync(db => db.Suppressions.CountAsync()));

        var suppressed = await editor.SubmitAsync(path, new() { ["detail"] = "asked by phone" }, "form.suppress-form");
        Assert.Equal(HttpStatusCode.Redirect, suppressed.StatusCode);
        var row = await app.InDbAsync(db => db.Suppressions.SingleAsync());
        Assert.Equal((EmailAddresses.Hash("ann@example.org"), Suppression.EveryNewsletter, SuppressionReason.Manual), (row.AddressHash, row.NewsletterId, row.Reason));
        Assert.Contains("asked by phone", row.Detail);
        Assert.NotNull((await editor.GetDocumentAsync(path)).QuerySelector("#suppressed"));
        Assert.Equal(HttpStatusCode.Redirect, (await editor.SubmitAsync(path, [], "form.suppress-form")).StatusCode);
        Assert.Equal(1, await app.InDbAsync(db => db.Suppressions.CountAsync()));
        Assert.Equal(["ann@example.org"], Addresses(await editor.GetDocumentAsync("/admin/subscribers?status=suppressed")));
        Assert.Equal(HttpStatusCode.NotFound, (await editor.GetAsync("/admin/subscribers/999")).StatusCode);
    }

    [Fact]
    public async Task Erasing_is_for_administrators_removes_the_person_and_keeps_their_address_suppressed_as_a_hash()
    {
        await using var app = App();
        var weekly = await app.AddNewsletterAsync();
        var ann = await app.AddSubscriberAsync("Ann.Lee@example.org", "Ann", (weekly.Id, SubscriptionStatus.Confirmed));
        await app.InDbAsync(async db =>
        {
            db.ConsentRecords.Add(new ConsentRecord { SubscriberId = ann.Id, Action = ConsentAction.Confirmed, Source = ConsentSource.Email, At = app.Clock.GetUtcNow().UtcDateTime });
            db.Deliveries.Add(new Delivery { Class = MailClass.Newsletter, SubscriberId = ann.Id, ToAddress = ann.Email, ToName = "Ann", Status = DeliveryStatus.Sent });
            db.Deliveries.Add(new Delivery { Class = MailClass.Newsletter, SubscriberId = ann.Id, ToAddress = ann.Email, Status = DeliveryStatus.Queued });
            return await db.SaveChangesAsync();
        });
        var path = $"/admin/subscribers/{ann.Id}/erase";
        var editor = await app.SignedInAsync(Roles.Editor);
        Assert.True(Refused(await editor.GetAsync(path)));
        Assert.True(Refused(await editor.GetAsync("/admin/subscribers/export")));

        var admin = await app.SignedInAsync(Roles.Administrator);
        Assert.NotNull((await admin.GetDocumentAsync($"/admin/subscribers/{ann.Id}")).QuerySelector($"a[href='{path}']"));
        var erased = await admin.SubmitAsync(path, [], "form.erase-form");
        Assert.Equal(HttpStatusCode.Redirect, erased.StatusCode);

        Assert.Equal(0, await app.InDbAsync(db => db.Subscribers.CountAsync()));
        Assert.Equal(0, await app.InDbAsync(db => db.Subscriptions.CountAsync()));
        Assert.Equal(0, await app.InDbAsync(db => db.ConsentRecords.CountAsync()));
        var suppression = await app.InDbAsync(db => db.Suppressions.SingleAsync());
        Assert.Equal((EmailAddresses.Hash("ann.lee@example.org"), Suppression.EveryNewsletter), (suppression.AddressHash, suppression.NewsletterId));
        var deliveries = await app.InDbAsync(db => db.Deliveries.OrderBy(d => d.Id).ToListAsync());
        Assert.All(deliveries, d => Assert.DoesNotContain("ann", d.ToAddress + d.ToName, StringComparison.OrdinalIgnoreCase));
        Assert.Equal([DeliveryStatus.Sent, DeliveryStatus.Skipped], deliveries.Select(d => d.Status));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task The_CSV_export_is_the_filtered_list_and_no_cell_can_run_as_a_spreadsheet_formula()
    {
        await using var app = App();
        var weekly = await app.AddNewsletterAsync();
        var alerts = await app.AddNewsletterAsync("Alerts", "alerts", "alerts@campaign.example.org");
        await app.AddSubscriberAsync("ann@example.org", "=HYPERLINK(\"http://evil.example\",\"click\")", (weekly.Id, SubscriptionStatus.Confirmed), (alerts.Id, SubscriptionStatus.Pending));
        await app.AddSubscriberAsync("bob@example.org", "+1 call me", (weekly.Id, SubscriptionStatus.Pending));
        await app.AddSubscriberAsync("cat@example.org", "-2, or @SUM(A1)", (alerts.Id, SubscriptionStatus.Confirmed));
        await app.AddSubscriberAsync("dan@example.org", "@dan", (alerts.Id, SubscriptionStatus.Confirmed));
        await app.AddSubscriberAsync("eve@example.org", "\tTabbed", (alerts.Id, SubscriptionStatus.Confirmed));
        var admin = await app.SignedInAsync(Roles.Administrator);

        var all = await admin.GetAsync("/admin/subscribers/export");
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal("text/csv", all.Content.Headers.ContentType!.MediaType);
        Assert.Contains("attachment", all.Content.Headers.ContentDisposition!.ToString());
        var lines = (await all.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("email,name,subscribed_at,newsletters", lines[0]);
        Assert.Equal(6, lines.Length);
        Assert.StartsWith("ann@example.org,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",", lines[1]);
        Assert.EndsWith(",weekly-news=confirmed;alerts=pending", lines[1]);
        Assert.StartsWith("bob@example.org,'+1 call me,", lines[2]);
        Assert.StartsWith("cat@example.org,\"'-2, or @SUM(A1)\",", lines[3]);
        Assert.StartsWith("dan@example.org,'@dan,", lines[4]);
        Assert.StartsWith("eve@example.org,'\tTabbed,", lines[5]);
        // Every cell of every row, read back as a spreadsheet would split it, starts harmlessly.
        foreach (var line in lines.Skip(1))
            Assert.DoesNotMatch("(^|,)\"?[=+\\-@\\t\\r]", line);

        var filtered = await admin.GetStringAsync($"/admin/subscribers/export?newsletter={weekly.Id}&status=pending");
        Assert.Equal(["email,name,subscribed_at,newsletters", "bob@example.org,'+1 call me,2026-03-14T12:00:00Z,weekly-news=pending"], filtered.Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_CSV_cell_is_quoted_when_it_must_be_and_defused_when_it_starts_like_a_formula()
    {
        Assert.Equal("", ExportModel.Cell(null));
        Assert.Equal("plain", ExportModel.Cell("plain"));
        Assert.Equal("\"a,b\"", ExportModel.Cell("a,b"));
        Assert.Equal("\"say \"\"hi\"\"\"", ExportModel.Cell("say \"hi\""));
        Assert.Equal("\"two\nlines\"", ExportModel.Cell("two\nlines"));
        Assert.Equal("\"'\rcarriage\"", ExportModel.Cell("\rcarriage"));
        Assert.Equal("'=1+1", ExportModel.Cell("=1+1"));
        Assert.Equal("a=b", ExportModel.Cell("a=b"));
    }

    [Fact]
    public async Task The_chart_draws_confirmed_subscribers_per_month_with_a_title_a_description_and_a_table()
    {
        await using var app = App();
        var weekly = await app.AddNewsletterAsync();
        var alerts = await app.AddNewsletterAsync("Alerts", "alerts", "alerts@campaign.example.org");
        // The clock is at 14 March 2026; the window is April 2024 to March 2026.
        var at = (int year, int month) => new DateTime(year, month, 10, 9, 0, 0, DateTimeKind.Utc);
        await app.AddSubscriberAsync("old@example.org", null, at(2020, 1), null, (weekly.Id, SubscriptionStatus.Confirmed));
        await app.AddSubscriberAsync("both@example.org", null, at(2025, 1), null, (weekly.Id, SubscriptionStatus.Confirmed), (alerts.Id, SubscriptionStatus.Confirmed));
        await app.AddSubscriberAsync("left@example.org", null, at(2025, 6), at(2025, 9), (weekly.Id, SubscriptionStatus.Unsubscribed));
        await app.AddSubscriberAsync("alerts@example.org", null, at(2026, 3), null, (alerts.Id, SubscriptionStatus.Confirmed));
        await app.AddSubscriberAsync("pending@example.org", null, at(2025, 2), null, (weekly.Id, SubscriptionStatus.Pending));
        var editor = await app.SignedInAsync(Roles.Editor);

        static Dictionary<string, int> Table(AngleSharp.Dom.IDocument page) =>
            page.QuerySelectorAll("#chart-table tbody tr").ToDictionary(r => r.QuerySelector("th").Text(), r => int.Parse(r.QuerySelector("td").Text(), CultureInfo.InvariantCulture));

        var page = await editor.GetDocumentAsync("/admin/subscribers");
        var svg = page.QuerySelector("svg.chart")!;
        Assert.Equal("img", svg.GetAttribute("role"));
        Assert.Equal("chart-title chart-desc", svg.GetAttribute("aria-labelledby"));
        Assert.Equal("Confirmed subscribers, last 24 months, all newsletters", svg.QuerySelector("title#chart-title").Text());
        Assert.Contains("Apr 2024 to Mar 2026", svg.QuerySelector("desc#chart-desc").Text());
        Assert.Equal(24, svg.QuerySelectorAll("rect.bar").Length);
        var all = Table(page);
        Assert.Equal(24, all.Count);
        // Both newsletters' "both" counts once; "left" counts from June to August; "pending" never.
        Assert.Equal((1, 2, 3, 3, 2, 3), (all["Apr 2024"], all["Jan 2025"], all["Jun 2025"], all["Aug 2025"], all["Sep 2025"], all["Mar 2026"]));
        Assert.Equal("Mar 2026: 3", svg.QuerySelectorAll("rect.bar")[^1].QuerySelector("title").Text());

        var weeklyOnly = Table(await editor.GetDocumentAsync($"/admin/subscribers?newsletter={weekly.Id}"));
        Assert.Equal((1, 2, 3, 2), (weeklyOnly["Apr 2024"], weeklyOnly["Jan 2025"], weeklyOnly["Jul 2025"], weeklyOnly["Mar 2026"]));
        var alertsPage = await editor.GetDocumentAsync($"/admin/subscribers?newsletter={alerts.Id}");
        Assert.Equal("Confirmed subscribers, last 24 months: Alerts", alertsPage.QuerySelector("svg.chart title#chart-title").Text());
        Assert.Equal((0, 1, 2), (Table(alertsPage)["Dec 2024"], Table(alertsPage)["Jan 2025"], Table(alertsPage)["Mar 2026"]));
    }
}

public sealed class SqliteSubscriberAdminTests() : SubscriberAdminTests(TestProvider.Sqlite);

public sealed class PostgresSubscriberAdminTests() : SubscriberAdminTests(TestProvider.Postgres);
