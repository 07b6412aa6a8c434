using System.CommandLine;
using System.Globalization;
using Broadsheet.Cli;
using Broadsheet.Data;
using Broadsheet.Data.WorkQueue;
using Broadsheet.Email;
using Broadsheet.Features.Posts;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;

namespace Broadsheet.Features.Newsletters;

/// <summary>
/// <c>broadsheet newsletter add SLUG --name NAME --from "Name &lt;address&gt;"</c>,
/// <c>broadsheet newsletter send SLUG --subject TEXT --body FILE.md [--run]</c> (prints the issue's number; queues the
/// send through <see cref="IssueSending"/>; with <c>--run</c> runs the queued work here until nothing is due) and
/// <c>broadsheet deliveries status [NUMBER] [--newsletter SLUG] [--wait]</c>.
/// </summary>
internal static class NewsletterCommands
{
    public static Command Newsletter()
    {
        var newsletter = new Command("newsletter", "Make newsletters and send their issues");
        newsletter.Subcommands.Add(Add());
        newsletter.Subcommands.Add(Send());
        return newsletter;
    }

    private static Command Add()
    {
        var slug = new Argument<string>("SLUG") { Description = "Its address: /newsletters/SLUG" };
        var name = new Option<string>("--name") { Description = "Its name (\"Weekly News\")", Required = true };
        var from = new Option<string>("--from") { Description = "The sender, \"Name <address>\" or an address", Required = true };
        var replyTo = new Option<string?>("--reply-to") { Description = "Where replies go, when not to the sender" };
        var description = new Option<string?>("--description") { Description = "A line shown beside the subscribe form" };
        var command = new Command("add", "Make a newsletter") { slug, name, from, replyTo, description };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            if (NewsletterEdits.ParseFrom(parsed.GetRequiredValue(from)) is not { } sender)
            {
                await Console.Error.WriteLineAsync($"--from: '{parsed.GetRequiredValue(from)}' is not \"Name <address>\" or an email address.");
                return 2;
            }
            return await CommandLine.InScopeAsync(parsed, async services =>
            {
                var db = services.GetRequiredService<BroadsheetDb>();
                var newsletter = new Newsletter { Slug = "", Name = "", FromName = "", FromAddress = "", CreatedAt = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime };
                var input = new NewsletterInput(Slug: parsed.GetRequiredValue(slug), Name: parsed.GetRequiredValue(name), FromName: sender.Name, FromAddress: sender.Address,
                    ReplyTo: parsed.GetValue(replyTo), Description: parsed.GetValue(description));
                var errors = await NewsletterEdits.ApplyAsync(db, newsletter, input, creating: true, cancellationToken);
                if (errors.Count > 0)
                {
                    foreach (var (field, messages) in errors) await Console.Error.WriteLineAsync($"{field}: {string.Join(" ", messages)}");
                    return 1;
                }
                db.Newsletters.Add(newsletter);
                await db.SaveChangesAsync(cancellationToken);
                Console.Out.WriteLine($"Newsletter '{newsletter.Slug}' ({newsletter.Name}) made, from {newsletter.FromName} <{newsletter.FromAddress}>.");
                return 0;
            }, cancellationToken);
        });
        return command;
    }

    private static Command Send()
    {
        var slug = new Argument<string>("SLUG") { Description = "The newsletter's slug" };
        var subject = new Option<string>("--subject") { Description = "The email's subject, and the issue's title", Required = true };
        var body = new Option<FileInfo>("--body") { Description = "A Markdown file: the issue's words", Required = true };
        var title = new Option<string?>("--title") { Description = "The web page's title, when not the subject" };
        var run = new Option<bool>("--run") { Description = "Send here and now, until nothing is left to send now (for a site with no server running)" };
        var command = new Command("send", "Publish a new issue of a newsletter and send it to its confirmed subscribers; prints the issue's number") { slug, subject, body, title, run };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var file = parsed.GetRequiredValue(body);
            if (!file.Exists)
            {
                await Console.Error.WriteLineAsync($"{file.FullName}: no such file");
                return 1;
            }
            var text = await File.ReadAllTextAsync(file.FullName, cancellationToken);
            return await CommandLine.InScopeAsync(parsed, async services =>
            {
                var db = services.GetRequiredService<BroadsheetDb>();
                var name = parsed.GetRequiredValue(slug);
                if (await db.Newsletters.AsNoTracking().FirstOrDefaultAsync(n => n.Slug == name, cancellationToken) is not { } newsletter)
                {
                    await Console.Error.WriteLineAsync($"There is no newsletter '{name}' (see broadsheet newsletter add).");
                    return 1;
                }
                var created = await services.GetRequiredService<NewsletterIssues>().CreateAsync(
                    new NewIssue(newsletter.Id, parsed.GetValue(title) ?? parsed.GetRequiredValue(subject), text) { Subject = parsed.GetRequiredValue(subject) },
                    PostActor.Site, cancellationToken);
                if (created.Outcome != IssueCreateOutcome.Created)
                {
                    var why = created.Errors is { } errors ? string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")) : created.Outcome.ToString();
                    await Console.Error.WriteLineAsync($"The issue was not made. {why}");
                    return 1;
                }
                var issue = created.Issue!;
                // The work the send queues is every item queued after this one.
                var before = await db.WorkItems.MaxAsync(w => (long?)w.Id, cancellationToken) ?? 0;
                var started = await services.GetRequiredService<IssueSending>().StartAsync(issue.Id, "cli", cancellationToken);
                Console.Out.WriteLine(issue.Number.ToString(CultureInfo.InvariantCulture));
                if (started.Outcome != SendStartOutcome.Started)
                {
                    await Console.Error.WriteLineAsync($"Issue {issue.Number} is published on the web but not sent: {DeliveryCommands.Explain(started.Outcome)}");
                    return 1;
                }
                await Console.Error.WriteLineAsync($"Issue {issue.Number} of {newsletter.Slug}: {started.Recipients} recipients queued.{(parsed.GetValue(run) ? "" : " A running Broadsheet server sends it; to send it here instead, add --run. Follow it with: broadsheet deliveries status " + issue.Number + " --newsletter " + newsletter.Slug + " --wait")}");
                if (!parsed.GetValue(run)) return 0;
                await RunQueuedAsync(services, before, cancellationToken);
                return await DeliveryCommands.PrintAsync(services, [issue.Id], wait: false, cancellationToken);
            }, cancellationToken);
        });
        return command;
    }

    /// <summary>
    /// Runs here every work item queued after <paramref name="after"/> (the send's batches, and whatever they queue in turn)
    /// that is due within a minute; later retries (deferred deliveries) are left to a server.
    /// </summary>
    internal static async Task RunQueuedAsync(IServiceProvider services, long after, CancellationToken cancellationToken)
    {
        var runner = services.GetRequiredService<WorkQueueRunner>();
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        var clock = services.GetRequiredService<TimeProvider>();
        while (true)
        {
            List<long> due;
            await using (var scope = scopes.CreateAsyncScope())
            {
                var horizon = clock.GetUtcNow().UtcDateTime.AddMinutes(1);
                due = await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().WorkItems.AsNoTracking()
                    .Where(w => w.Id > after && (w.State == WorkState.Queued || w.State == WorkState.Running) && w.RunAfter <= horizon)
                    .OrderBy(w => w.Priority).ThenBy(w => w.Id).Select(w => w.Id).ToListAsync(cancellationToken);
            }
            if (due.Count == 0) return;
            foreach (var id in due) await runner.RunToEndAsync(id, cancellationToken);
        }
    }
}

