using Broadsheet.Features.Settings;
using Broadsheet.Data;
using Broadsheet.Email;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Subscribers;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Email;

/// <summary>
/// The delivery engine against a real SMTP server over sockets (<see cref="ScriptedMailServer"/>), as a campaign's relay
/// answers: what each recipient receives, and what the issue's progress and the suppression list say afterwards.
/// </summary>
public abstract class DeliveryTests(TestProvider provider)
{
    private BroadsheetFactory App(ScriptedMailServer mail, string? username = null, string? password = null) =>
        mail.Configure(new BroadsheetFactory(provider), username, password)
            .With(SiteSettingsCache.BaseUrlKey, Sending.SiteAddress)
            .With("Email:Smtp:Connections", "3")
            .With("Email:Delivery:ClaimSize", "7")
            .With("Email:Delivery:FirstRetry", "00:00:05");

    [Fact]
    public async Task Every_recipient_gets_exactly_one_copy_over_several_connections()
    {
        await using var mail = new ScriptedMailServer();
        await using var app = App(mail);
        var issue = await Sending.ArrangeAsync(app, 60);

        var started = await Sending.StartAsync(app, issue);
        Assert.Equal(new SendStartResult(SendStartOutcome.Started, 60), started);
        var done = await Sending.WaitAsync(app, issue, p => p.Status == IssueSendStatus.Sent);

        Assert.Equal((60, 60, 0, 0), (done.Total, done.Sent, done.Failed, done.Uncertain));
        Assert.Equal(60, mail.Accepted.Count);
        Assert.All(Enumerable.Range(1, 60), i => Assert.Equal(1, mail.CopiesTo(Sending.Address(i))));
        Assert.Equal(60, mail.Accepted.Select(a => a.Message.MessageId).Distinct().Count());
        Assert.True(mail.Accepted.Select(a => a.Session).Distinct().Count() >= 2, "the messages came over one connection");
        // Connections are kept open and reused: far fewer sessions than messages.
        Assert.True(mail.Accepted.Select(a => a.Session).Distinct().Count() <= 6);
        Assert.Equal(SendStartOutcome.AlreadyStarted, (await Sending.StartAsync(app, issue)).Outcome);
    }

    [Fact]
    public async Task A_4xx_is_retried_after_its_back_off_and_then_delivered_once()
    {
        await using var mail = new ScriptedMailServer();
        var refusals = 0;
        mail.Recipients = a => a == Sending.Address(2) && Interlocked.Increment(ref refusals) == 1 ? (451, "4.7.1 Greylisted, try again later") : null;
        await using var app = App(mail);
        var issue = await Sending.ArrangeAsync(app, 5);

        await Sending.StartAsync(app, issue);
        var deferred = await Sending.WaitAsync(app, issue, p => p.Sent == 4 && p.Deferred == 1);
        Assert.Equal(IssueSendStatus.Sending, deferred.Status);
        Assert.Equal(0, mail.CopiesTo(Sending.Address(2)));

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var done = await Sending.WaitAsync(app, issue, p => p.Status == IssueSendStatus.Sent, advance: app);
        Assert.Equal((5, 0, 0), (done.Sent, done.Deferred, done.Failed));
        Assert.Equal(1, mail.CopiesTo(Sending.Address(2)));
        Assert.All(Enumerable.Range(1, 5), i => Assert.Equal(1, mail.CopiesTo(Sending.Address(i))));
    }

    [Fact]
    public async Task A_hard_bounce_fails_that_recipient_and_suppresses_its_address_only()
    {
        await using var mail = new ScriptedMailServer();
        mail.Recipients = a => a == Sending.Address(3) ? (550, "5.1.1 No such user here") : null;
        await using var app = App(mail);
        var issue = await Sending.ArrangeAsync(app, 10);

        await Sending.StartAsync(app, issue);
        var done = await Sending.WaitAsync(app, issue, p => p.Status == IssueSendStatus.Sent);

        Assert.Equal((9, 1), (done.Sent, done.Failed));
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var suppressed = await db.Suppressions.ToListAsync();
        var only = Assert.Single(suppressed);
        Assert.Equal((EmailAddresses.Hash(Sending.Address(3)), SuppressionReason.HardBounce), (only.AddressHash, only.Reason));
        var failed = await db.Deliveries.SingleAsync(d => d.Status == DeliveryStatus.Failed);
        Assert.Equal(Sending.Address(3), failed.ToAddress);
        Assert.StartsWith("550", failed.LastReply);
        // The next issue leaves the address out.
        var next = await Sending.IssueAsync(app, "Second");
        Assert.Equal(9, await scope.ServiceProvider.GetRequiredService<IssueSending>().RecipientCountAsync(next));
    }

