// bench/delivery.sh's helper.
//   arrange DATA COUNT     a newsletter with COUNT confirmed subscribers and one ~12 KB issue, its send started
//                          through IssueSending.StartAsync (prints delivery_start_s: the one INSERT … SELECT)
//   reference HOST PORT COUNT CONNECTIONS [DATA]
//                          bare MailKit over CONNECTIONS reused connections (TCP_NODELAY) sending COUNT personalised
//                          messages of the same size: the ceiling the engine is measured against. With DATA, each
//                          message is DKIM-signed first with that site's key (the app's own signer, .NET's RSA)
//   confirm-links DATA COUNT FILE
//                          COUNT more subscribers with a pending subscription to the newsletter; their confirmation
//                          links (path and query, as mailed) written to FILE, one a line
//   confirm-load BASEURL FILE CONCURRENCY METRIC
//                          clicks every link of FILE as a reader does (GET the page, POST its one button with the page's
//                          antiforgery token), CONCURRENCY readers at once; prints METRIC_p50_ms and METRIC_p99_ms of the
//                          POSTs, and how many did not say "confirmed"
using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
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
        var signing = new MessageSigning();
        if (args.Length > 5)
        {
            var site = Broadsheet.Program.BuildApp([$"--{DataDirectory.ConfigurationKey}={Path.GetFullPath(args[5])}", "--Broadsheet:DemoContent=false"]);
            await using var keyScope = site.Services.CreateAsyncScope();
            await signing.LoadAsync(keyScope.ServiceProvider.GetRequiredService<BroadsheetDb>());
            if (!signing.HasKeyFor("example.org")) throw new InvalidOperationException("No DKIM key for example.org in " + args[5]);
        }
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
                signing.Sign(message);
                await client.SendAsync(message);
            }
            await client.DisconnectAsync(true);
        }));
        var metric = args.Length > 5 ? "reference_mailkit_dkim_msgs_per_s" : "reference_mailkit_msgs_per_s";
        Console.WriteLine($"{metric} {count / watch.Elapsed.TotalSeconds:0} msgs/s");
        break;
    }
    case "confirm-links":
    {
        var (data, count, file) = (args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), args[3]);
        var app = Broadsheet.Program.BuildApp([$"--{DataDirectory.ConfigurationKey}={Path.GetFullPath(data)}", "--Broadsheet:DemoContent=false"]);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var newsletter = await db.Newsletters.SingleAsync(n => n.Slug == "weekly");
        var now = DateTime.UtcNow;
        var added = new List<Subscriber>();
        for (var i = 1; i <= count; i++)
        {
            var address = $"clicker{i}.{Guid.NewGuid():N}@example.net";
            var subscriber = new Subscriber
            {
                Email = address, CanonicalEmail = address, AddressHash = EmailAddresses.Hash(address),
                LinkSecret = SubscriberLinks.NewLinkSecret(), CreatedAt = now, UpdatedAt = now, ConfirmationSentAt = now,
                Subscriptions = [new Subscription { NewsletterId = newsletter.Id, Status = SubscriptionStatus.Pending, CreatedAt = now }],
            };
            db.Subscribers.Add(subscriber);
            added.Add(subscriber);
        }
        await db.SaveChangesAsync();
        // The link exactly as the confirmation mail carries it (SubscriberLinks.ConfirmUrlAsync), without the site's address.
        var key = await scope.ServiceProvider.GetRequiredService<MailLinkKeyCache>().GetAsync(db);
        var day = now.Ticks / TimeSpan.TicksPerDay;
        await File.WriteAllLinesAsync(file, added.Select(s => FormattableString.Invariant(
            $"/subscribe/confirm?s={s.Id}&d={day}&t={SubscriberLinks.Mac(key, SubscriberLinkPurpose.Confirm, s.Id, 0, day, s.LinkSecret)}")));
        break;
    }
    case "confirm-load":
    {
        var (baseUrl, links, concurrency, metric) = (new Uri(args[1]), await File.ReadAllLinesAsync(args[2]),
            int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), args[4]);
        // The page's antiforgery field, whichever order the tag helper writes its attributes in.
        var field = new Regex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*>");
        var value = new Regex("value=\"([^\"]+)\"");
        var times = new System.Collections.Concurrent.ConcurrentBag<double>();
        var unconfirmed = 0;
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < links.Length)
            {
                // A reader's own browser: a cookie jar of its own, so the antiforgery cookie is theirs.
                using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = baseUrl };
                var page = await client.GetStringAsync(links[i]);
                var token = value.Match(field.Match(page).Value).Groups[1].Value;
                using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", WebUtility.HtmlDecode(token))]);
                var watch = Stopwatch.StartNew();
                using var answer = await client.PostAsync(links[i], form);
                var text = await answer.Content.ReadAsStringAsync();
                times.Add(watch.Elapsed.TotalMilliseconds);
                if (answer.StatusCode != HttpStatusCode.OK || !text.Contains("confirmed", StringComparison.OrdinalIgnoreCase)) Interlocked.Increment(ref unconfirmed);
            }
        }));
        var sorted = times.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        Console.WriteLine($"{metric}_p50_ms {At(0.50):0.0} ms");
        Console.WriteLine($"{metric}_p99_ms {At(0.99):0.0} ms");
        Console.WriteLine($"{metric}_not_confirmed {unconfirmed} clicks");
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
        Console.Error.WriteLine("usage: arrange DATA COUNT | reference HOST PORT COUNT CONNECTIONS [DATA] | confirm-links DATA COUNT FILE | confirm-load BASEURL FILE CONCURRENCY METRIC | scalar DATA SQL | rate DATA");
        return 2;
}
return 0;
