using System.CommandLine;
using System.Globalization;
using Broadsheet.Cli;
using Broadsheet.Features.Accounts;

namespace Broadsheet.Features.Api;

/// <summary>
/// <c>broadsheet key add|list|revoke</c>: Admin API keys without a browser, so a deploy script can set up
/// an integration. The same <see cref="ApiKeyService"/> as /admin/api-keys. <c>key add</c> writes the new
/// key, and nothing else, to standard output (<c>KEY=$(broadsheet key add ci)</c>); what it did goes to
/// standard error. The secret is shown that once; <c>key list</c> never shows it.
/// </summary>
public static class KeyCommand
{
    public static Command Create()
    {
        var key = new Command("key", "Manage Admin API keys (the same keys as /admin/api-keys)");
        key.Subcommands.Add(Add());
        key.Subcommands.Add(List());
        key.Subcommands.Add(Revoke());
        return key;
    }

    private static Command Add()
    {
        var name = new Argument<string>("name") { Description = "What the key is for, such as the integration that will use it" };
        var role = new Option<string>("--role")
        {
            Description = $"What the key may do: {string.Join(" or ", ApiKeyRoles.All.Select(r => r.ToLowerInvariant()))} (an administrator key may also change the site's settings)",
            DefaultValueFactory = _ => Roles.Editor.ToLowerInvariant(),
        };
        var add = new Command("add", "Create a key and print it once on standard output") { name, role };
        add.SetAction(async (parsed, ct) =>
        {
            var roleName = ApiKeyRoles.All.FirstOrDefault(r => r.Equals(parsed.GetValue(role), StringComparison.OrdinalIgnoreCase));
            if (roleName is null)
            {
                await Console.Error.WriteLineAsync($"Unknown role '{parsed.GetValue(role)}'. An API key is one of: {string.Join(", ", ApiKeyRoles.All.Select(r => r.ToLowerInvariant()))}.");
                return 2;
            }
            if (ApiKeyService.NameProblem(parsed.GetValue(name)!) is { } problem)
            {
                await Console.Error.WriteLineAsync(problem);
                return 2;
            }
            return await CommandLine.InScopeAsync(parsed, async services =>
            {
                // No person made it: CreatedByUserId stays empty, as the admin page shows for such keys.
                var (created, fullKey) = await services.GetRequiredService<ApiKeyService>().CreateAsync(parsed.GetValue(name)!, roleName, null, ct);
                await Console.Error.WriteLineAsync($"Created {roleName} key \"{created.Name}\" (id {created.Id}). It is shown this once: store it now.");
                Console.WriteLine(fullKey);
                return 0;
            }, ct);
        });
        return add;
    }

    private static Command List()
    {
        var list = new Command("list", "List the keys: id, name, role, created, last used (never the secret)");
        list.SetAction((parsed, ct) => CommandLine.InScopeAsync(parsed, async services =>
        {
            var keys = await services.GetRequiredService<ApiKeyService>().ListAsync(ct);
            if (keys.Count == 0)
            {
                await Console.Error.WriteLineAsync("No API keys. Make one with: broadsheet key add NAME");
                return 0;
            }
            string[][] rows =
            [
                ["ID", "NAME", "ROLE", "CREATED (UTC)", "LAST USED (UTC)", "STATUS"],
                .. keys.Select(k => new[]
                {
                    k.Id.ToString(CultureInfo.InvariantCulture), k.Name, k.Role, When(k.CreatedAt), k.LastUsedAt is { } used ? When(used) : "never",
                    k.RevokedAt is { } revoked ? "revoked " + When(revoked) : "active",
                }),
            ];
            var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
            foreach (var row in rows)
                Console.WriteLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))));
            return 0;
        }, ct));
        return list;
    }

    private static Command Revoke()
    {
        var which = new Argument<string>("key") { Description = "The key's id (a number, as key list shows it) or its name" };
        var revoke = new Command("revoke", "Revoke a key for good: programs using it are refused from then on") { which };
        revoke.SetAction((parsed, ct) => CommandLine.InScopeAsync(parsed, async services =>
        {
            var keys = services.GetRequiredService<ApiKeyService>();
            var given = parsed.GetValue(which)!.Trim();
            var all = await keys.ListAsync(ct);
            // A number is an id; anything else names a key that still works (a revoked key's name may be reused).
            var byId = int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var id);
            var matches = byId
                ? all.Where(k => k.Id == id).ToList()
                : all.Where(k => k.RevokedAt is null && string.Equals(k.Name, given, StringComparison.Ordinal)).ToList();
            switch (matches)
            {
                case []:
                    await Console.Error.WriteLineAsync($"No {(byId ? "API key with id" : "active API key named")} '{given}'. See: broadsheet key list");
                    return 1;
                case [{ RevokedAt: { } revoked } key]:
                    await Console.Error.WriteLineAsync($"Key \"{key.Name}\" (id {key.Id}) was already revoked on {When(revoked)} UTC.");
                    return 0;
                case [var key]:
                    await keys.RevokeAsync(key.Id, ct);
                    await Console.Error.WriteLineAsync($"Revoked key \"{key.Name}\" (id {key.Id}). Programs using it can no longer reach the Admin API.");
                    return 0;
                default:
                    await Console.Error.WriteLineAsync($"{matches.Count} active keys are named '{given}' (ids {string.Join(", ", matches.Select(k => k.Id))}); revoke one by its id.");
                    return 1;
            }
        }, ct));
        return revoke;
    }

    private static string When(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