/// <summary><c>broadsheet deliveries status [NUMBER] [--newsletter SLUG] [--wait]</c>: an issue's sending progress.</summary>
internal static class DeliveryCommands
{
    public static Command Create()
    {
        var deliveries = new Command("deliveries", "Follow the sending of newsletter issues");
        var number = new Argument<int?>("NUMBER") { Description = "The issue's number (default: every issue sending or paused, else the last one sent)", Arity = ArgumentArity.ZeroOrOne };
        var newsletter = new Option<string?>("--newsletter") { Description = "The newsletter's slug (needed with NUMBER when the site has several)" };
        var wait = new Option<bool>("--wait") { Description = "Keep watching until sending ends (a progress bar on a terminal)" };
        var status = new Command("status", "Show how far an issue's sending is: queued, sent, failed, deferred, rate, time left") { number, newsletter, wait };
        status.SetAction((parsed, cancellationToken) => CommandLine.InScopeAsync(parsed, async services =>
        {
            var db = services.GetRequiredService<BroadsheetDb>();
            var slug = parsed.GetValue(newsletter);
            var issues = db.NewsletterIssues.AsNoTracking().AsQueryable();
            if (slug is not null)
            {
                if (!await db.Newsletters.AnyAsync(n => n.Slug == slug, cancellationToken))
                {
                    await Console.Error.WriteLineAsync($"There is no newsletter '{slug}'.");
                    return 1;
                }
                issues = issues.Where(i => i.Newsletter!.Slug == slug);
            }
            List<int> ids;
            if (parsed.GetValue(number) is { } n)
            {
                ids = await issues.Where(i => i.Number == n).Select(i => i.Id).ToListAsync(cancellationToken);
                if (ids.Count > 1)
                {
                    await Console.Error.WriteLineAsync($"Several newsletters have an issue {n}: say which with --newsletter SLUG.");
                    return 2;
                }
            }
            else
            {
                ids = await issues.Where(i => i.SendStatus == IssueSendStatus.Sending || i.SendStatus == IssueSendStatus.Paused).OrderBy(i => i.Id).Select(i => i.Id).ToListAsync(cancellationToken);
                if (ids.Count == 0)
                    ids = await issues.Where(i => i.SendRequestedAt != null).OrderByDescending(i => i.SendRequestedAt).ThenByDescending(i => i.Id).Select(i => i.Id).Take(1).ToListAsync(cancellationToken);
            }
            if (ids.Count == 0)
            {
                await Console.Error.WriteLineAsync(parsed.GetValue(number) is { } missing ? $"There is no issue {missing}{(slug is null ? "" : " of " + slug)}." : "No issue has been sent yet.");
                return 1;
            }
            return await PrintAsync(services, ids, parsed.GetValue(wait), cancellationToken);
        }, cancellationToken));
        deliveries.Subcommands.Add(status);
        return deliveries;
    }

