using System.Net;
using System.Text;
using Broadsheet.Features.Export;
using Broadsheet.Features.Import;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Import;

/// <summary>Drives the importer and the backup through the app's own services, as the admin page will.</summary>
public static class Importing
{
    public static Task<ImportSummary> ImportAsync(this BroadsheetFactory app, ImportFormat format, string xml, string fileName = "export.xml") =>
        app.ImportAsync(format, Encoding.UTF8.GetBytes(xml), fileName);

    public static async Task<ImportSummary> ImportAsync(this BroadsheetFactory app, ImportFormat format, byte[] bytes, string fileName = "export.xml")
    {
        await using var scope = app.Scope();
        using var stream = new MemoryStream(bytes);
        return await scope.ServiceProvider.GetRequiredService<Importer>().ImportAsync(format, stream, fileName);
    }

    public static async Task<string> BackupAsync(this BroadsheetFactory app, bool includePasswordHashes = false)
    {
        await using var scope = app.Scope();
        using var stream = new MemoryStream();
        await scope.ServiceProvider.GetRequiredService<JsonBackup>().ExportAsync(stream, includePasswordHashes);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static async Task<ImportSummary> RestoreAsync(this BroadsheetFactory app, string json, string fileName = "backup.json")
    {
        await using var scope = app.Scope();
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return await scope.ServiceProvider.GetRequiredService<JsonBackup>().RestoreAsync(stream, fileName);
    }

    /// <summary>A client that shows redirects instead of following them.</summary>
    public static HttpClient Visitor(this BroadsheetFactory app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public static async Task AssertRedirectsAsync(this HttpClient client, string from, string to)
    {
        var response = await client.GetAsync(from);
        Assert.True(response.StatusCode == HttpStatusCode.MovedPermanently, $"GET {from} answered {(int)response.StatusCode}, not 301");
        Assert.Equal(to, response.Headers.Location?.OriginalString);
    }
}
