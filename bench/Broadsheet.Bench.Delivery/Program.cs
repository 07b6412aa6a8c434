// bench/delivery.sh's helper.
//   arrange DATA COUNT     a newsletter with COUNT confirmed subscribers and one ~12 KB issue, its send started
//                          through IssueSending.StartAsync (prints delivery_start_s: the one INSERT … SELECT)
//   reference HOST PORT COUNT CONNECTIONS
//                          bare MailKit over CONNECTIONS reused connections (TCP_NODELAY) sending COUNT personalised
//                          messages of the same size: the ceiling the engine is measured against
using System.Diagnostics;
using System.Net.Sockets;
using Broadsheet.Data;
using Broadsheet.Email;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Subscribers;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using MimeKit;

var body = string.Concat(Enumerable.Repeat("Campaign news for this week: the council meets on Thursday, and the petition passed 4,000 names. ", 120));

switch (args.FirstOrDefault())
{
    case "arrange":
    {
        var data = args[1];
        var count = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        // --data is the CLI's option; BuildApp takes the setting it sets.
        var app = Broadsheet.Program.BuildApp([$"--{DataDirectory.ConfigurationKey}={Path.GetFullPath(data)}", "--Broadsheet:DemoContent=false"]);
        await DatabaseSetup.MigrateAsync(app.Services);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var now = DateTime.UtcNow;
        var newsletter = new Newsletter { Slug = "weekly", Name = "Weekly News", FromName = "The Campaign", FromAddress = "news@example.org", CreatedAt = now };
        db.Newsletters.Add(newsletter);
        await db.SaveChangesAsync();
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        for (var i = 1; i <= count; i++)
        {
            var address = $"reader{i}@example.net";
            db.Subscribers.Add(new Subscriber
            {
                Email = address, CanonicalEmail = address, AddressHash = EmailAddresses.Hash(address), Name = $"Reader {i}",
                LinkSecret = Guid.NewGuid().ToString("N"), CreatedAt = now, UpdatedAt = now,
                Subscriptions = [new Subscription { NewsletterId = newsletter.Id, Status = SubscriptionStatus.Confirmed, CreatedAt = now, ConfirmedAt = now }],
            });
            if (i % 5000 == 0)
            {
                await db.SaveChangesAsync();
                db.ChangeTracker.Clear();
            }
        }
        await db.SaveChangesAsync();
        var issue = await scope.ServiceProvider.GetRequiredService<NewsletterIssues>().CreateAsync(new NewIssue(newsletter.Id, "This week", body), PostActor.Site);
        var watch = Stopwatch.StartNew();
        var started = await scope.ServiceProvider.GetRequiredService<IssueSending>().StartAsync(issue.Issue!.Id, "bench");
        Console.WriteLine($"delivery_start_s {watch.Elapsed.TotalSeconds:0.00} s");
        if (started.Recipients != count) throw new InvalidOperationException($"{started}");
        break;
    }
    case "reference":
    {
        var (host, port, count, connections) = (args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture));
        var next = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            using var client = new SmtpClient();
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(host, port);
            await client.ConnectAsync(socket, host, port, SecureSocketOptions.None);
            int i;
            while ((i = Interlocked.Increment(ref next)) <= count)
            {
                var message = new MimeMessage { Subject = "This week" };
                message.From.Add(new MailboxAddress("The Campaign", "news@example.org"));
                message.To.Add(new MailboxAddress($"Reader {i}", $"reader{i}@example.net"));
                message.MessageId = $"{i}.{Guid.NewGuid():N}@example.org";
                message.Body = new TextPart("plain") { Text = body };
                await client.SendAsync(message);
            }
            await client.DisconnectAsync(true);
        }));
        Console.WriteLine($"reference_mailkit_msgs_per_s {count / watch.Elapsed.TotalSeconds:0} msgs/s");
        break;
    }
    case "scalar":
    {
        // Debian's python3 links an SQLite too old for the site's schema; this one is the app's own.
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(args[1], "broadsheet.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = args[2];
        Console.WriteLine(Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        break;
    }
    case "rate":
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(args[1], "broadsheet.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT COUNT(*), MIN("SentAt"), MAX("SentAt") FROM "Deliveries" WHERE "Status" = 2""";
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (n, first, last) = (reader.GetInt64(0), DateTime.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture), DateTime.Parse(reader.GetString(2), System.Globalization.CultureInfo.InvariantCulture));
        Console.WriteLine($"delivery_msgs_per_s {(n - 1) / (last - first).TotalSeconds:0} msgs/s");
        Console.WriteLine($"delivery_sent {n} msgs");
        break;
    }
    default:
        Console.Error.WriteLine("usage: arrange DATA COUNT | reference HOST PORT COUNT CONNECTIONS | scalar DATA SQL | rate DATA");
        return 2;
}
return 0;
