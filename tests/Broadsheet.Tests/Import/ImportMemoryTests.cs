using System.Net;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Import;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Import;

/// <summary>The tests here measure the process's managed heap, so nothing else runs beside them.</summary>
[CollectionDefinition(nameof(MemoryMeasured), DisableParallelization = true)]
public sealed class MemoryMeasured;

/// <summary>
/// An upload through the admin's import page must not be held in memory: the request, the queued job and the
/// worker stream the file (form → disk → job row → disk → reader). Measured as the managed heap's peak growth,
/// sampled every few milliseconds from the upload until the job has finished, against the file's size. The
/// file is not XML, so the job fails at its first byte: what is measured is the moving of the file, which
/// once held it four times over (bench/import_upload.sh measures a whole ~92 MB import end to end).
/// </summary>
public abstract class ImportMemoryTests(TestProvider provider)
{
    private const long FileSize = 64L * 1024 * 1024;

    [Fact]
    public async Task A_64_MB_upload_is_queued_and_run_without_holding_the_file_in_memory()
    {
        await using var app = new BroadsheetFactory(provider);
        var admin = await app.SignedInAsync(Roles.Administrator);
        var token = await admin.AntiforgeryTokenAsync("/admin/import");
        using var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent("blogger"), "Format" },
            { new StreamContent(new GeneratedStream(FileSize)), "Upload", "big.xml" },
        };

        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        using var stop = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            var peak = baseline;
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                await Task.Delay(2);
            }
            return peak;
        });
        var upload = await admin.PostAsync("/admin/import", form);
        Assert.Equal(HttpStatusCode.Redirect, upload.StatusCode);
        var job = await FinishedJobAsync(app);
        await stop.CancelAsync();
        var growth = await sampling - baseline;

        Assert.Equal(ImportJobStatus.Failed, job.Status);
        Assert.Contains("big.xml, line 1", job.Error, StringComparison.Ordinal);
        Assert.Equal(FileSize, job.FileSize);
        Assert.True(growth < FileSize / 4, $"the managed heap grew by {growth / (1024 * 1024)} MB while a {FileSize / (1024 * 1024)} MB upload was queued and run");
    }

    private static async Task<ImportJob> FinishedJobAsync(BroadsheetFactory app)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            await using (var scope = app.Scope())
            {
                var job = await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().ImportJobs.AsNoTracking()
                    .Select(j => new ImportJob { Id = j.Id, FileName = j.FileName, Status = j.Status, Error = j.Error, FileSize = j.FileSize })
                    .SingleAsync();
                if (job.Status is ImportJobStatus.Succeeded or ImportJobStatus.Failed) return job;
            }
            Assert.True(DateTime.UtcNow < deadline, "the import job did not finish within two minutes");
            await Task.Delay(50);
        }
    }
}

[Collection(nameof(MemoryMeasured))]
public sealed class SqliteImportMemoryTests() : ImportMemoryTests(TestProvider.Sqlite);

[Collection(nameof(MemoryMeasured))]
public sealed class PostgresImportMemoryTests() : ImportMemoryTests(TestProvider.Postgres);
