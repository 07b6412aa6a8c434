using System.CommandLine;
using Broadsheet.Cli;

namespace Broadsheet.Features.Export;

/// <summary><c>broadsheet export json FILE</c> and <c>broadsheet import json FILE</c>.</summary>
internal static class JsonBackupCommands
{
    public static Command Export()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "Where to write the backup ('-' for standard output)" };
        var hashes = new Option<bool>("--include-password-hashes") { Description = "Also write users' password hashes, so they can sign in after a restore" };
        var json = new Command("json", "Write a complete, versioned JSON backup of the site") { file, hashes };
        json.SetAction(async (parseResult, cancellationToken) =>
        {
            var path = parseResult.GetRequiredValue(file);
            return await CommandLine.InScopeAsync(parseResult, async services =>
            {
                // Written beside the target and moved into place, so a failed export never leaves half a file.
                var temp = path.FullName + ".partial";
                await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
                    await services.GetRequiredService<JsonBackup>().ExportAsync(stream, parseResult.GetValue(hashes), cancellationToken);
                File.Move(temp, path.FullName, overwrite: true);
                await Console.Out.WriteLineAsync($"Wrote {path.FullName}");
                return 0;
            }, cancellationToken);
        });
        var export = new Command("export", "Export the site") { json };
        return export;
    }

    public static Command Restore()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A backup written by 'export json'" };
        var json = new Command("json", "Restore a JSON backup into an empty site") { file };
        json.SetAction((parseResult, cancellationToken) =>
        {
            var path = parseResult.GetRequiredValue(file);
            return CommandLine.ImportFileAsync(parseResult, path, "Restore failed, nothing was restored.", (services, stream) =>
                services.GetRequiredService<JsonBackup>().RestoreAsync(stream, path.Name, cancellationToken: cancellationToken), cancellationToken);
        });
        return json;
    }
}
