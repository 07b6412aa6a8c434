using System.Net;
using AngleSharp.Html.Parser;
using Broadsheet.Data;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Subscribers;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Subscribers;

/// <summary>
/// The public side of newsletters as a reader and their mail client use it, over HTTP and a real SMTP server: the
/// subscribe forms, double opt-in (a GET of the emailed link changes nothing, its button confirms), RFC 8058 one-click
/// unsubscribe from a client with no cookies, the preferences page, and the limits that keep the form from being used
/// against someone's inbox or from telling anyone who is on the list.
/// </summary>
public abstract class SubscribingTests(TestProvider provider)
{
    private const string CheckYourEmail = "Please check your email";

    private BroadsheetFactory App(TestMailServer mail) =>
        mail.Configure(new BroadsheetFactory(provider)).With(SiteSettingsCache.BaseUrlKey, "http://localhost");

    private static async Task<Newsletter> AddNewsletterAsync(BroadsheetFactory app, string slug = "weekly", string name = "Weekly News", bool open = true)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var newsletter = new Newsletter
        {
            Slug = slug,
            Name = name,
            Description = $"{name} from the campaign.",
            FromName = "The Campaign",
            FromAddress = "news@example.org",
            OpenForSubscription = open,
            CreatedAt = app.Clock.GetUtcNow().UtcDateTime,
        };
        db.Newsletters.Add(newsletter);
        await db.SaveChangesAsync();
        return newsletter;
    }

    /// <summary>Fills in a page's subscribe form (in main) as a reader would.</summary>
    private static Task<HttpResponseMessage> SubscribeAsync(HttpClient client, string page, string email, string? name = null) =>
        client.SubmitAsync(page, new() { ["email"] = email, ["name"] = name }, "main form.subscribe-form");

    private static async Task<List<(int NewsletterId, SubscriptionStatus Status)>> SubscriptionsAsync(BroadsheetFactory app, string email)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var canonical = EmailAddresses.Canonical(EmailAddresses.Clean(email)!);
        return [.. (await db.Subscriptions.Where(s => s.Subscriber!.CanonicalEmail == canonical).Select(s => new { s.NewsletterId, s.Status }).ToListAsync())
            .Select(s => (s.NewsletterId, s.Status))];
    }

    private static async Task<T> WithDbAsync<T>(BroadsheetFactory app, Func<BroadsheetDb, Task<T>> read)
    {
        await using var scope = app.Scope();
        return await read(scope.ServiceProvider.GetRequiredService<BroadsheetDb>());
    }

    /// <summary>Subscribes and confirms through the pages, as a reader does; returns the confirmation link.</summary>
    private static async Task<string> SubscribeAndConfirmAsync(BroadsheetFactory app, TestMailServer mail, string email, string page = "/newsletters/weekly")
    {
        var browser = app.Browser();
        Assert.Contains(CheckYourEmail, await (await SubscribeAsync(browser, page, email)).Content.ReadAsStringAsync());
        var link = TestMailServer.LinkIn(await mail.MessageToAsync(email), "/subscribe/confirm");
        var confirmed = await browser.SubmitAsync(link, new());
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        return link;
    }

    private static async Task<string> UnsubscribeLinkAsync(BroadsheetFactory app, string email, int newsletterId)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var subscriber = await db.Subscribers.SingleAsync(s => s.Email == email);
        var site = await scope.ServiceProvider.GetRequiredService<SiteSettingsCache>().GetAsync();
        return new Uri(await scope.ServiceProvider.GetRequiredService<SubscriberLinks>().UnsubscribeUrlAsync(site, subscriber, newsletterId)).PathAndQuery;
    }

    /// <summary>A mail client: no cookies, no redirects followed, no token but the link's.</summary>
    private static HttpClient MailClient(BroadsheetFactory app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });

    private static FormUrlEncodedContent OneClick() => new([new("List-Unsubscribe", "One-Click")]);

    [Fact]
    public async Task Opt_in_mails_a_link_on_the_site_address_whose_GET_changes_nothing_and_whose_button_confirms()
    {
        await using var mail = new TestMailServer();
        await using var app = App(mail);
        var weekly = await AddNewsletterAsync(app);
        var browser = app.Browser("203.0.113.7");

        var asked = await SubscribeAsync(browser, "/newsletters/weekly", "reader@example.org", "Rosa Reader");
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Contains(CheckYourEmail, await asked.Content.ReadAsStringAsync());
        var message = await mail.MessageToAsync("reader@example.org");
        Assert.Contains("Weekly News", message.Subject);
        Assert.Contains("http://localhost/subscribe/confirm?s=", message.TextBody);
        Assert.Equal([(weekly.Id, SubscriptionStatus.Pending)], await SubscriptionsAsync(app, "reader@example.org"));

        // A link scanner (or the reader) opens the link: one button, nothing confirmed.
        var link = TestMailServer.LinkIn(message, "/subscribe/confirm");
        var (opened, page) = await browser.GetPageAsync(link);
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        Assert.Single(page.QuerySelectorAll("main form[method=post] button"));
        Assert.True(opened.Headers.CacheControl?.NoStore, "the page of a link with a token is never stored");
        Assert.Equal([(weekly.Id, SubscriptionStatus.Pending)], await SubscriptionsAsync(app, "reader@example.org"));

        var confirmed = await browser.SubmitAsync(link, new());
        Assert.Contains("your subscription is confirmed", await confirmed.Content.ReadAsStringAsync());
        Assert.Equal([(weekly.Id, SubscriptionStatus.Confirmed)], await SubscriptionsAsync(app, "reader@example.org"));
        var consent = await WithDbAsync(app, db => db.ConsentRecords.OrderBy(c => c.Id).Select(c => new { c.Action, c.Source, c.IpAddress }).ToListAsync());
        Assert.Equal(ConsentAction.Requested, consent[0].Action);
        Assert.Equal(ConsentSource.SiteForm, consent[0].Source);
        Assert.Equal("203.0.113.7", consent[0].IpAddress);
        Assert.Equal(ConsentAction.Confirmed, consent[1].Action);
        Assert.Equal("203.0.113.7", consent[1].IpAddress);

        // The same link again: it says so, and changes nothing.
        var replayed = await browser.SubmitAsync(link, new());
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Contains("already confirmed", await replayed.Content.ReadAsStringAsync());
        Assert.Equal(2, await WithDbAsync(app, db => db.ConsentRecords.CountAsync()));
    }

    [Fact]
    public async Task A_forged_or_expired_confirmation_link_gets_a_clear_page_and_confirms_nothing()
    {
        await using var mail = new TestMailServer();
        await using var app = App(mail);
        await AddNewsletterAsync(app);
        var browser = app.Browser();
        await SubscribeAsync(browser, "/newsletters/weekly", "doubter@example.org");
        var link = TestMailServer.LinkIn(await mail.MessageToAsync("doubter@example.org"), "/subscribe/confirm");

        var forged = await browser.GetAsync(link[..^3] + "AAA");
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("not valid", await forged.Content.ReadAsStringAsync());
        var token = await browser.AntiforgeryTokenAsync(link);
        var forgedPost = await browser.PostAsync(link[..^3] + "AAA", new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));
        Assert.Equal(HttpStatusCode.BadRequest, forgedPost.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.GetAsync("/subscribe/confirm?s=x&d=y&t=z")).StatusCode);

        app.Clock.Advance(TimeSpan.FromDays(9));
        var expired = await browser.GetAsync(link);
        Assert.Equal(HttpStatusCode.BadRequest, expired.StatusCode);
        Assert.Contains("expired", await expired.Content.ReadAsStringAsync());
        Assert.All(await SubscriptionsAsync(app, "doubter@example.org"), s => Assert.Equal(SubscriptionStatus.Pending, s.Status));
    }

    [Fact]
    public async Task One_click_unsubscribe_from_a_mail_client_with_no_cookie_or_token_works_and_works_again()
    {
        await using var mail = new TestMailServer();
        await using var app = App(mail);
        var weekly = await AddNewsletterAsync(app);
        var alerts = await AddNewsletterAsync(app, "alerts", "Action Alerts");
        await SubscribeAndConfirmAsync(app, mail, "leaver@example.org");
        var link = await UnsubscribeLinkAsync(app, "leaver@example.org", weekly.Id);
        var client = MailClient(app);

        // A GET (a link scanner) shows one button and changes nothing.
        var (shown, page) = await client.GetPageAsync(link);
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Single(page.QuerySelectorAll("main form[method=post] button"));
        Assert.Equal([(weekly.Id, SubscriptionStatus.Confirmed)], await SubscriptionsAsync(app, "leaver@example.org"));

        var first = await client.PostAsync(link, OneClick());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal([(weekly.Id, SubscriptionStatus.Unsubscribed)], await SubscriptionsAsync(app, "leaver@example.org"));
        var again = await client.PostAsync(link, OneClick());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        var hash = EmailAddresses.Hash("leaver@example.org");
        Assert.Equal([weekly.Id], await WithDbAsync(app, db => db.Suppressions.Where(s => s.AddressHash == hash).Select(s => s.NewsletterId).ToListAsync()));
        Assert.Equal(1, await WithDbAsync(app, db => db.ConsentRecords.CountAsync(c => c.Action == ConsentAction.Unsubscribed)));

        // A forged token: refused, nothing changes.
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync(link[..^3] + "AAA", OneClick())).StatusCode);
        var forgedAll = link.Replace($"n={weekly.Id}", "n=0", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync(forgedAll, OneClick())).StatusCode);
        Assert.DoesNotContain(0, await WithDbAsync(app, db => db.Suppressions.Select(s => s.NewsletterId).ToListAsync()));
        _ = alerts;
    }

    [Fact]
    public async Task Leaving_everything_from_the_link_leaves_every_newsletter_and_suppresses_the_address_for_all()
    {
        await using var mail = new TestMailServer();
        await using var app = App(mail);
        var weekly = await AddNewsletterAsync(app);
        var alerts = await AddNewsletterAsync(app, "alerts", "Action Alerts");
        var browser = app.Browser();
        await browser.SubmitAsync("/newsletters", new() { ["email"] = "all@example.org", ["newsletter"] = weekly.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, "main form.subscribe-form",
            "newsletter=" + alerts.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var link = TestMailServer.LinkIn(await mail.MessageToAsync("all@example.org"), "/subscribe/confirm");
        await browser.SubmitAsync(link, new());
        Assert.All(await SubscriptionsAsync(app, "all@example.org"), s => Assert.Equal(SubscriptionStatus.Confirmed, s.Status));
        Assert.Equal(2, (await SubscriptionsAsync(app, "all@example.org")).Count);

        var everything = await UnsubscribeLinkAsync(app, "all@example.org", 0);
        var page = await app.Browser().SubmitAsync(everything, new());
        Assert.Contains("You have left every newsletter", await page.Content.ReadAsStringAsync());

        Assert.All(await SubscriptionsAsync(app, "all@example.org"), s => Assert.Equal(SubscriptionStatus.Unsubscribed, s.Status));
        Assert.Equal([Suppression.EveryNewsletter], await WithDbAsync(app, db => db.Suppressions.Select(s => s.NewsletterId).ToListAsync()));
    }

    [Fact]
    public async Task An_address_already_subscribed_gets_a_mail_with_its_preferences_link_and_the_page_says_the_same()
    {
        await using var mail = new TestMailServer();
        await using var app = App(mail);
        await AddNewsletterAsync(app);
        await SubscribeAndConfirmAsync(app, mail, "member@example.org");

        var stranger = app.Browser();
        var forMember = await (await SubscribeAsync(stranger, "/newsletters/weekly", "member@example.org")).Content.ReadAsStringAsync();
        var forNewcomer = await (await SubscribeAsync(stranger, "/newsletters/weekly", "newcomer@example.org")).Content.ReadAsStringAsync();
        var said = new HtmlParser().ParseDocument(forMember).QuerySelector("main [role=status]")!.TextContent;
        Assert.Equal(new HtmlParser().ParseDocument(forNewcomer).QuerySelector("main [role=status]")!.TextContent, said);
        Assert.Contains(CheckYourEmail, said);

        var messages = await mail.MessagesToAsync("member@example.org", 2);
        Assert.Contains("already subscribed", messages[1].Subject);
        var preferences = TestMailServer.LinkIn(messages[1], "/preferences");
        Assert.DoesNotContain("/subscribe/confirm", messages[1].TextBody);
        Assert.Equal(HttpStatusCode.OK, (await app.Browser().GetAsync(preferences)).StatusCode);
    }

    [Fact]
    public async Task However_often_the_form_is_sent_an_address_gets_at_most_three_mails_a_day()
    {
        await using var mail = new TestMailServer();
        await using var app = App(mail);
        await AddNewsletterAsync(app);
        for (var i = 0; i < 6; i++)
        {
            // From different networks, so the per-client limit is not what stops it.
            var response = await SubscribeAsync(app.Browser($"198.51.100.{i + 1}"), "/newsletters/weekly", "target@example.org");
            Assert.Contains(CheckYourEmail, await response.Content.ReadAsStringAsync());
        }
        await mail.MessagesToAsync("target@example.org", 3);
        await Task.Delay(500);
        Assert.Equal(3, mail.Messages.Count(m => m.To.Mailboxes.Any(b => b.Address == "target@example.org")));

        app.Clock.Advance(TimeSpan.FromDays(1.1));
        await SubscribeAsync(app.Browser(), "/newsletters/weekly", "target@example.org");
        await mail.MessagesToAsync("target@example.org", 4);
    }

    [Fact]
    public async Task Addresses_are_one_subscriber_in_canonical_form()
    {
        await using var mail = new TestMailServer();
        await using var app = App(mail);
        await AddNewsletterAsync(app);
        var browser = app.Browser();
        await SubscribeAsync(browser, "/newsletters/weekly", "Ann.Lee+news@gmail.com");
        await SubscribeAsync(browser, "/newsletters/weekly", "annlee@GMAIL.com");
        await SubscribeAsync(browser, "/newsletters/weekly", "ANN.LEE@googlemail.com");

        var subscribers = await WithDbAsync(app, db => db.Subscribers.Select(s => new { s.Email, s.CanonicalEmail }).ToListAsync());
        var only = Assert.Single(subscribers);
        Assert.Equal("annlee@gmail.com", only.CanonicalEmail);
        Assert.Equal("Ann.Lee+news@gmail.com", only.Email); // mail goes where the person first asked
        Assert.Single(await SubscriptionsAsync(app, "annlee@gmail.com"));
    }

    [Fact]
    public async Task A_flood_of_requests_from_one_client_gets_429_with_Retry_After()
    {
        await using var mail = new TestMailServer();
        await using var app = App(mail).With("Subscribers:MaxRequestsPerAddress", "3");
        await AddNewsletterAsync(app);
        var flooder = app.Browser("192.0.2.66");
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await SubscribeAsync(flooder, "/newsletters/weekly", $"victim{i}@example.org")).StatusCode);

        var refused = await SubscribeAsync(flooder, "/newsletters/weekly", "victim9@example.org");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a Retry-After in seconds");
        Assert.Contains("Too many subscribe requests", await refused.Content.ReadAsStringAsync());
        Assert.Equal(0, await WithDbAsync(app, db => db.Subscribers.CountAsync(s => s.Email == "victim9@example.org")));

        // Another network is not held back by it.
        Assert.Equal(HttpStatusCode.OK, (await SubscribeAsync(app.Browser("192.0.2.67"), "/newsletters/weekly", "fine@example.org")).StatusCode);
    }

    [Fact]
    public async Task The_embed_may_be_framed_needs_no_cookie_and_refuses_posts_from_other_origins()
    {
        await using var mail = new TestMailServer();
        await using var app = App(mail);
        var weekly = await AddNewsletterAsync(app);
        var frame = MailClient(app); // a third-party frame: the browser sends no cookie of ours

        var (shown, page) = await frame.GetPageAsync("/newsletters/weekly/embed");
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.False(shown.Headers.Contains("X-Frame-Options"));
        Assert.Contains("frame-ancestors *", shown.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(shown.Headers.Contains("Set-Cookie"));
        var form = page.QuerySelector("form.subscribe-form")!;
        Assert.Equal("/newsletters/weekly/embed", form.GetAttribute("action"));
        // Other pages stay unframable.
        Assert.Equal("DENY", (await frame.GetAsync("/newsletters/weekly")).Headers.GetValues("X-Frame-Options").Single());

        var fields = form.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value")!)).ToList();
        var foreign = new HttpRequestMessage(HttpMethod.Post, "/newsletters/weekly/embed") { Content = new FormUrlEncodedContent([.. fields, new("email", "framed@example.org")]) };
        foreign.Headers.Add("Origin", "https://attacker.example");
        Assert.Equal(HttpStatusCode.BadRequest, (await frame.SendAsync(foreign)).StatusCode);
        var forged = new FormUrlEncodedContent([new("formToken", "123.abc"), new("email", "framed@example.org")]);
        Assert.Equal(HttpStatusCode.BadRequest, (await frame.PostAsync("/newsletters/weekly/embed", forged)).StatusCode);
        Assert.Equal(0, await WithDbAsync(app, db => db.Subscribers.CountAsync()));

        var own = new HttpRequestMessage(HttpMethod.Post, "/newsletters/weekly/embed") { Content = new FormUrlEncodedContent([.. fields, new("email", "framed@example.org")]) };
        own.Headers.Add("Origin", "http://localhost");
        var accepted = await frame.SendAsync(own);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.False(accepted.Headers.Contains("X-Frame-Options"));
        Assert.Contains(CheckYourEmail, await accepted.Content.ReadAsStringAsync());
        await mail.MessageToAsync("framed@example.org");
        Assert.Equal([(weekly.Id, SubscriptionStatus.Pending)], await SubscriptionsAsync(app, "framed@example.org"));
        Assert.Equal(ConsentSource.EmbeddedForm, await WithDbAsync(app, db => db.ConsentRecords.Select(c => c.Source).SingleAsync()));
    }

    [Fact]
    public async Task The_preferences_page_changes_the_name_and_the_newsletters_and_leaves_all()
    {
        await using var mail = new TestMailServer();
        await using var app = App(mail);
        var weekly = await AddNewsletterAsync(app);
        var alerts = await AddNewsletterAsync(app, "alerts", "Action Alerts");
        await SubscribeAndConfirmAsync(app, mail, "chooser@example.org");
        await SubscribeAsync(app.Browser(), "/newsletters/weekly", "chooser@example.org");
        var preferences = TestMailServer.LinkIn((await mail.MessagesToAsync("chooser@example.org", 2))[1], "/preferences");
        var browser = app.Browser();

        // Take alerts instead of weekly, and give a name.
        var saved = await browser.SubmitAsync(preferences, new() { ["Name"] = "Chris Chooser", ["newsletter"] = alerts.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, "main form.preferences", "act=save");
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Contains("Your choices are saved", await saved.Content.ReadAsStringAsync());
        var now = (await SubscriptionsAsync(app, "chooser@example.org")).OrderBy(s => s.NewsletterId).ToList();
        Assert.Equal([(weekly.Id, SubscriptionStatus.Unsubscribed), (alerts.Id, SubscriptionStatus.Confirmed)], now);
        Assert.Equal("Chris Chooser", await WithDbAsync(app, db => db.Subscribers.Select(s => s.Name).SingleAsync()));
        var hash = EmailAddresses.Hash("chooser@example.org");
        Assert.Equal([weekly.Id], await WithDbAsync(app, db => db.Suppressions.Where(s => s.AddressHash == hash).Select(s => s.NewsletterId).ToListAsync()));

        var left = await browser.SubmitAsync(preferences, new(), "main form.preferences", "act=leave");
        Assert.Contains("You have left every newsletter", await left.Content.ReadAsStringAsync());
        Assert.All(await SubscriptionsAsync(app, "chooser@example.org"), s => Assert.Equal(SubscriptionStatus.Unsubscribed, s.Status));

        // Without the page's antiforgery token, the save is refused; a forged link gets 400.
        var bare = await MailClient(app).PostAsync(preferences, new FormUrlEncodedContent([new("act", "save"), new("newsletter", weekly.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))]));
        Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.GetAsync(preferences[..^3] + "AAA")).StatusCode);
    }

    [Fact]
    public async Task A_suppressed_address_is_mailed_only_a_new_confirmation_and_confirming_lifts_the_suppression()
    {
        await using var mail = new TestMailServer();
        await using var app = App(mail);
        var weekly = await AddNewsletterAsync(app);
        await SubscribeAndConfirmAsync(app, mail, "returner@example.org");
        Assert.Equal(HttpStatusCode.OK, (await MailClient(app).PostAsync(await UnsubscribeLinkAsync(app, "returner@example.org", weekly.Id), OneClick())).StatusCode);
        var hash = EmailAddresses.Hash("returner@example.org");
        Assert.Equal(1, await WithDbAsync(app, db => db.Suppressions.CountAsync(s => s.AddressHash == hash)));

        await SubscribeAsync(app.Browser(), "/newsletters/weekly", "returner@example.org");
        var messages = await mail.MessagesToAsync("returner@example.org", 2);
        Assert.Contains("Confirm", messages[1].Subject);
        Assert.Equal([(weekly.Id, SubscriptionStatus.Pending)], await SubscriptionsAsync(app, "returner@example.org"));
        Assert.Equal(1, await WithDbAsync(app, db => db.Suppressions.CountAsync(s => s.AddressHash == hash)));

        await app.Browser().SubmitAsync(TestMailServer.LinkIn(messages[1], "/subscribe/confirm"), new());
        Assert.Equal([(weekly.Id, SubscriptionStatus.Confirmed)], await SubscriptionsAsync(app, "returner@example.org"));
        Assert.Equal(0, await WithDbAsync(app, db => db.Suppressions.CountAsync(s => s.AddressHash == hash)));
    }

    [Fact]
    public async Task A_newsletter_page_lists_its_published_issues_and_an_issue_address_leads_to_its_post()
    {
        await using var mail = new TestMailServer();
        await using var app = App(mail);
        var weekly = await AddNewsletterAsync(app);
        await using (var scope = app.Scope())
        {
            var issues = scope.ServiceProvider.GetRequiredService<NewsletterIssues>();
            Assert.Equal(IssueCreateOutcome.Created, (await issues.CreateAsync(new NewIssue(weekly.Id, "Weekly News No 1", "The first one."), PostActor.Site)).Outcome);
            Assert.Equal(IssueCreateOutcome.Created, (await issues.CreateAsync(new NewIssue(weekly.Id, "Weekly News No 2", "Not yet.") { Publish = false }, PostActor.Site)).Outcome);
        }
        var client = MailClient(app);

        var issue = await client.GetAsync("/newsletters/weekly/1");
        Assert.Equal(HttpStatusCode.Redirect, issue.StatusCode);
        var permalink = issue.Headers.Location!.OriginalString;
        Assert.StartsWith("/2026/03/", permalink, StringComparison.Ordinal);
        Assert.Contains("The first one.", await client.GetStringAsync(permalink));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/newsletters/weekly/2")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/newsletters/weekly/3")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/newsletters/nothing/1")).StatusCode);

        var page = await client.GetDocumentAsync("/newsletters/weekly");
        Assert.Equal("Weekly News", page.QuerySelector("main h1").Text());
        Assert.Contains("Weekly News No 1", page.QuerySelector("main").Text());
        Assert.DoesNotContain("Weekly News No 2", page.QuerySelector("main").Text());
        Assert.NotNull(page.QuerySelector("main form.subscribe-form input[name=email]"));
        // The home page's sidebar offers it too, from a page the public cache may share: no cookie is set.
        var home = await client.GetAsync("/");
        Assert.False(home.Headers.Contains("Set-Cookie"));
        Assert.NotNull(new HtmlParser().ParseDocument(await home.Content.ReadAsStringAsync()).QuerySelector("aside form.subscribe-form[action='/subscribe']"));
    }

    [Fact]
    public async Task Pages_with_a_subscribe_form_stay_in_the_public_cache_and_their_forms_work_from_it_while_link_pages_never_enter_it()
    {
        await using var mail = new TestMailServer();
        await using var app = mail.Configure(new BroadsheetFactory(provider, outputCache: true)).With(SiteSettingsCache.BaseUrlKey, "http://localhost");
        var weekly = await AddNewsletterAsync(app);
        var reader = MailClient(app);
        foreach (var path in new[] { "/", "/newsletters/weekly", "/newsletters/weekly/embed" })
        {
            Assert.Null((await reader.GetAsync(path)).Headers.Age);
            Assert.True((await reader.GetAsync(path)).Headers.Age is not null, $"{path} was not served from the public cache");
        }

        // A reader gets the cached home page (and its form token) and subscribes from its sidebar.
        var browser = app.Browser();
        var subscribed = await browser.SubmitAsync("/", new() { ["email"] = "cached@example.org" }, "aside form.subscribe-form");
        Assert.Contains(CheckYourEmail, await subscribed.Content.ReadAsStringAsync());
        var link = TestMailServer.LinkIn(await mail.MessageToAsync("cached@example.org"), "/subscribe/confirm");
        await browser.SubmitAsync(link, new());
        var unsubscribe = await UnsubscribeLinkAsync(app, "cached@example.org", weekly.Id);
        foreach (var path in new[] { link, unsubscribe, "/subscribe" })
        {
            await reader.GetAsync(path);
            Assert.True((await reader.GetAsync(path)).Headers.Age is null, $"{path} was served from the public cache");
        }
    }

    [Fact]
    public async Task An_oversized_or_invalid_subscribe_form_gets_a_clear_answer()
    {
        await using var mail = new TestMailServer();
        await using var app = App(mail);
        await AddNewsletterAsync(app);
        var browser = app.Browser();

        var huge = await browser.PostAsync("/subscribe", new FormUrlEncodedContent([new("email", "big@example.org"), new("name", new string('x', 200_000))]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Contains("too large", await huge.Content.ReadAsStringAsync());

        var bad = await SubscribeAsync(browser, "/newsletters/weekly", "not an address");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("email address we can write to", await bad.Content.ReadAsStringAsync());
        Assert.Equal(0, await WithDbAsync(app, db => db.Subscribers.CountAsync()));
        Assert.Empty(mail.Messages);
    }
}

public sealed class SqliteSubscribingTests() : SubscribingTests(TestProvider.Sqlite);

public sealed class PostgresSubscribingTests() : SubscribingTests(TestProvider.Postgres);
