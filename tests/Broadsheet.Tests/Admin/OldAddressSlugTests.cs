using System.Net;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Api;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Admin;

/// <summary>
/// A renamed post's old address keeps leading to it: a new post asking for the old slug, through the editor or
/// the Admin API alike, gets another one and is told so, while the post itself may take its old slug back.
/// </summary>
public abstract class OldAddressSlugTests(TestProvider provider)
{
    [Fact]
    public async Task A_new_post_cannot_take_over_a_renamed_posts_old_address()
    {
        await using var app = new BroadsheetFactory(provider);
        var api = await app.ApiClientAsync(role: Roles.Editor);
        var site = app.CreateClient(new() { AllowAutoRedirect = false });
        var rally = await app.AddPostAsync("Rally", slug: "rally");
        var renamed = await (await api.PutJsonAsync($"/api/admin/posts/{rally.Id}", new { slug = "rally-on-the-green", version = rally.Version })).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("/2026/03/rally-on-the-green", (string)renamed["permalink"]!);
        await AssertRedirectsAsync(site, "/2026/03/rally", "/2026/03/rally-on-the-green");

        // Through the editor: published this month, it would have lived at the old address.
        var editor = await app.SignedInAsync(Roles.Editor);
        var saved = await editor.SubmitAsync("/admin/posts/edit", new() { ["Input.Title"] = "Another rally", ["Input.Slug"] = "rally", ["Input.Body"] = "Words." }, "form[data-editor]", "act=publish");
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var (_, page) = await editor.GetPageAsync(saved.Headers.Location!.OriginalString);
        var editorSlug = page.QuerySelector("input[name='Input.Slug']")!.GetAttribute("value");
        Assert.NotEqual("rally", editorSlug);
        Assert.Contains($"The slug \"rally\" is taken", page.QuerySelector("p.notice").Text());
        Assert.Contains($"\"{editorSlug}\"", page.QuerySelector("p.notice").Text());
        await AssertRedirectsAsync(site, "/2026/03/rally", "/2026/03/rally-on-the-green");

        // Through the API: the same rule, and the answer says so.
        var created = await (await api.PostJsonAsync("/api/admin/posts", new { title = "Yet another rally", slug = "rally", body = "Words.", status = "published" })).JsonAsync(HttpStatusCode.Created);
        Assert.NotEqual("rally", (string)created["slug"]!);
        Assert.Contains("The slug \"rally\" is taken", (string)created["notice"]!);
        await AssertRedirectsAsync(site, "/2026/03/rally", "/2026/03/rally-on-the-green");

        // The renamed post itself may take its old slug back; its newer address then leads to it.
        var back = await (await api.PutJsonAsync($"/api/admin/posts/{rally.Id}", new { slug = "rally", version = (int)renamed["version"]! })).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("rally", (string)back["slug"]!);
        Assert.Contains("Rally", await site.GetStringAsync("/2026/03/rally"));
        await AssertRedirectsAsync(site, "/2026/03/rally-on-the-green", "/2026/03/rally");
    }

    private static async Task AssertRedirectsAsync(HttpClient site, string from, string to)
    {
        var response = await site.GetAsync(from);
        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal(to, response.Headers.Location?.OriginalString);
    }
}

public sealed class SqliteOldAddressSlugTests() : OldAddressSlugTests(TestProvider.Sqlite);

public sealed class PostgresOldAddressSlugTests() : OldAddressSlugTests(TestProvider.Postgres);
