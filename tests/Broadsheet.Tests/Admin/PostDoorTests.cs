using System.Net;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Posts;
using Broadsheet.Tests.Api;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Admin;

/// <summary>The ways a person or an integration changes a post: the editor's form and the Admin API.</summary>
public enum Door
{
    Editor,
    Api,
}

/// <summary>
/// Every door writes posts through the one writer, so each save leaves a revision in the post's history and a
/// renamed post leaves a redirect by the one rule (<see cref="PostWriter.LeavesRedirect"/>), driven here through
/// the editor's form (with its antiforgery token) and the Admin API (with a key), with the same cases for both.
/// </summary>
public abstract class PostDoorTests(TestProvider provider)
{
    private BroadsheetFactory App() => new(provider);

    private static HttpClient NoFollow(BroadsheetFactory app) => app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>Changes a post's slug (and, when given, its date: a time in London, the site's zone, which is UTC in March) through a door.</summary>
    private static async Task ChangeAsync(BroadsheetFactory app, Door door, int id, string slug, string? publishAt = null)
    {
        if (door == Door.Editor)
        {
            var editor = await app.SignedInAsync(Roles.Editor);
            var response = await editor.SubmitAsync($"/admin/posts/edit/{id}", new() { ["Input.Slug"] = slug, ["Input.PublishAt"] = publishAt }, "form[data-editor]", "act=save");
            Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"the editor's save answered {(int)response.StatusCode}");
        }
        else
        {
            var api = await app.ApiClientAsync();
            var current = await (await api.GetAsync($"/api/admin/posts/{id}")).JsonAsync(HttpStatusCode.OK);
            object change = publishAt is null
                ? new { slug, version = (int)current["version"]! }
                : new { slug, version = (int)current["version"]!, publishedAt = publishAt + ":00Z" };
            await (await api.PutJsonAsync($"/api/admin/posts/{id}", change)).JsonAsync(HttpStatusCode.OK);
        }
    }

    private static async Task<int> RedirectCountAsync(BroadsheetFactory app)
    {
        await using var scope = app.Scope();
        return await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Redirects.CountAsync();
    }

    /// <summary>The post's history as its Revisions page shows it to an editor, newest first.</summary>
    private static async Task<List<string>> HistoryAsync(HttpClient editor, int id)
    {
        var (response, page) = await editor.GetPageAsync($"/admin/posts/revisions/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. page.QuerySelectorAll("table.revisions tbody tr").Select(r => r.TextContent)];
    }

    [Theory]
    [InlineData(Door.Editor)]
    [InlineData(Door.Api)]
    public async Task A_visible_post_renamed_keeps_its_old_address_as_a_301(Door door)
    {
        await using var app = App();
        var post = await app.AddPostAsync("Rally report", slug: "rally-report");

        await ChangeAsync(app, door, post.Id, "rally-report-updated");

        var old = await NoFollow(app).GetAsync("/2026/03/rally-report");
        Assert.Equal(HttpStatusCode.MovedPermanently, old.StatusCode);
        Assert.Equal("/2026/03/rally-report-updated", old.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData(Door.Editor)]
    [InlineData(Door.Api)]
    public async Task A_draft_renamed_leaves_no_redirect(Door door)
    {
        await using var app = App();
        var post = await app.AddPostAsync("Rough notes", slug: "rough-notes", status: PostStatus.Draft);

        await ChangeAsync(app, door, post.Id, "tidy-notes");

        Assert.Equal(0, await RedirectCountAsync(app));
        Assert.Equal(HttpStatusCode.NotFound, (await NoFollow(app).GetAsync("/2026/03/rough-notes")).StatusCode);
    }

    [Theory]
    [InlineData(Door.Editor)]
    [InlineData(Door.Api)]
    public async Task A_scheduled_post_renamed_before_its_time_leaves_no_redirect(Door door)
    {
        await using var app = App();
        var post = await app.AddPostAsync("Embargoed", slug: "embargoed", status: PostStatus.Scheduled, publishedAt: app.Clock.GetUtcNow().UtcDateTime.AddDays(2));

        await ChangeAsync(app, door, post.Id, "embargo-lifted");

        Assert.Equal(0, await RedirectCountAsync(app));
        app.Clock.Advance(TimeSpan.FromDays(3));
        var client = NoFollow(app);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/2026/03/embargo-lifted")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/2026/03/embargoed")).StatusCode);
    }

    [Theory]
    [InlineData(Door.Editor)]
    [InlineData(Door.Api)]
    public async Task A_visible_post_renamed_and_moved_to_a_later_date_keeps_its_old_address_for_when_it_is_back(Door door)
    {
        await using var app = App();
        var post = await app.AddPostAsync("Vigil", slug: "vigil");

        // The editor used to keep the old address here and the API did not: readers' links went dead.
        await ChangeAsync(app, door, post.Id, "vigil-postponed", publishAt: "2026-03-20T18:00");

        var client = NoFollow(app);
        var old = await client.GetAsync("/2026/03/vigil");
        Assert.Equal(HttpStatusCode.MovedPermanently, old.StatusCode);
        Assert.Equal("/2026/03/vigil-postponed", old.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/2026/03/vigil-postponed")).StatusCode);
        app.Clock.Advance(TimeSpan.FromDays(7));
        Assert.Contains("Vigil", await app.CreateClient().GetStringAsync("/2026/03/vigil"));
    }

    [Fact]
    public async Task Every_save_through_the_editor_leaves_a_revision()
    {
        await using var app = App();
        var client = await app.SignedInAsync(Roles.Editor);
        var created = await client.SubmitAsync("/admin/posts/edit", new() { ["Input.Title"] = "Statement", ["Input.Body"] = "First wording." }, "form[data-editor]", "act=save");
        var path = created.Headers.Location!.OriginalString;
        var id = int.Parse(path.Split('/').Last(), System.Globalization.CultureInfo.InvariantCulture);
        await client.SubmitAsync(path, new() { ["Input.Body"] = "Second wording." }, "form[data-editor]", "act=publish");

        var history = await HistoryAsync(client, id);
        Assert.Equal(2, history.Count);
        Assert.Contains("Second wording.", history[0]);
        Assert.Contains("First wording.", history[1]);
    }

    [Fact]
    public async Task Every_save_through_the_API_leaves_a_revision()
    {
        await using var app = App();
        var api = await app.ApiClientAsync();
        var created = await (await api.PostJsonAsync("/api/admin/posts", new { title = "Statement", body = "First wording." })).JsonAsync(HttpStatusCode.Created);
        var id = (int)created["id"]!;
        var edited = await (await api.PutJsonAsync($"/api/admin/posts/{id}", new { body = "Second wording.", version = (int)created["version"]! })).JsonAsync(HttpStatusCode.OK);
        await (await api.PostAsync($"/api/admin/posts/{id}/publish?version={(int)edited["version"]!}", null)).JsonAsync(HttpStatusCode.OK);

        var history = await HistoryAsync(await app.SignedInAsync(Roles.Editor), id);
        Assert.Equal(3, history.Count);
        Assert.Contains("Second wording.", history[0]);
        Assert.Contains("Second wording.", history[1]);
        Assert.Contains("First wording.", history[2]);
    }

    [Fact]
    public async Task A_refused_API_edit_leaves_neither_a_change_nor_a_revision()
    {
        await using var app = App();
        var api = await app.ApiClientAsync();
        var created = await (await api.PostJsonAsync("/api/admin/posts", new { title = "Statement", body = "First wording." })).JsonAsync(HttpStatusCode.Created);
        var id = (int)created["id"]!;

        await (await api.PutJsonAsync($"/api/admin/posts/{id}", new { body = "Stale wording.", version = (int)created["version"]! - 1 })).ProblemAsync(HttpStatusCode.Conflict);
        await (await api.PutJsonAsync($"/api/admin/posts/{id}", new { slug = "Not A Slug", body = "Bad wording.", version = (int)created["version"]! })).JsonAsync(HttpStatusCode.BadRequest);

        var history = await HistoryAsync(await app.SignedInAsync(Roles.Editor), id);
        Assert.Single(history);
        Assert.Contains("First wording.", history[0]);
    }
}

public sealed class SqlitePostDoorTests() : PostDoorTests(TestProvider.Sqlite);

public sealed class PostgresPostDoorTests() : PostDoorTests(TestProvider.Postgres);
