using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using Broadsheet.Data;
using Broadsheet.Email;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Subscribers;
using Broadsheet.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Broadsheet.Tests.Email;

/// <summary>
/// An issue's message as its reader's mail client and the receiving server see it: both parts, inline styles, the web
/// link first, the personal links, the list headers, a Message-ID of its own, a DKIM signature python3-dkim accepts
/// (and rejects once List-Unsubscribe is changed), and a SpamAssassin score below 2.0 (SQLite only).
/// </summary>
public abstract partial class IssueMessageTests(TestProvider provider)
{
    private const string Site = "https://campaign.example.org";

    private const string Body = """
        The council votes on the river plan next **Tuesday**. Read [our response](/2026/03/river-plan) first, or the
        [council's notice](https://council.example.gov/notices/river).

        ## What you can do

        - Write to your councillor
        - Come to the vigil at 6pm

        > Clean water is not a luxury.

        Thank you for standing with us.
        """;

    protected sealed record Arranged(BroadsheetFactory App, PreparedIssue Issue, Subscriber Ada, Subscriber Nameless);

    protected async Task<Arranged> ArrangeAsync(string? baseUrl = Site)
    {
        var app = new BroadsheetFactory(provider);
        if (baseUrl is not null) app.With(SiteSettingsCache.BaseUrlKey, baseUrl);
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var now = app.Clock.GetUtcNow().UtcDateTime;
        var newsletter = new Newsletter
        {
            Slug = "weekly", Name = "Weekly River News", FromName = "Clean Rivers Campaign", FromAddress = "news@campaign.example.org",
            ReplyTo = "office@campaign.example.org", CreatedAt = now,
        };
        db.Newsletters.Add(newsletter);
        var ada = NewSubscriber("ada@example.net", "Ada <Lovelace> & Co", now);
        var nameless = NewSubscriber("someone@example.net", null, now);
        db.Subscribers.AddRange(ada, nameless);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        var created = await scope.ServiceProvider.GetRequiredService<NewsletterIssues>().CreateAsync(
            new NewIssue(newsletter.Id, "The river plan vote", Body) { Subject = "The council votes on Tuesday" }, PostActor.Site, TestContext.Current.CancellationToken);
        Assert.Equal(IssueCreateOutcome.Created, created.Outcome);
        if (baseUrl is null) return new(app, null!, ada, nameless);
        var prepared = await app.Services.GetRequiredService<IssueMessages>().PrepareAsync(db, created.Issue!.Id, TestContext.Current.CancellationToken);
        return new(app, prepared, ada, nameless);
    }

    private static Subscriber NewSubscriber(string email, string? name, DateTime now) => new()
    {
        Email = email, CanonicalEmail = EmailAddresses.Canonical(email), AddressHash = EmailAddresses.Hash(email), Name = name,
        LinkSecret = SubscriberLinks.NewLinkSecret(), CreatedAt = now, UpdatedAt = now,
    };

    protected static MimeMessage Build(Arranged arranged, Subscriber subscriber, long deliveryId) =>
        arranged.App.Services.GetRequiredService<IssueMessages>().Build(
            arranged.Issue, new IssueRecipient(deliveryId, subscriber.Id, subscriber.Email, subscriber.Name, subscriber.LinkSecret));

    /// <summary>The message as it goes over SMTP: CRLF line ends, as MailKit writes it.</summary>
    protected static byte[] Wire(MimeMessage message)
    {
        using var stream = new MemoryStream();
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(options, stream);
        return stream.ToArray();
    }