    /// <summary>Prints each issue's progress once, or with <paramref name="wait"/> until none is sending. Exit 1 when one ended paused.</summary>
    internal static async Task<int> PrintAsync(IServiceProvider services, IReadOnlyList<int> issueIds, bool wait, CancellationToken cancellationToken)
    {
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        async Task<List<(string Label, SendProgress Progress)>> ReadAsync()
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            var sending = scope.ServiceProvider.GetRequiredService<IssueSending>();
            var labels = await db.NewsletterIssues.AsNoTracking().Where(i => issueIds.Contains(i.Id))
                .Select(i => new { i.Id, i.Number, i.Newsletter!.Slug }).ToDictionaryAsync(i => i.Id, i => $"{i.Slug} #{i.Number}", cancellationToken);
            var list = new List<(string, SendProgress)>();
            foreach (var id in issueIds)
                if (await sending.ProgressAsync(id, cancellationToken) is { } progress) list.Add((labels.GetValueOrDefault(id, $"issue {id}"), progress));
            return list;
        }
        static bool Active(SendProgress p) => p.Status == IssueSendStatus.Sending;

        var current = await ReadAsync();
        if (wait && current.Any(c => Active(c.Progress)))
        {
            if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
            {
                var last = new Dictionary<string, int>();
                while (current.Any(c => Active(c.Progress)))
                {
                    foreach (var (label, p) in current)
                    {
                        var tenth = p.Total == 0 ? 10 : Done(p) * 10 / p.Total;
                        if (last.TryGetValue(label, out var seen) && seen == tenth) continue;
                        last[label] = tenth;
                        Console.Out.WriteLine(Line(label, p));
                    }
                    await Task.Delay(1000, cancellationToken);
                    current = await ReadAsync();
                }
            }
            else
            {
                await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async context =>
                    {
                        var tasks = current.ToDictionary(c => c.Label, c => context.AddTask(c.Label, maxValue: Math.Max(1, c.Progress.Total)));
                        while (true)
                        {
                            foreach (var (label, p) in current)
                            {
                                var task = tasks[label];
                                task.MaxValue = Math.Max(1, p.Total);
                                task.Value = Done(p);
                                task.Description = Markup.Escape($"{label}: {p.Sent} sent, {p.Failed} failed, {p.Deferred} deferred");
                            }
                            if (!current.Any(c => Active(c.Progress))) break;
                            await Task.Delay(500, cancellationToken);
                            current = await ReadAsync();
                        }
                    });
            }
        }
        foreach (var (label, p) in current)
        {
            Console.Out.WriteLine(Line(label, p));
            if (p.PausedReason is { Length: > 0 } reason && p.Status == IssueSendStatus.Paused) Console.Out.WriteLine($"  paused: {reason}");
        }
        return wait && current.Any(c => c.Progress.Status == IssueSendStatus.Paused) ? 1 : 0;
    }

    private static int Done(SendProgress p) => p.Sent + p.Failed + p.Skipped + p.Cancelled;

    /// <summary>One plain line: what a script greps and a person reads.</summary>
    internal static string Line(string label, SendProgress p)
    {
        var rate = p.MessagesPerSecond is { } r ? string.Create(CultureInfo.InvariantCulture, $", {r:0.#} msg/s") : "";
        var left = p.TimeLeft is { } t && p.Status == IssueSendStatus.Sending ? $", about {(t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture))} left" : "";
        var uncertain = p.Uncertain > 0 ? $", {p.Uncertain} uncertain (a node stopped mid-send; they may have had two copies)" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{label}: {p.Status.ToString().ToLowerInvariant()}: {Done(p)}/{p.Total} done; sent {p.Sent}, failed {p.Failed}, deferred {p.Deferred}, queued {p.Queued + p.InFlight}, skipped {p.Skipped}, cancelled {p.Cancelled}{uncertain}{rate}{left}");
    }

    internal static string Explain(SendStartOutcome outcome) => outcome switch
    {
        SendStartOutcome.NotFound => "there is no such issue.",
        SendStartOutcome.AlreadyStarted => "it was sent (or is sending) already.",
        SendStartOutcome.NotPublished => "its web page is not published; an issue is mailed with the page it links to.",
        SendStartOutcome.NoRecipients => "no confirmed subscriber would receive it.",
        _ => outcome.ToString(),
    };
}