    [Fact]
    public async Task A_refused_password_pauses_the_send_and_suppresses_nobody()
    {
        await using var mail = new ScriptedMailServer(password: "the right one");
        await using var app = App(mail, "campaign", "a wrong one");
        var issue = await Sending.ArrangeAsync(app, 8);

        await Sending.StartAsync(app, issue);
        var paused = await Sending.WaitAsync(app, issue, p => p.Status == IssueSendStatus.Paused);

        Assert.Contains("password", paused.PausedReason);
        Assert.Equal((8, 0, 0), (paused.Queued, paused.Sent, paused.Failed));
        Assert.Empty(mail.Accepted);
        await using var scope = app.Scope();
        Assert.Empty(await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Suppressions.ToListAsync());
    }

    [Fact]
    public async Task The_same_refusal_for_every_recipient_pauses_the_send_and_suppresses_nobody()
    {
        await using var mail = new ScriptedMailServer();
        mail.Recipients = _ => (550, "5.7.1 Relaying denied for this account");
        await using var app = App(mail);
        var issue = await Sending.ArrangeAsync(app, 12);

        await Sending.StartAsync(app, issue);
        var paused = await Sending.WaitAsync(app, issue, p => p.Status == IssueSendStatus.Paused);

        Assert.Contains("same answer", paused.PausedReason);
        Assert.Equal(0, paused.Failed);
        await using var scope = app.Scope();
        Assert.Empty(await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Suppressions.ToListAsync());
    }

    [Fact]
    public async Task Resend_to_the_failed_sends_again_to_them_only()
    {
        await using var mail = new ScriptedMailServer();
        var refuse = true;
        mail.Recipients = a => refuse && a == Sending.Address(4) ? (554, "5.7.1 Message refused by policy") : null;
        await using var app = App(mail);
        var issue = await Sending.ArrangeAsync(app, 6);
        await Sending.StartAsync(app, issue);
        var first = await Sending.WaitAsync(app, issue, p => p.Status == IssueSendStatus.Sent);
        Assert.Equal((5, 1), (first.Sent, first.Failed));

        refuse = false;
        await using (var scope = app.Scope())
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<IssueSending>().ResendFailedAsync(issue));
        var again = await Sending.WaitAsync(app, issue, p => p.Status == IssueSendStatus.Sent && p.Sent == 6);

        Assert.Equal(0, again.Failed);
        Assert.Equal(6, mail.Accepted.Count);
        Assert.All(Enumerable.Range(1, 6), i => Assert.Equal(1, mail.CopiesTo(Sending.Address(i))));
    }

    [Fact]
    public async Task Someone_who_left_after_the_send_began_is_skipped()
    {
        await using var mail = new ScriptedMailServer();
        await using var app = App(mail).With("Email:Smtp:PerHour", "3");
        var issue = await Sending.ArrangeAsync(app, 5);
        await Sending.StartAsync(app, issue);
        // Three per hour: the window fills, and the rest wait for the next one.
        var held = await Sending.WaitAsync(app, issue, p => p.Sent == 3);
        Assert.Equal(IssueSendStatus.Sending, held.Status);
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            var left = await db.Deliveries.Where(d => d.Status == DeliveryStatus.Queued).OrderBy(d => d.Id).Select(d => d.SubscriberId).FirstAsync();
            await db.Subscriptions.Where(s => s.SubscriberId == left).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, SubscriptionStatus.Unsubscribed));
        }
        app.Clock.Advance(TimeSpan.FromHours(1));
        var done = await Sending.WaitAsync(app, issue, p => p.Status == IssueSendStatus.Sent, advance: app);
        Assert.Equal((4, 1), (done.Sent, done.Skipped));
        Assert.Equal(4, mail.Accepted.Count);
    }

    [Fact]
    public async Task A_site_with_no_address_pauses_the_send_saying_so_and_sends_nothing()
    {
        // Every message carries links on the site's address; without one the send cannot go, and retrying cannot help.
        await using var mail = new ScriptedMailServer();
        await using var app = mail.Configure(new BroadsheetFactory(provider));
        var issue = await Sending.ArrangeAsync(app, 4);

        await Sending.StartAsync(app, issue);
        var paused = await Sending.WaitAsync(app, issue, p => p.Status == IssueSendStatus.Paused);

        Assert.Contains("address is not set", paused.PausedReason);
        Assert.Equal((4, 0), (paused.Queued, paused.Sent));
        Assert.Empty(mail.Accepted);
    }

    [Fact]
    public async Task With_no_smtp_server_the_same_engine_writes_the_messages_to_the_pickup_folder()
    {
        await using var app = new BroadsheetFactory(provider).With(SiteSettingsCache.BaseUrlKey, Sending.SiteAddress);
        var issue = await Sending.ArrangeAsync(app, 3);
        await Sending.StartAsync(app, issue);
        var done = await Sending.WaitAsync(app, issue, p => p.Status == IssueSendStatus.Sent);

        Assert.Equal(3, done.Sent);
        var files = Directory.GetFiles(Path.Combine(app.DataDirectory, "mail-pickup"), "*.eml");
        Assert.Equal(3, files.Length);
        var to = files.Select(f => MimeKit.MimeMessage.Load(f).To.Mailboxes.Single().Address).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 3).Select(Sending.Address).Order().ToList(), to);
        Assert.Contains("nobody will receive it", app.Services.GetRequiredService<MailConnections>().Destination);
        Assert.False(app.Services.GetRequiredService<IEmailSender>().IsConfigured);
    }
}

