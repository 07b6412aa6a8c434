using System.CommandLine;
using System.Globalization;
using Broadsheet.Cli;
using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Email;

/// <summary>
/// <c>broadsheet dkim generate DOMAIN SELECTOR</c> and <c>broadsheet dkim list</c>: the keys that sign mail from a
/// domain (<see cref="MessageSigning"/>). <c>generate</c> stores a new key and writes the DNS TXT record to publish on
/// standard output, its name on the first line and its value on the second, so a script can read them; what to do
/// with them goes to standard error. The newest active key of a domain signs, so publish the record first.
/// </summary>
public static class DkimCommand
{
    public static Command Create()
    {
        var dkim = new Command("dkim", "Manage the DKIM keys that sign outgoing mail");
        dkim.Subcommands.Add(Generate());
        dkim.Subcommands.Add(List());
        return dkim;
    }

    private static Command Generate()
    {
        var domain = new Argument<string>("domain") { Description = "The domain of the From: address, such as campaign.example.org" };
        var selector = new Argument<string>("selector") { Description = "A name for this key, such as broadsheet2026 (a new one for each new key)" };
        var generate = new Command("generate", "Make a 2048-bit RSA key for a domain and print the DNS TXT record to publish") { domain, selector };
        generate.SetAction(async (parsed, ct) =>
        {
            var cleanDomain = DkimKeys.CleanDomain(parsed.GetValue(domain)!, out var domainProblem);
            var cleanSelector = DkimKeys.CleanSelector(parsed.GetValue(selector)!, out var selectorProblem);
            if (cleanDomain is null || cleanSelector is null)
            {
                await Console.Error.WriteLineAsync(domainProblem ?? selectorProblem);
                return 2;
            }
            return await CommandLine.InScopeAsync(parsed, async services =>
            {
                var db = services.GetRequiredService<BroadsheetDb>();
                if (await db.DkimKeys.AnyAsync(k => k.Domain == cleanDomain && k.Selector == cleanSelector, ct))
                {
                    await Console.Error.WriteLineAsync($"{cleanSelector}._domainkey.{cleanDomain} already has a key: choose a new selector (see broadsheet dkim list).");
                    return 1;
                }
                var key = DkimKeys.Generate(cleanDomain, cleanSelector, services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
                db.DkimKeys.Add(key);
                await db.SaveChangesAsync(ct);
                var name = DkimKeys.RecordName(key);
                var value = DkimKeys.RecordValue(key);
                Console.WriteLine(name);
                Console.WriteLine(value);
                await Console.Error.WriteLineAsync(
                    $"Stored a new DKIM key for {key.Domain} (selector {key.Selector}); mail from @{key.Domain} is signed with it from the next batch on. "
                    + $"Publish a TXT record named {name} with the value above (in a zone file, split it into quoted strings of at most 255 characters).");
                return 0;
            }, ct);
        });
        return generate;
    }

    private static Command List()
    {
        var list = new Command("list", "List the DKIM keys: domain, selector, created, status, and the DNS name each is published under");
        list.SetAction((parsed, ct) => CommandLine.InScopeAsync(parsed, async services =>
        {
            var keys = await services.GetRequiredService<BroadsheetDb>().DkimKeys.AsNoTracking()
                .OrderBy(k => k.Domain).ThenByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id).ToListAsync(ct);
            if (keys.Count == 0)
            {
                await Console.Error.WriteLineAsync("No DKIM keys, so mail goes out unsigned. Make one with: broadsheet dkim generate DOMAIN SELECTOR");
                return 0;
            }
            // The same rule as MessageSigning: a domain's newest active key signs.
            var signing = keys.Where(k => k.Active).GroupBy(k => k.Domain).Select(g => g.First().Id).ToHashSet();
            string[][] rows =
            [
                ["DOMAIN", "SELECTOR", "CREATED (UTC)", "STATUS", "DNS NAME"],
                .. keys.Select(k => new[]
                {
                    k.Domain, k.Selector, k.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                    signing.Contains(k.Id) ? "signing" : k.Active ? "active" : "inactive", DkimKeys.RecordName(k),
                }),
            ];
            var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
            foreach (var row in rows)
                Console.WriteLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))));
            return 0;
        }, ct));
        return list;
    }
}
