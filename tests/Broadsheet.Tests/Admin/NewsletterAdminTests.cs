using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Broadsheet.Email;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Subscribers;
using Broadsheet.Tests.Api;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Broadsheet.Tests.Admin;

/// <summary>
/// The newsletter admin as an editor uses it, over HTTP with the pages' own forms: newsletters made and edited (with
/// their addresses checked), issues made through the one door with the next number proposed, the send page (who gets
/// it, and what stands in the way), the progress view with its JSON and its buttons, and the pickup folder. The send
/// and progress tests drive the delivery engine (IssueSending) for real.
/// </summary>
public abstract class NewsletterAdminTests(TestProvider provider)
{
    private BroadsheetFactory App() => new BroadsheetFactory(provider).With(Broadsheet.Features.Settings.SiteSettingsCache.BaseUrlKey, "https://campaign.example.org");

    private static bool Refused(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Forbidden
        || (response.StatusCode == HttpStatusCode.Redirect && new Uri(new Uri("http://localhost"), response.Headers.Location!).AbsolutePath == "/admin/denied");

    [Fact]
    public async Task An_editor_makes_a_newsletter_and_edits_it_and_bad_addresses_and_taken_slugs_are_refused()
    {
        await using var app = App();
        var editor = await app.SignedInAsync(Roles.Editor);

        var made = await editor.SubmitAsync("/admin/newsletters/edit", new()
        {
            ["Input.Name"] = "Weekly News", ["Input.FromName"] = "The Campaign", ["Input.FromAddress"] = "News@Campaign.Example.ORG",
            ["Input.Description"] = "Every Friday.",
        }, "form.newsletter-form");
        Assert.Equal(HttpStatusCode.Redirect, made.StatusCode);
        var newsletter = await app.InDbAsync(db => db.Newsletters.SingleAsync());
        Assert.Equal(("weekly-news", "News@campaign.example.org", true), (newsletter.Slug, newsletter.FromAddress, newsletter.OpenForSubscription));
        Assert.Equal($"/admin/newsletters/{newsletter.Id}/issues", made.Headers.Location!.OriginalString);
        var list = await editor.GetDocumentAsync("/admin/newsletters");
        Assert.Contains("Weekly News", list.QuerySelector("table.newsletters")!.TextContent);

        // Edited: a reply-to, closed to new subscribers.
        var edited = await editor.SubmitAsync($"/admin/newsletters/edit/{newsletter.Id}", new()
        {
            ["Input.ReplyTo"] = "replies@campaign.example.org", ["Input.OpenForSubscription"] = "false",
        }, "form.newsletter-form");
        Assert.Equal(HttpStatusCode.Redirect, edited.StatusCode);
        newsletter = await app.InDbAsync(db => db.Newsletters.SingleAsync());
        Assert.Equal(("replies@campaign.example.org", false), (newsletter.ReplyTo, newsletter.OpenForSubscription));

        // A sender that is not one plain address, a header-injection attempt, a bad reply-to and a taken slug.
        await app.AddNewsletterAsync("Alerts", "alerts", "alerts@campaign.example.org");
        foreach (var (field, value, says) in new[]
        {
            ("Input.FromAddress", "not an address", "The sender address must be one plain address"),
            ("Input.FromAddress", "news@campaign.example.org\r\nBcc: everyone@example.com", "The sender address must be one plain address"),
            ("Input.ReplyTo", "Someone <a@b.example>", "The reply-to address must be one plain address"),
            ("Input.Slug", "alerts", "Another newsletter already has the slug"),
        })
        {
            var refused = await editor.SubmitAsync($"/admin/newsletters/edit/{newsletter.Id}", new() { [field] = value }, "form.newsletter-form");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(says, await refused.Content.ReadAsStringAsync());
        }
        Assert.Equal("weekly-news", (await app.InDbAsync(db => db.Newsletters.SingleAsync(n => n.Id == newsletter.Id))).Slug);

        // A form opened before someone else's save is refused, not applied over theirs.
        var (_, stale) = await editor.GetPageAsync($"/admin/newsletters/edit/{newsletter.Id}");
        await editor.SubmitAsync($"/admin/newsletters/edit/{newsletter.Id}", new() { ["Input.Name"] = "Weekly News (new)" }, "form.newsletter-form");
        var late = await editor.SubmitAsync(stale.QuerySelector("form.newsletter-form")!, $"/admin/newsletters/edit/{newsletter.Id}", new() { ["Input.Name"] = "Stale" });
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("Weekly News (new)", (await app.InDbAsync(db => db.Newsletters.SingleAsync(n => n.Id == newsletter.Id))).Name);
    }

    [Fact]
    public async Task Authors_cannot_reach_the_newsletter_pages_and_forms_need_their_antiforgery_token()
    {
        await using var app = App();
        var newsletter = await app.AddNewsletterAsync();
        var author = await app.SignedInAsync(Roles.Author);
        foreach (var path in new[] { "/admin/newsletters", "/admin/newsletters/edit", $"/admin/newsletters/{newsletter.Id}/issues", $"/admin/newsletters/{newsletter.Id}/issues/new", "/admin/mail-pickup", "/admin/subscribers" })
            Assert.True(Refused(await author.GetAsync(path)), $"an author reached {path}");

        var editor = await app.SignedInAsync(Roles.Editor);
        var forged = await editor.PostAsync("/admin/newsletters/edit", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Name"] = "Forged", ["Input.FromName"] = "X", ["Input.FromAddress"] = "x@example.org",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(1, await app.InDbAsync(db => db.Newsletters.CountAsync()));
    }

    [Fact]
    public async Task A_new_issue_takes_the_next_number_becomes_a_post_and_a_taken_number_is_refused()
    {
        await using var app = App();
        var newsletter = await app.AddNewsletterAsync();
        var editor = await app.SignedInAsync(Roles.Editor);
        var path = $"/admin/newsletters/{newsletter.Id}/issues/new";

        var form = await editor.GetDocumentAsync(path);
        Assert.Equal("1", form.QuerySelector("input[name='Input.Number']")!.GetAttribute("value"));
        var made = await editor.SubmitAsync(path, new() { ["Input.Title"] = "Rally on Saturday", ["Input.Body"] = "Meet at **noon**." }, "form.issue-form");
        Assert.Equal(HttpStatusCode.Redirect, made.StatusCode);
        var issue = await app.InDbAsync(db => db.NewsletterIssues.Include(i => i.Post).SingleAsync());
        Assert.Equal($"/admin/newsletters/issues/{issue.Id}", made.Headers.Location!.OriginalString);
        Assert.Equal((1, "Rally on Saturday", "Rally on Saturday", PostStatus.Published), (issue.Number, issue.Subject, issue.Post!.Title, issue.Post.Status));
        Assert.Contains("Meet at **noon**.", issue.Post.Body);

        Assert.Equal("2", (await editor.GetDocumentAsync(path)).QuerySelector("input[name='Input.Number']")!.GetAttribute("value"));
        var taken = await editor.SubmitAsync(path, new() { ["Input.Number"] = "1", ["Input.Title"] = "Again" }, "form.issue-form");
        Assert.Equal(HttpStatusCode.BadRequest, taken.StatusCode);
        Assert.Contains("Issue No 1 exists already; the next free number is 2", WebUtility.HtmlDecode(await taken.Content.ReadAsStringAsync()));
        var untitled = await editor.SubmitAsync(path, new() { ["Input.Title"] = " " }, "form.issue-form");
        Assert.Equal(HttpStatusCode.BadRequest, untitled.StatusCode);
        Assert.Equal(1, await app.InDbAsync(db => db.NewsletterIssues.CountAsync()));
        Assert.Equal(1, await app.InDbAsync(db => db.Posts.CountAsync()));

        var second = await editor.SubmitAsync(path, new() { ["Input.Title"] = "Second", ["Input.Subject"] = "News: the second" }, "form.issue-form");
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        var issues = await editor.GetDocumentAsync($"/admin/newsletters/{newsletter.Id}/issues");
        var rows = issues.QuerySelectorAll("table.issues tbody tr").Select(r => (r.QuerySelector(".number").Text(), r.QuerySelector("a").Text(), r.QuerySelector(".status").Text())).ToList();
        Assert.Equal([("2", "News: the second", "not sent"), ("1", "Rally on Saturday", "not sent")], rows);
    }

    /// <summary>Three would get it: two confirmed of this newsletter (one of them written another way) and not the pending, the left, the suppressed or another list's.</summary>
    private static async Task<NewsletterIssue> IssueWithRecipientsAsync(BroadsheetFactory app, string from = "news@campaign.example.org")
    {
        var newsletter = await app.AddNewsletterAsync(from: from);
        var other = await app.AddNewsletterAsync("Alerts", "alerts", "alerts@campaign.example.org");
        await app.AddSubscriberAsync("ann@example.org", "Ann", (newsletter.Id, SubscriptionStatus.Confirmed));
        await app.AddSubscriberAsync("bob@example.org", "Bob", (newsletter.Id, SubscriptionStatus.Confirmed), (other.Id, SubscriptionStatus.Confirmed));
        await app.AddSubscriberAsync("cat@example.org", "Cat", (newsletter.Id, SubscriptionStatus.Pending));
        await app.AddSubscriberAsync("dan@example.org", "Dan", (newsletter.Id, SubscriptionStatus.Unsubscribed));
        await app.AddSubscriberAsync("eve@example.org", "Eve", (other.Id, SubscriptionStatus.Confirmed));
        var suppressed = await app.AddSubscriberAsync("fay@example.org", "Fay", (newsletter.Id, SubscriptionStatus.Confirmed));
        await app.InDbAsync(async db =>
        {
            db.Suppressions.Add(new Suppression { AddressHash = suppressed.AddressHash, NewsletterId = Suppression.EveryNewsletter, Reason = SuppressionReason.HardBounce, At = app.Clock.GetUtcNow().UtcDateTime });
            return await db.SaveChangesAsync();
        });
        await using var scope = app.Scope();
        var result = await Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<NewsletterIssues>(scope.ServiceProvider)
            .CreateAsync(new NewIssue(newsletter.Id, "Rally on Saturday", "Meet at noon."), PostActor.Site);
        Assert.Equal(IssueCreateOutcome.Created, result.Outcome);
        return result.Issue!;
    }

    [Fact]
    public async Task The_send_page_counts_the_confirmed_recipients_and_says_plainly_that_without_SMTP_nobody_receives_it()
    {
        await using var app = App();
        var issue = await IssueWithRecipientsAsync(app);
        var editor = await app.SignedInAsync(Roles.Editor);

        var page = await editor.GetDocumentAsync($"/admin/newsletters/issues/{issue.Id}");
        Assert.Contains("It will go to 2 confirmed subscribers", page.QuerySelector("#recipient-count").Text());
        Assert.Contains("nobody will receive this issue", page.QuerySelector("#no-smtp").Text());
        Assert.Contains("pickup folder", page.QuerySelector("#no-smtp").Text());
        Assert.Contains("bulk mail without DKIM will be filtered", page.QuerySelector("#no-dkim").Text());
        Assert.Equal($"/admin/posts/edit/{issue.PostId}", page.QuerySelector("a[href^='/admin/posts/edit/']")!.GetAttribute("href"));
        Assert.Equal(IssueSendStatus.NotSent, (await app.InDbAsync(db => db.NewsletterIssues.SingleAsync())).SendStatus);

        // A send without the page's token is refused, and nothing is sent.
        var forged = await editor.PostAsync($"/admin/newsletters/issues/{issue.Id}?handler=Send", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(0, await app.InDbAsync(db => db.Deliveries.CountAsync()));
    }

    [Fact]
    public async Task With_an_SMTP_server_configured_the_send_page_does_not_warn_of_the_pickup_folder()
    {
        await using var mail = new TestMailServer();
        await using var app = mail.Configure(App());
        var issue = await IssueWithRecipientsAsync(app);
        var editor = await app.SignedInAsync(Roles.Editor);

        var page = await editor.GetDocumentAsync($"/admin/newsletters/issues/{issue.Id}");
        Assert.Null(page.QuerySelector("#no-smtp"));
        Assert.Contains("2 confirmed subscribers", page.QuerySelector("#recipient-count").Text());
    }

    [Fact]
    public async Task Sent_from_the_page_to_the_pickup_folder_the_progress_reaches_sent_and_the_pickup_page_lists_what_went()
    {
        await using var app = App();
        var issue = await IssueWithRecipientsAsync(app);
        var editor = await app.SignedInAsync(Roles.Editor);

        var sent = await editor.SubmitAsync($"/admin/newsletters/issues/{issue.Id}", [], "form[action*='handler=Send']");
        Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        var progress = await WaitForAsync(editor, issue.Id, p => (string?)p["status"] == "sent");
        Assert.Equal((2, 2, 0), ((int)progress["total"]!, (int)progress["sent"]!, (int)progress["failed"]!));

        var page = await editor.GetDocumentAsync($"/admin/newsletters/issues/{issue.Id}");
        Assert.Equal("sent", page.QuerySelector("#issue-status").Text());
        Assert.Equal("2", page.QuerySelector("[data-field='sent']").Text());
        Assert.Null(page.QuerySelector("form[action*='handler=Send']"));
        // Asking again changes nothing.
        await using (var scope = app.Scope())
            Assert.Equal(SendStartOutcome.AlreadyStarted, (await Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IssueSending>(scope.ServiceProvider).StartAsync(issue.Id, "test")).Outcome);

        var pickup = await editor.GetDocumentAsync("/admin/mail-pickup");
        Assert.Equal("2 messages.", pickup.QuerySelector("#pickup-count").Text());
        var to = pickup.QuerySelectorAll("table.pickup td.to").Select(t => t.Text()).Order(StringComparer.Ordinal).ToList();
        Assert.Collection(to, t => Assert.Contains("ann@example.org", t), t => Assert.Contains("bob@example.org", t));
        var one = await editor.GetDocumentAsync(pickup.QuerySelector("table.pickup a")!.GetAttribute("href")!);
        Assert.Contains("Meet at noon.", one.QuerySelector("#message-text").Text());
    }

    [Fact]
    public async Task Pause_resume_and_cancel_change_a_running_send_and_the_failed_only_are_sent_again()
    {
        // An SMTP server that takes the connection and never answers: the send stays running while the buttons are tried.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        await using var app = App()
            .With("Email:Smtp:Host", "127.0.0.1")
            .With("Email:Smtp:Port", ((IPEndPoint)silent.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture))
            .With("Email:Smtp:Security", "None");
        var issue = await IssueWithRecipientsAsync(app);
        var editor = await app.SignedInAsync(Roles.Editor);
        var path = $"/admin/newsletters/issues/{issue.Id}";

        Assert.Equal(HttpStatusCode.Redirect, (await editor.SubmitAsync(path, [], "form[action*='handler=Send']")).StatusCode);
        Assert.Equal("sending", (await ProgressAsync(editor, issue.Id))["status"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.Redirect, (await editor.SubmitAsync(path, [], "form[action*='handler=Pause']")).StatusCode);
        var paused = await editor.GetDocumentAsync(path);
        Assert.Equal("paused", paused.QuerySelector("#issue-status").Text());
        Assert.NotNull(paused.QuerySelector("form[action*='handler=Resume']"));
        Assert.Null(paused.QuerySelector("form[action*='handler=Pause']"));

        Assert.Equal(HttpStatusCode.Redirect, (await editor.SubmitAsync(path, [], "form[action*='handler=Resume']")).StatusCode);
        Assert.Equal("sending", (await ProgressAsync(editor, issue.Id))["status"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.Redirect, (await editor.SubmitAsync(path, [], "form[action*='handler=Cancel']")).StatusCode);
        var cancelled = await editor.GetDocumentAsync(path);
        Assert.Equal("cancelled", cancelled.QuerySelector("#issue-status").Text());
        Assert.Null(cancelled.QuerySelector("form[action*='handler=Resume']"));
        Assert.Equal(IssueSendStatus.Cancelled, (await app.InDbAsync(db => db.NewsletterIssues.SingleAsync())).SendStatus);
    }

    [Fact]
    public async Task Resend_to_the_failed_only_queues_the_failed_deliveries_and_not_the_sent_ones()
    {
        await using var app = App();
        var issue = await IssueWithRecipientsAsync(app);
        var editor = await app.SignedInAsync(Roles.Editor);
        var path = $"/admin/newsletters/issues/{issue.Id}";
        await editor.SubmitAsync(path, [], "form[action*='handler=Send']");
        await WaitForAsync(editor, issue.Id, p => (string?)p["status"] == "sent");
        // One of the two is marked as a receiving server's refusal would leave it.
        await app.InDbAsync(db => db.Deliveries.Where(d => d.ToAddress == "bob@example.org")
            .ExecuteUpdateAsync(d => d.SetProperty(x => x.Status, DeliveryStatus.Failed).SetProperty(x => x.LastReply, "451 4.3.0 try later (given up)")));

        var page = await editor.GetDocumentAsync(path);
        Assert.Equal("1", page.QuerySelector("[data-field='failed']").Text());
        var resend = await editor.SubmitAsync(path, [], "form[action*='handler=ResendFailed']");
        Assert.Equal(HttpStatusCode.Redirect, resend.StatusCode);
        var again = await WaitForAsync(editor, issue.Id, p => (int)p["sent"]! == 2);
        Assert.Equal(0, (int)again["failed"]!);
        // Ann's message went once, Bob's twice: the first, refused, and the one sent again.
        var files = Directory.GetFiles(Path.Combine(app.DataDirectory, "mail-pickup"), "*.eml");
        var recipients = files.Select(f => MimeMessage.Load(f).To.Mailboxes.Single().Address).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["ann@example.org", "bob@example.org", "bob@example.org"], recipients);
    }

    [Fact]
    public async Task The_pickup_page_lists_the_folder_newest_first_shows_one_message_and_opens_nothing_outside_it()
    {
        await using var app = App();
        var folder = Path.Combine(app.DataDirectory, "mail-pickup");
        Directory.CreateDirectory(folder);
        for (var i = 1; i <= 3; i++)
        {
            var message = new MimeMessage { Subject = $"Weekly News No {i} — “quoted”" };
            message.From.Add(new MailboxAddress("The Campaign", "news@campaign.example.org"));
            message.To.Add(new MailboxAddress($"Reader {i}", $"reader{i}@example.org"));
            message.Body = new TextPart("plain") { Text = $"Body of issue {i}. <script>alert(1)</script>" };
            var file = Path.Combine(folder, $"message-{i}.eml");
            await message.WriteToAsync(file);
            File.SetLastWriteTimeUtc(file, new DateTime(2026, 3, 14, 10, i, 0, DateTimeKind.Utc));
        }
        await File.WriteAllTextAsync(Path.Combine(app.DataDirectory, "secret.eml"), "Subject: outside\r\n\r\nnot for the admin");
        var editor = await app.SignedInAsync(Roles.Editor);

        var list = await editor.GetDocumentAsync("/admin/mail-pickup");
        Assert.Equal("3 messages.", list.QuerySelector("#pickup-count").Text());
        Assert.Equal(["Weekly News No 3 — “quoted”", "Weekly News No 2 — “quoted”", "Weekly News No 1 — “quoted”"],
            list.QuerySelectorAll("table.pickup tbody tr td:first-child a").Select(a => a.Text()));
        var shown = await editor.GetDocumentAsync("/admin/mail-pickup?file=message-2.eml");
        Assert.Contains("reader2@example.org", shown.QuerySelector("#message-to").Text());
        Assert.Equal("Body of issue 2. <script>alert(1)</script>", shown.QuerySelector("#message-text").Text());
        Assert.Empty(shown.QuerySelectorAll("main script"));

        foreach (var name in new[] { "../secret.eml", "..%2Fsecret.eml", "/etc/passwd", "missing.eml" })
            Assert.Equal(HttpStatusCode.NotFound, (await editor.GetAsync("/admin/mail-pickup?file=" + name)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await editor.GetAsync("/admin/mail-pickup?page=abc")).StatusCode);
    }

    [Fact]
    public async Task The_pickup_page_reads_the_configured_folder_and_says_so_when_it_is_empty()
    {
        var elsewhere = Directory.CreateTempSubdirectory("broadsheet-pickup-").FullName;
        try
        {
            await using var app = App().With("Email:PickupFolder", elsewhere);
            var editor = await app.SignedInAsync(Roles.Editor);
            var empty = await editor.GetDocumentAsync("/admin/mail-pickup");
            Assert.Equal("0 messages.", empty.QuerySelector("#pickup-count").Text());
            Assert.Contains(elsewhere, empty.QuerySelector("main .warning").Text());
            await File.WriteAllTextAsync(Path.Combine(elsewhere, "one.eml"), "To: someone@example.org\r\nSubject: Hello\r\n\r\nHi.\r\n");
            var one = await editor.GetDocumentAsync("/admin/mail-pickup");
            Assert.Equal("Hello", one.QuerySelector("table.pickup a").Text());
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    private static async Task<JsonNode> ProgressAsync(HttpClient client, int issueId)
    {
        var response = await client.GetAsync($"/admin/newsletters/issues/{issueId}?handler=progress");
        return await response.JsonAsync(HttpStatusCode.OK);
    }

    private static async Task<JsonNode> WaitForAsync(HttpClient client, int issueId, Func<JsonNode, bool> done)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var progress = await ProgressAsync(client, issueId);
            if (done(progress)) return progress;
            Assert.True(DateTime.UtcNow < until, $"the send did not get there in 30 s: {progress.ToJsonString()}");
            await Task.Delay(100);
        }
    }
}

public sealed class SqliteNewsletterAdminTests() : NewsletterAdminTests(TestProvider.Sqlite);

public sealed class PostgresNewsletterAdminTests() : NewsletterAdminTests(TestProvider.Postgres);