    [Fact]
    public async Task The_message_has_a_text_and_an_inline_styled_html_part_with_the_web_link_first_and_personal_links_last()
    {
        var arranged = await ArrangeAsync();
        await using var app = arranged.App;
        var message = Build(arranged, arranged.Ada, 41);

        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        var text = message.TextBody!;
        var html = message.HtmlBody!;

        // The web link comes first in both, on the site's address.
        Assert.StartsWith($"View in your browser: {Site}/newsletters/weekly/1\n", text);
        var document = new HtmlParser().ParseDocument(html);
        var links = document.QuerySelectorAll("a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Equal($"{Site}/newsletters/weekly/1", links[0]);
        Assert.Equal("View in your browser", document.QuerySelector("a")!.TextContent);

        // Styled inline, not by a style sheet that clients drop; site-relative links made absolute.
        Assert.Empty(document.QuerySelectorAll("style, link[rel=stylesheet]"));
        foreach (var element in document.Body!.QuerySelectorAll("div, p, a, h1, h2, ul, li, blockquote"))
            Assert.False(string.IsNullOrEmpty(element.GetAttribute("style")), $"<{element.LocalName}> has no inline style: {element.OuterHtml}");
        Assert.Contains($"{Site}/2026/03/river-plan", links);
        Assert.DoesNotContain(links, l => l is null || !l.StartsWith("http", StringComparison.Ordinal));

        // The greeting by name, escaped (a name is not markup); the text says the same.
        Assert.Equal("Hello Ada <Lovelace> & Co,", document.QuerySelectorAll("p")[1].TextContent);
        Assert.DoesNotContain("<Lovelace>", html);
        Assert.Contains("\nHello Ada <Lovelace> & Co,\n", text);

        // The text part: the words, links as "text (url)", the list and the quote kept readable.
        Assert.Contains($"Read our response ({Site}/2026/03/river-plan) first", text);
        Assert.Contains("council's notice (https://council.example.gov/notices/river)", text);
        Assert.Contains("\n- Write to your councillor\n- Come to the vigil at 6pm\n", text);
        Assert.Contains("\n> Clean water is not a luxury.\n", text);
        Assert.Contains("What you can do", text);

        // The footer: personal unsubscribe (this newsletter) and preferences links, in both parts.
        var unsubscribe = links[^2]!;
        var preferences = links[^1]!;
        Assert.StartsWith($"{Site}/unsubscribe?s={arranged.Ada.Id}&n={arranged.Issue.NewsletterId}&t=", unsubscribe);
        Assert.StartsWith($"{Site}/preferences?s={arranged.Ada.Id}&t=", preferences);
        Assert.Contains("Unsubscribe: " + unsubscribe + "\n", text);
        Assert.Contains("Your preferences: " + preferences + "\n", text);
        Assert.True(text.IndexOf("Unsubscribe:", StringComparison.Ordinal) > text.IndexOf("Thank you for standing with us.", StringComparison.Ordinal));

        // Another reader gets their own links and a plain greeting.
        var other = Build(arranged, arranged.Nameless, 42);
        Assert.Contains("\nHello,\n", other.TextBody!);
        Assert.DoesNotContain(unsubscribe, other.HtmlBody);
        Assert.Contains($"/unsubscribe?s={arranged.Nameless.Id}&amp;n=", other.HtmlBody);
    }

    [Fact]
    public async Task The_headers_carry_the_sender_one_click_unsubscribe_the_list_id_and_a_message_id_per_recipient()
    {
        var arranged = await ArrangeAsync();
        await using var app = arranged.App;
        var messages = Enumerable.Range(1, 50).Select(i => Build(arranged, i % 2 == 0 ? arranged.Ada : arranged.Nameless, 1000 + i)).ToList();
        var message = messages[1];

        Assert.Equal("\"Clean Rivers Campaign\" <news@campaign.example.org>", message.From.ToString());
        Assert.Equal("office@campaign.example.org", message.ReplyTo.Mailboxes.Single().Address);
        var to = message.To.Mailboxes.Single();
        Assert.Equal(("ada@example.net", "Ada <Lovelace> & Co"), (to.Address, to.Name));
        Assert.Equal("The council votes on Tuesday", message.Subject);
        Assert.Equal(app.Clock.GetUtcNow(), message.Date);

        // RFC 8058: an https link in angle brackets, and the one-click POST that mail clients send to it.
        var listUnsubscribe = message.Headers[HeaderId.ListUnsubscribe]!;
        Assert.Matches(new Regex($"^<{Regex.Escape(Site)}/unsubscribe\\?s={arranged.Ada.Id}&n={arranged.Issue.NewsletterId}&t=[A-Za-z0-9_-]+>$"), listUnsubscribe);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        Assert.Equal("Weekly River News <weekly.campaign.example.org>", message.Headers[HeaderId.ListId]);

        // The link is one the site accepts for this subscriber and this newsletter.
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(listUnsubscribe.Trim('<', '>')).Query);
        await using (var scope = app.Scope())
        {
            var checkedBy = await scope.ServiceProvider.GetRequiredService<SubscriberLinks>().CheckAsync(
                SubscriberLinkPurpose.Unsubscribe, int.Parse(query["s"]!, System.Globalization.CultureInfo.InvariantCulture), int.Parse(query["n"]!, System.Globalization.CultureInfo.InvariantCulture), 0, query["t"], TestContext.Current.CancellationToken);
            Assert.Equal(arranged.Ada.Id, checkedBy?.Id);
        }

        // Every message its own Message-ID, on the sender's domain, starting with its delivery's id.
        Assert.Equal(50, messages.Select(m => m.MessageId).Distinct().Count());
        Assert.All(messages, m => Assert.EndsWith("@campaign.example.org", m.MessageId));
        Assert.StartsWith("1002.", message.MessageId);
        // Precedence: and Auto-Submitted: are for other kinds of mail (see IssueMessages); nothing adds them.
        Assert.False(message.Headers.Contains("Precedence"));
        Assert.False(message.Headers.Contains("Auto-Submitted"));
    }

