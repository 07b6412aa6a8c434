using System.Net;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Posts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Admin;

/// <summary>Revision history, restore, autosave and the live preview endpoint.</summary>
public sealed class RevisionTests
{
    private static async Task<Post> LoadAsync(BroadsheetFactory app, int id)
    {
        await using var scope = app.Scope();
        return await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Posts.AsNoTracking().SingleAsync(p => p.Id == id);
    }

    [Fact]
    public async Task An_earlier_revision_can_be_restored()
    {
        await using var app = new BroadsheetFactory();
        var client = await app.SignedInAsync(Roles.Editor);
        var created = await client.SubmitAsync("/admin/posts/edit", new() { ["Input.Title"] = "Statement", ["Input.Body"] = "First wording." }, "form[data-editor]", "act=save");
        var path = created.Headers.Location!.OriginalString;
        var id = int.Parse(path.Split('/').Last(), System.Globalization.CultureInfo.InvariantCulture);
        await client.SubmitAsync(path, new() { ["Input.Body"] = "Second wording." }, "form[data-editor]", "act=save");

        var (_, history) = await client.GetPageAsync($"/admin/posts/revisions/{id}");
        var rows = history.QuerySelectorAll("table.revisions tbody tr").ToList();
        Assert.Equal(2, rows.Count);
        var oldest = rows[^1];
        Assert.Contains("First wording.", oldest.TextContent);
        var restored = await client.SubmitAsync(oldest.QuerySelector("form")!, $"/admin/posts/revisions/{id}", new());

        Assert.Equal(HttpStatusCode.Redirect, restored.StatusCode);
        Assert.Equal("First wording.", (await LoadAsync(app, id)).Body);
    }

    [Fact]
    public async Task Autosave_keeps_typing_as_a_revision_without_touching_the_draft()
    {
        await using var app = new BroadsheetFactory();
        var client = await app.SignedInAsync(Roles.Contributor);
        var created = await client.SubmitAsync("/admin/posts/edit", new() { ["Input.Title"] = "Draft", ["Input.Body"] = "Saved text." }, "form[data-editor]", "act=save");
        var path = created.Headers.Location!.OriginalString;
        var id = int.Parse(path.Split('/').Last(), System.Globalization.CultureInfo.InvariantCulture);

        var (_, editor) = await client.GetPageAsync(path);
        Assert.True(editor.QuerySelector("form[data-editor]")!.HasAttribute("data-autosave"));
        app.Clock.Advance(TimeSpan.FromSeconds(30)); // some typing later
        var autosave = await client.SubmitAsync(editor.QuerySelector("form[data-editor]")!, path + "?handler=Autosave", new() { ["Input.Body"] = "Typed but not saved." });
        Assert.Equal(HttpStatusCode.NoContent, autosave.StatusCode);

        Assert.Equal("Saved text.", (await LoadAsync(app, id)).Body);
        var (_, again) = await client.GetPageAsync(path);
        Assert.Contains("autosaved version", again.Body!.TextContent);
        var (_, history) = await client.GetPageAsync($"/admin/posts/revisions/{id}");
        Assert.Contains("Typed but not saved.", history.QuerySelector("table.revisions")!.TextContent);
    }

    [Fact]
    public async Task The_preview_endpoint_renders_sanitised_html_and_needs_the_antiforgery_token()
    {
        await using var app = new BroadsheetFactory();
        var client = await app.SignedInAsync(Roles.Author);
        var (_, editor) = await client.GetPageAsync("/admin/posts/edit");
        var form = editor.QuerySelector("form[data-editor]")!;

        var preview = await client.SubmitAsync(form, "/admin/posts/edit?handler=Preview", new() { ["Input.Body"] = "**bold** <script>alert(1)</script>" });
        var html = await preview.Content.ReadAsStringAsync();
        Assert.Contains("<strong>bold</strong>", html);
        Assert.DoesNotContain("<script", html);

        var forged = await client.PostAsync("/admin/posts/edit?handler=Preview", new FormUrlEncodedContent(new Dictionary<string, string> { ["Input.Body"] = "x" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }
}
