using System.Diagnostics;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Admin;

/// <summary><c>broadsheet user add</c>, run as a process the way an operator runs it.</summary>
public sealed class UserCommandTests
{
    private static async Task<(int Exit, string Out, string Error)> RunAsync(string dataDirectory, string? input, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["exec", typeof(Program).Assembly.Location, "--data", dataDirectory, .. args]) start.ArgumentList.Add(a);
        start.Environment["Broadsheet__DemoContent"] = "false";
        using var process = Process.Start(start)!;
        if (input is not null) await process.StandardInput.WriteLineAsync(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task The_first_owner_comes_from_the_command_line_and_a_second_is_refused()
    {
        await using var app = new BroadsheetFactory();
        _ = app.Services; // the app's database exists

        var made = await RunAsync(app.DataDirectory, "piped in passphrase", "user", "add", "boss@example.org", "--role", "owner");
        Assert.True(made.Exit == 0, made.Error);
        Assert.DoesNotContain("piped in passphrase", made.Out);
        var client = await app.SignInAsync("boss@example.org", "piped in passphrase");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/admin/users")).StatusCode);

        var second = await RunAsync(app.DataDirectory, "another passphrase", "user", "add", "usurper@example.org", "--role", "owner");
        Assert.Equal(1, second.Exit);
        Assert.Contains("already an Owner", second.Error);
    }

    [Fact]
    public async Task Without_a_piped_password_one_is_generated_and_shown_once()
    {
        await using var app = new BroadsheetFactory();
        _ = app.Services;

        var made = await RunAsync(app.DataDirectory, null, "user", "add", "writer@example.org", "--role", Roles.Author.ToLowerInvariant());

        Assert.True(made.Exit == 0, made.Error);
        var password = made.Out.Split('\n').Single(l => l.StartsWith("Password", StringComparison.Ordinal)).Split(": ")[1].Trim();
        await app.SignInAsync("writer@example.org", password);
    }

    [Fact]
    public async Task An_unknown_role_is_an_error()
    {
        await using var app = new BroadsheetFactory();
        _ = app.Services;
        var result = await RunAsync(app.DataDirectory, "x", "user", "add", "who@example.org", "--role", "emperor");
        Assert.Equal(2, result.Exit);
        Assert.Contains("Unknown role", result.Error);
    }
}
