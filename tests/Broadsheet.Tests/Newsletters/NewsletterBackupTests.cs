using System.Text.Json.Nodes;
using Broadsheet.Data;
using Broadsheet.Email;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Subscribers;
using Broadsheet.Tests.Import;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Newsletters;

/// <summary>The JSON backup's newsletter sections: a round trip keeps lists, consent and suppressions, and mailed links keep working.</summary>
public abstract class NewsletterBackupTests(TestProvider provider)
{
    private BroadsheetFactory App() => new(provider);

    /// <summary>A newsletter with an issue, two subscribers (one confirmed with consent, one who left), a suppression and a DKIM key.</summary>
    private static async Task<(int SubscriberId, int NewsletterId, string LinkSecret)> ArrangeAsync(BroadsheetFactory app)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var at = new DateTime(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);
        // An id other than 1, so a restore that renumbered would show.
        db.Newsletters.Add(new Newsletter { Slug = "old", Name = "Old", FromName = "Old", FromAddress = "old@example.org", CreatedAt = at });
        await db.SaveChangesAsync();
        var weekly = new Newsletter { Slug = "weekly", Name = "Weekly News", FromName = "Riverside", FromAddress = "news@example.org", ReplyTo = "office@example.org", CreatedAt = at };
        db.Newsletters.Add(weekly);
        await db.SaveChangesAsync();
        db.Newsletters.Remove(await db.Newsletters.SingleAsync(n => n.Slug == "old"));
        await db.SaveChangesAsync();
        Subscriber Person(string email, string? name) => new()
        {
            Email = email, CanonicalEmail = EmailAddresses.Canonical(email), AddressHash = EmailAddresses.Hash(email), Name = name,
            LinkSecret = SubscriberLinks.NewLinkSecret(), CreatedAt = at, UpdatedAt = at,
        };
        var ann = Person("Ann.Lee@example.org", "Ann Lee");
        ann.Subscriptions.Add(new Subscription { NewsletterId = weekly.Id, Status = SubscriptionStatus.Confirmed, CreatedAt = at, ConfirmedAt = at.AddHours(1) });
        var bo = Person("bo@example.net", null);
        bo.Subscriptions.Add(new Subscription { NewsletterId = weekly.Id, Status = SubscriptionStatus.Unsubscribed, CreatedAt = at, UnsubscribedAt = at.AddDays(2) });
        db.Subscribers.AddRange(Person("placeholder@example.com", null), ann, bo);
        await db.SaveChangesAsync();
        db.Subscribers.Remove(await db.Subscribers.SingleAsync(s => s.Email == "placeholder@example.com"));
        db.ConsentRecords.AddRange(
            new ConsentRecord { SubscriberId = ann.Id, NewsletterId = weekly.Id, Action = ConsentAction.Requested, Source = ConsentSource.SiteForm, Detail = "home page form", IpAddress = "192.0.2.7", At = at },
            new ConsentRecord { SubscriberId = ann.Id, NewsletterId = weekly.Id, Action = ConsentAction.Confirmed, Source = ConsentSource.Email, At = at.AddHours(1) },
            new ConsentRecord { SubscriberId = bo.Id, NewsletterId = null, Action = ConsentAction.Unsubscribed, Source = ConsentSource.Email, At = at.AddDays(2) });
        db.Suppressions.AddRange(
            new Suppression { AddressHash = bo.AddressHash, NewsletterId = Suppression.EveryNewsletter, Reason = SuppressionReason.Unsubscribed, At = at.AddDays(2) },
            new Suppression { AddressHash = EmailAddresses.Hash("gone@example.com"), NewsletterId = weekly.Id, Reason = SuppressionReason.HardBounce, Detail = "550 5.1.1 no such user", At = at });
        db.DkimKeys.Add(new DkimKey { Domain = "example.org", Selector = "bs2026", PrivateKeyPem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", CreatedAt = at });
        await db.SaveChangesAsync();
        var issue = await scope.ServiceProvider.GetRequiredService<NewsletterIssues>().CreateAsync(new NewIssue(weekly.Id, "Rent strike: week one", "We met on **Monday**.") { Subject = "Week one" }, PostActor.Site);
        Assert.Equal(IssueCreateOutcome.Created, issue.Outcome);
        await scope.ServiceProvider.GetRequiredService<MailLinkKeyCache>().GetAsync(db);
        return (ann.Id, weekly.Id, ann.LinkSecret);
    }

    [Fact]
    public async Task Newsletters_subscribers_consent_suppressions_and_keys_survive_a_round_trip_and_old_links_still_work()
    {
        await using var source = App();
        var (annId, weeklyId, secret) = await ArrangeAsync(source);
        string mac;
        await using (var scope = source.Scope())
        {
            var key = await scope.ServiceProvider.GetRequiredService<MailLinkKeyCache>().GetAsync(scope.ServiceProvider.GetRequiredService<BroadsheetDb>());
            mac = SubscriberLinks.Mac(key, SubscriberLinkPurpose.Unsubscribe, annId, weeklyId, 0, secret);
        }
        var backup = await source.BackupAsync();
        Assert.Contains("\"home page form\"", backup);
        Assert.Contains("bs2026", backup);

        await using var target = App();
        // The new site made its own link key before the restore (a first mail link): the backup's must win.
        await using (var scope = target.Scope())
            await scope.ServiceProvider.GetRequiredService<MailLinkKeyCache>().GetAsync(scope.ServiceProvider.GetRequiredService<BroadsheetDb>());
        var summary = await target.RestoreAsync(backup);

        Assert.Equal(1, summary.Newsletters);
        Assert.Equal(2, summary.Subscribers);
        Assert.Equal(backup, await target.BackupAsync());
        await using (var scope = target.Scope())
        {
            var links = scope.ServiceProvider.GetRequiredService<SubscriberLinks>();
            var found = await links.CheckAsync(SubscriberLinkPurpose.Unsubscribe, annId, weeklyId, 0, mac);
            Assert.Equal("Ann.Lee@example.org", found?.Email);

            // New rows after the restore get new ids (the sequences follow the restored ids on PostgreSQL).
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            db.Subscribers.Add(new Subscriber { Email = "new@example.org", CanonicalEmail = "new@example.org", AddressHash = EmailAddresses.Hash("new@example.org"), LinkSecret = "x", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            db.Newsletters.Add(new Newsletter { Slug = "alerts", Name = "Alerts", FromName = "R", FromAddress = "a@example.org" });
            await db.SaveChangesAsync();
            Assert.True(await db.Subscribers.MaxAsync(s => s.Id) > annId);
            var issue = await db.NewsletterIssues.Include(i => i.Post).SingleAsync();
            Assert.Equal((1, "Week one", "Rent strike: week one"), (issue.Number, issue.Subject, issue.Post!.Title));
        }
    }

    [Fact]
    public async Task A_backup_written_before_newsletters_existed_still_restores()
    {
        await using var source = App();
        await source.AddPostAsync("From before the newsletters");
        var old = JsonNode.Parse(await source.BackupAsync())!.AsObject();
        foreach (var section in new[] { "newsletters", "issues", "subscribers", "suppressions", "dkimKeys", "mailLinkKey" }) old.Remove(section);
        Assert.False(old.ContainsKey("newsletters"));

        await using var target = App();
        var summary = await target.RestoreAsync(old.ToJsonString());

        Assert.Equal(1, summary.Posts);
        Assert.Contains("From before the newsletters", await target.CreateClient().GetStringAsync("/"));
    }

    [Fact]
    public async Task A_restore_refuses_a_site_that_already_has_subscribers()
    {
        await using var source = App();
        await ArrangeAsync(source);
        var backup = await source.BackupAsync();
        var emptied = JsonNode.Parse(backup)!.AsObject();
        emptied["posts"] = new JsonArray();
        emptied["issues"] = new JsonArray();
        emptied["tags"] = new JsonArray();
        emptied["authors"] = new JsonArray();
        emptied["redirects"] = new JsonArray();
        emptied["revisions"] = new JsonArray();

        await using var target = App();
        await target.RestoreAsync(emptied.ToJsonString());
        var again = await Assert.ThrowsAsync<Broadsheet.Features.Import.ImportFailedException>(() => target.RestoreAsync(emptied.ToJsonString()));
        Assert.Contains("subscribers", again.Message);
    }
}

public sealed class SqliteNewsletterBackupTests() : NewsletterBackupTests(TestProvider.Sqlite);

public sealed class PostgresNewsletterBackupTests() : NewsletterBackupTests(TestProvider.Postgres);
