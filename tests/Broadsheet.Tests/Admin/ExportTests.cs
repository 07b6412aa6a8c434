using System.Net;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Posts;
using Broadsheet.Tests.Import;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Admin;

/// <summary>/admin/export: the backup an Administrator downloads is the complete backup, and it restores.</summary>
public sealed class ExportTests
{
    [Fact]
    public async Task An_administrator_downloads_a_backup_that_restores_the_site()
    {
        await using var app = new BroadsheetFactory();
        await app.AddPostAsync("March on Saturday", body: "Meet at **noon**.", tags: ["events"]);
        await app.AddPostAsync("Statement draft", status: PostStatus.Draft);
        var admin = await app.SignedInAsync(Roles.Administrator, "keeper@example.org");

        var (_, page) = await admin.GetPageAsync("/admin/export");
        Assert.NotNull(page.QuerySelector("nav a[href='/admin/export']"));
        var download = await admin.SubmitAsync("/admin/export", new());

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/json", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("broadsheet-backup-2026-03-14.json", download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Contains("no-store", download.Headers.CacheControl?.ToString());
        var json = await download.Content.ReadAsStringAsync();
        Assert.Equal(await app.BackupAsync(), json);
        Assert.Contains("keeper@example.org", json);
        Assert.DoesNotContain("passwordHash", json);

        await using var restored = new BroadsheetFactory();
        await restored.RestoreAsync(json, "broadsheet-backup-2026-03-14.json");
        await using var scope = restored.Scope();
        var posts = await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Posts.AsNoTracking().OrderBy(p => p.Title).ToListAsync();
        Assert.Equal(["March on Saturday", "Statement draft"], posts.Select(p => p.Title));
        Assert.Equal(PostStatus.Draft, posts[1].Status);
        Assert.Contains("<strong>noon</strong>", (await restored.CreateClient().GetDocumentAsync("/")).QuerySelector("main")!.InnerHtml);
    }

    [Fact]
    public async Task Only_administrators_can_export_and_only_with_the_form()
    {
        await using var app = new BroadsheetFactory();
        await app.AddPostAsync("Statement draft", status: PostStatus.Draft);
        var editor = await app.SignedInAsync(Roles.Editor);
        var refused = await editor.GetAsync("/admin/export");
        Assert.Equal("/admin/denied", new Uri(new Uri("http://localhost"), refused.Headers.Location!).AbsolutePath);

        var admin = await app.SignedInAsync(Roles.Administrator);
        var forged = await admin.PostAsync("/admin/export", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.DoesNotContain("Statement draft", await forged.Content.ReadAsStringAsync());
    }
}
