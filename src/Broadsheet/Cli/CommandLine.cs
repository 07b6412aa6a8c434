using System.CommandLine;
using Broadsheet.Data;
using Broadsheet.Features.Import;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Shared;

namespace Broadsheet.Cli;

/// <summary>
/// The verbs of the <c>broadsheet</c> executable. <c>serve</c> is the default and accepts ASP.NET's
/// own options (<c>--urls</c>, <c>--environment</c>) and configuration overrides written as
/// <c>--Section:Key value</c>; anything else unknown is an error that prints usage and exits 2.
/// Other verbs live with their features and are added in <see cref="Verbs"/>.
/// </summary>
public static class CommandLine
{
    /// <summary>Global option: the folder of the SQLite database and uploaded files.</summary>
    public static readonly Option<string> DataOption = new("--data")
    {
        Description = "Folder that holds the SQLite database and files",
        DefaultValueFactory = _ => "data",
        Recursive = true,
    };

    /// <summary>ASP.NET host settings that serve passes through to the web host.</summary>
    private static readonly HashSet<string> HostKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "urls", "environment", "contentRoot", "applicationName", "http_ports", "https_ports", "webroot",
    };

    /// <summary>Every verb but serve; each feature contributes its own.</summary>
    private static IEnumerable<Command> Verbs() =>
    [
        Features.Accounts.UserCommand.Create(),
        Features.Import.ImportCommands.Create(),
        Features.Export.JsonBackupCommands.Export(),
        Features.Search.SearchCommand.Create(),
        Features.Api.KeyCommand.Create(),
        Features.Newsletters.NewsletterCommands.Newsletter(),
        Features.Newsletters.DeliveryCommands.Create(),
        Features.Subscribers.SubscriberCommands.Create(),
        Email.DkimCommand.Create(),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var serve = new Command("serve", "Run the web site (the default verb). Accepts --urls and --Section:Key value configuration overrides.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        var root = new RootCommand("Broadsheet: a publishing platform for campaign groups.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        root.Options.Add(DataOption);
        // Both actions are placeholders for the parser: RunAsync starts the site itself (see below).
        root.SetAction(_ => 0);
        serve.SetAction(_ => 0);
        root.Subcommands.Add(serve);
        foreach (var verb in Verbs()) root.Subcommands.Add(verb);

        var parsed = root.Parse(args);
        var command = parsed.CommandResult.Command;
        if (parsed.Errors.Count == 0 && (command == serve || command == root) && parsed.Action is not System.CommandLine.Help.HelpAction)
        {
            var passThrough = parsed.UnmatchedTokens.ToList();
            if (BadHostTokens(passThrough) is { } bad)
            {
                await Console.Error.WriteLineAsync($"Unknown option '{bad}' for serve.");
                new System.CommandLine.Help.HelpAction().Invoke(root.Parse(["serve", "--help"]));
                return 2;
            }
            return await StoppedBySettingsAsync(() => ServeAsync(WebArgs(parsed, passThrough)));
        }
        return await StoppedBySettingsAsync(() => parsed.InvokeAsync());
    }

    /// <summary>A setting that cannot be used (exit 2) or a database that cannot be reached (exit 3) is told as such, not as an unhandled exception with a stack trace.</summary>
    private static async Task<int> StoppedBySettingsAsync(Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (Exception e) when ((e as SettingException ?? e.InnerException as SettingException) is { } setting)
        {
            await Console.Error.WriteLineAsync($"Broadsheet cannot start: {setting.Message}");
            return 2;
        }
        catch (DatabaseUnreachableException unreachable)
        {
            await Console.Error.WriteLineAsync($"Broadsheet cannot start: {unreachable.Message}");
            return DatabaseUnreachableException.ExitCode;
        }
    }

    /// <summary>Arguments for the web host: the data folder as configuration, then whatever serve passed through.</summary>
    public static string[] WebArgs(ParseResult parsed, IEnumerable<string> passThrough) =>
        [$"--{DataDirectory.ConfigurationKey}={parsed.GetValue(DataOption)}", .. passThrough];

    private static string? BadHostTokens(List<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2) return token;
            var name = token[2..];
            var eq = name.IndexOf('=');
            if (eq >= 0) name = name[..eq];
            // "--Section=" with no value is how a test host writes configuration section headers: harmless.
            var emptySection = eq >= 0 && eq == token.Length - 3;
            if (!HostKeys.Contains(name) && !name.Contains(':') && !emptySection) return token;
            if (eq < 0)
            {
                if (i + 1 >= tokens.Count) return token;
                i++; // the value
            }
        }
        return null;
    }

    private static async Task<int> ServeAsync(string[] webArgs)
    {
        var app = Program.BuildApp(webArgs);
        try
        {
            await FirstStart.RunAsync(app.Services, demoContent: true);
        }
        catch
        {
            await app.DisposeAsync(); // writes out the log, the retries of an unreachable database among it
            throw;
        }
        await app.RunAsync();
        return 0;
    }

    /// <summary>
    /// The body of most verbs: builds the application's services (migrating the database), runs
    /// <paramref name="work"/> in a scope, disposes both; returns the work's exit code.
    /// </summary>
    public static async Task<int> InScopeAsync(ParseResult parsed, Func<IServiceProvider, Task<int>> work, CancellationToken cancellationToken)
    {
        await using var app = await ServicesAsync(parsed, cancellationToken);
        await using var scope = app.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    /// <summary>
    /// The action of a verb that imports a file (<c>import blogger|wordpress|json</c>): a missing file
    /// is an error before anything starts; the import runs in a scope of the app's services; its
    /// summary goes to stdout; an <see cref="ImportFailedException"/> becomes
    /// "<paramref name="failure"/> + the reason" on stderr and exit code 1 (nothing was written).
    /// </summary>
    public static async Task<int> ImportFileAsync(ParseResult parsed, FileInfo file, string failure, Func<IServiceProvider, Stream, Task<ImportSummary>> import, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            await Console.Error.WriteLineAsync($"{file.FullName}: no such file");
            return 1;
        }
        try
        {
            return await InScopeAsync(parsed, async services =>
            {
                await using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
                Console.Out.Write((await import(services, stream)).ToString());
                return 0;
            }, cancellationToken);
        }
        catch (ImportFailedException e)
        {
            await Console.Error.WriteLineAsync($"{failure} {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// Builds the application's services for a verb other than serve (no web server is started) and
    /// applies migrations. Dispose the returned app when done.
    /// </summary>
    public static async Task<WebApplication> ServicesAsync(ParseResult parsed, CancellationToken cancellationToken)
    {
        var app = Program.BuildApp([.. WebArgs(parsed, []), "--Logging:LogLevel:Default=Warning"]);
        try
        {
            await DatabaseSetup.MigrateAsync(app.Services, cancellationToken);
            return app;
        }
        catch
        {
            await app.DisposeAsync(); // writes out the log, the retries of an unreachable database among it
            throw;
        }
    }
}