public sealed class SqliteDeliveryTests() : DeliveryTests(TestProvider.Sqlite);

public sealed class PostgresDeliveryTests() : DeliveryTests(TestProvider.Postgres);

/// <summary>Arranging a newsletter with confirmed subscribers and an issue, and watching its send.</summary>
internal static class Sending
{
    public static string Address(int i) => $"reader{i}@example.net";

    /// <summary>A newsletter with <paramref name="subscribers"/> confirmed subscribers and one published issue; the issue's id.</summary>
    /// <summary>The site's address: every issue's links are made on it, so an issue is not sent without one.</summary>
    public const string SiteAddress = "https://campaign.example.org";

    public static async Task<int> ArrangeAsync(BroadsheetFactory app, int subscribers)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var now = DateTime.UtcNow;
        var newsletter = new Newsletter { Slug = "weekly", Name = "Weekly News", FromName = "The Campaign", FromAddress = "news@example.org", CreatedAt = now };
        db.Newsletters.Add(newsletter);
        await db.SaveChangesAsync();
        for (var i = 1; i <= subscribers; i++)
        {
            var address = Address(i);
            db.Subscribers.Add(new Subscriber
            {
                Email = address, CanonicalEmail = EmailAddresses.Canonical(address), AddressHash = EmailAddresses.Hash(address), Name = $"Reader {i}",
                LinkSecret = Guid.NewGuid().ToString("N"), CreatedAt = now, UpdatedAt = now,
                Subscriptions = [new Subscription { NewsletterId = newsletter.Id, Status = SubscriptionStatus.Confirmed, CreatedAt = now, ConfirmedAt = now }],
            });
        }
        await db.SaveChangesAsync();
        return await IssueAsync(app, "First");
    }

    public static async Task<int> IssueAsync(BroadsheetFactory app, string title)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var newsletter = await db.Newsletters.SingleAsync();
        var created = await scope.ServiceProvider.GetRequiredService<NewsletterIssues>().CreateAsync(new NewIssue(newsletter.Id, title, "Hello, readers."), PostActor.Site);
        Assert.Equal(IssueCreateOutcome.Created, created.Outcome);
        return created.Issue!.Id;
    }

    public static async Task<SendStartResult> StartAsync(BroadsheetFactory app, int issue)
    {
        await using var scope = app.Scope();
        return await scope.ServiceProvider.GetRequiredService<IssueSending>().StartAsync(issue, "test");
    }

    /// <summary>Polls the issue's progress until <paramref name="until"/> holds (60 s at most); with <paramref name="advance"/>, moves its clock on a little each time, as time passing would.</summary>
    public static async Task<SendProgress> WaitAsync(BroadsheetFactory app, int issue, Func<SendProgress, bool> until, BroadsheetFactory? advance = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        SendProgress? progress = null;
        while (DateTime.UtcNow < deadline)
        {
            await using (var scope = app.Scope())
                progress = await scope.ServiceProvider.GetRequiredService<IssueSending>().ProgressAsync(issue);
            if (progress is not null && until(progress)) return progress;
            advance?.Clock.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(100);
        }
        Assert.Fail($"the send did not get there in 60 s: {progress}");
        return progress!;
    }
}