    [Fact]
    public async Task A_list_name_beyond_ascii_is_encoded_in_the_list_id()
    {
        var encoded = IssueMessages.ListId("Réseau Rivières", "Réseau 2", "example.org");
        Assert.True(encoded.All(char.IsAscii), encoded);
        Assert.EndsWith(" <r-seau-2.example.org>", encoded);
        Assert.Equal("Réseau Rivières", MimeKit.Utils.Rfc2047.DecodePhrase(System.Text.Encoding.ASCII.GetBytes(encoded[..encoded.LastIndexOf(" <", StringComparison.Ordinal)])));
        Assert.Equal("\"News: weekly\" <news.example.org>", IssueMessages.ListId("News: weekly", "news", "EXAMPLE.org"));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task An_issue_is_not_prepared_while_the_site_has_no_address_and_says_how_to_set_it()
    {
        var arranged = await ArrangeAsync(baseUrl: null);
        await using var app = arranged.App;
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var issueId = db.NewsletterIssues.Single().Id;
        var refused = await Assert.ThrowsAsync<IssueNotReadyException>(() => app.Services.GetRequiredService<IssueMessages>().PrepareAsync(db, issueId, TestContext.Current.CancellationToken));
        Assert.Equal(Broadsheet.Features.Settings.Site.AddressNotSet, refused.Message);
        await Assert.ThrowsAsync<IssueNotReadyException>(() => app.Services.GetRequiredService<IssueMessages>().PrepareAsync(db, issueId + 100, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task An_issue_whose_sender_address_is_not_one_is_not_prepared_and_says_where_to_correct_it()
    {
        var arranged = await ArrangeAsync();
        await using var app = arranged.App;
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var newsletter = db.Newsletters.Single();
        newsletter.FromAddress = "news at campaign";
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        var refused = await Assert.ThrowsAsync<IssueNotReadyException>(() => app.Services.GetRequiredService<IssueMessages>().PrepareAsync(db, arranged.Issue.IssueId, TestContext.Current.CancellationToken));
        Assert.Contains("\"news at campaign\" is not an email address", refused.Message);
    }

    [Fact]
    public async Task A_signed_issue_passes_python3_dkim_and_fails_once_its_list_unsubscribe_is_changed()
    {
        MailCheckers.SkipUnlessDkim();
        var arranged = await ArrangeAsync();
        await using var app = arranged.App;
        var key = DkimKeys.Generate("campaign.example.org", "bs2026", app.Clock.GetUtcNow().UtcDateTime);
        var signing = app.Services.GetRequiredService<MessageSigning>();
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            Assert.False(signing.HasKeyFor("campaign.example.org"));
            db.DkimKeys.Add(key);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            await signing.LoadAsync(db, TestContext.Current.CancellationToken);
        }
        Assert.True(signing.HasKeyFor("Campaign.Example.org"));
        Assert.False(signing.HasKeyFor("example.org"));

        var message = Build(arranged, arranged.Ada, 7);
        signing.Sign(message);
        var dkim = message.Headers[HeaderId.DkimSignature]!;
        Assert.Contains("a=rsa-sha256", dkim);
        Assert.Contains("c=relaxed/relaxed", dkim);
        Assert.Contains("d=campaign.example.org", dkim);
        Assert.Contains("s=bs2026", dkim);
        var signed = Regex.Match(dkim, @"h=([^;]+);").Groups[1].Value.Split(':');
        foreach (var header in (string[])["from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post", "list-id"])
            Assert.Contains(header, signed);

        var record = DkimKeys.RecordValue(key);
        Assert.Equal("pass", await MailCheckers.DkimVerifyAsync(Wire(message), record));

        // Signing again (a retry) leaves one signature, still good.
        signing.Sign(message);
        Assert.Single(message.Headers, h => h.Id == HeaderId.DkimSignature);
        Assert.Equal("pass", await MailCheckers.DkimVerifyAsync(Wire(message), record));

        // A relay that rewrites the unsubscribe link breaks the signature.
        var wire = System.Text.Encoding.ASCII.GetString(Wire(message));
        var tampered = Regex.Replace(wire, @"(List-Unsubscribe:\s*<[^>]*t=)[A-Za-z0-9_-]", "${1}X");
        Assert.NotEqual(wire, tampered);
        Assert.StartsWith("fail", await MailCheckers.DkimVerifyAsync(System.Text.Encoding.ASCII.GetBytes(tampered), record));

        // Mail from a domain with no key goes out unsigned rather than with a signature that cannot pass.
        var other = new MimeMessage();
        other.From.Add(new MailboxAddress("Elsewhere", "someone@elsewhere.example"));
        other.To.Add(new MailboxAddress("", "ada@example.net"));
        other.Body = new TextPart("plain") { Text = "Hello" };
        signing.Sign(other);
        Assert.False(other.Headers.Contains(HeaderId.DkimSignature));
    }
}

public sealed class SqliteIssueMessageTests() : IssueMessageTests(TestProvider.Sqlite)
{
    // SpamAssassin judges the message, not the database it was made from, and takes half a minute to start on a
    // loaded machine: once, on SQLite, is enough.
    [Fact]
    public async Task A_signed_issue_scores_below_two_on_spamassassins_local_rules()
    {
        MailCheckers.SkipUnlessSpamAssassin();
        var arranged = await ArrangeAsync();
        await using var app = arranged.App;
        var signing = app.Services.GetRequiredService<MessageSigning>();
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            db.DkimKeys.Add(DkimKeys.Generate("campaign.example.org", "bs2026", app.Clock.GetUtcNow().UtcDateTime));
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            await signing.LoadAsync(db, TestContext.Current.CancellationToken);
        }
        var message = Build(arranged, arranged.Ada, 8);
        // The date a receiving server would see: now, not the test clock's fixed day (SpamAssassin scores old dates).
        message.Date = DateTimeOffset.UtcNow;
        signing.Sign(message);

        var (score, report) = await MailCheckers.SpamScoreAsync(Wire(message));
        TestContext.Current.TestOutputHelper?.WriteLine($"SpamAssassin score {score}\n{report}");
        Assert.True(score < 2.0, $"SpamAssassin scored the issue {score}:\n{report}");
    }
}

public sealed class PostgresIssueMessageTests() : IssueMessageTests(TestProvider.Postgres);
