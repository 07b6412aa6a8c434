using System.CommandLine;
using Broadsheet.Cli;
using Broadsheet.Features.Import;

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
            await using var app = await CommandLine.ServicesAsync(parseResult, cancellationToken);
            await using var scope = app.Services.CreateAsyncScope();
            var backup = scope.ServiceProvider.GetRequiredService<JsonBackup>();
            // Written beside the target and moved into place, so a failed export never leaves half a file.
            var temp = path.FullName + ".partial";
            await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
                await backup.ExportAsync(stream, parseResult.GetValue(hashes), cancellationToken);
            File.Move(temp, path.FullName, overwrite: true);
            await Console.Out.WriteLineAsync($"Wrote {path.FullName}");
            return 0;
        });
        var export = new Command("export", "Export the site") { json };
        return export;
    }

    public static Command Restore()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A backup written by 'export json'" };
        var json = new Command("json", "Restore a JSON backup into an empty site") { file };
        json.SetAction(async (parseResult, cancellationToken) =>
        {
            var path = parseResult.GetRequiredValue(file);
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"{path.FullName}: no such file");
                return 1;
            }
            try
            {
                await using var app = await CommandLine.ServicesAsync(parseResult, cancellationToken);
                await using var scope = app.Services.CreateAsyncScope();
                var backup = scope.ServiceProvider.GetRequiredService<JsonBackup>();
                await using var stream = path.OpenRead();
                var summary = await backup.RestoreAsync(stream, path.Name, cancellationToken);
                Console.Out.Write(summary.ToString());
                return 0;
            }
            catch (ImportFailedException e)
            {
                await Console.Error.WriteLineAsync($"Restore failed, nothing was restored. {e.Message}");
                return 1;
            }
        });
        return json;
    }
}
