using System.CommandLine;
using Broadsheet.Cli;

namespace Broadsheet.Features.Accounts;

/// <summary>
/// <c>broadsheet user add EMAIL --role owner [--name NAME]</c>: makes an account without the web,
/// typically the first Owner. The password is the first line of standard input when one is piped in;
/// otherwise one is generated and printed once.
/// </summary>
public static class UserCommand
{
    public static Command Create()
    {
        var email = new Argument<string>("email") { Description = "The sign-in email address" };
        var role = new Option<string>("--role")
        {
            Description = $"One of: {string.Join(", ", Roles.All.Select(r => r.ToLowerInvariant()))}",
            DefaultValueFactory = _ => "contributor",
        };
        var name = new Option<string>("--name") { Description = "Display name (default: the part of the address before @)" };
        var add = new Command("add", "Create an account. Pipe a password on standard input, or one is generated and printed once.")
        {
            email, role, name,
        };
        add.SetAction(async (parseResult, ct) =>
        {
            var roleName = Roles.All.FirstOrDefault(r => r.Equals(parseResult.GetValue(role), StringComparison.OrdinalIgnoreCase));
            if (roleName is null)
            {
                await Console.Error.WriteLineAsync($"Unknown role '{parseResult.GetValue(role)}'. Roles: {string.Join(", ", Roles.All)}.");
                return 2;
            }
            // A piped first line is the password; no input (a terminal, or empty) means generate one.
            string? password = null;
            if (Console.IsInputRedirected)
            {
                password = (await Console.In.ReadLineAsync(ct))?.TrimEnd('\r', '\n');
                if (string.IsNullOrEmpty(password)) password = null;
            }
            var generated = password is null;
            password ??= AccountService.GeneratePassword();

            return await CommandLine.InScopeAsync(parseResult, async services =>
            {
                var accounts = services.GetRequiredService<AccountService>();
                var (user, errors) = await accounts.CreateAsync(parseResult.GetValue(email)!, parseResult.GetValue(name) ?? "", roleName, password);
                if (user is null)
                {
                    foreach (var error in errors) await Console.Error.WriteLineAsync(error);
                    return 1;
                }
                Console.WriteLine($"Created {roleName} {user.Email}.");
                if (generated) Console.WriteLine($"Password (shown once): {password}");
                return 0;
            }, ct);
        });
        return new Command("user", "Manage admin accounts") { add };
    }
}
