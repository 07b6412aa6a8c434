using System.Net;
using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Api;

/// <summary>The posts and pages of the Admin API, driven as an integration would, on each database.</summary>
public abstract class AdminPostsApiTests(TestProvider provider)
{
    private BroadsheetFactory App() => new(provider);

    [Fact]
    public async Task A_post_created_as_a_draft_is_not_public_until_published_then_shows_on_the_site()
    {
        await using var app = App();
        var api = await app.ApiClientAsync();

        var created = await (await api.PostJsonAsync("/api/admin/posts", new { title = "Rally on Saturday", body = "Meet at **noon**.", tags = new[] { "Events" }, authors = new[] { "Ana Lopes" } }))
            .JsonAsync(HttpStatusCode.Created);
        var id = (int)created["id"]!;
        Assert.Equal("draft", (string)created["status"]!);
        Assert.Equal("rally-on-saturday", (string)created["slug"]!);
        Assert.Contains("<strong>noon</strong>", (string)created["bodyHtml"]!);
        Assert.Equal(["Events"], created["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(["Ana Lopes"], created["authors"]!.AsArray().Select(t => (string)t!));
        var site = app.CreateClient();
        Assert.DoesNotContain("Rally on Saturday", await site.GetStringAsync("/"));

        var published = await (await api.PostAsync($"/api/admin/posts/{id}/publish", null)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("published", (string)published["status"]!);
        Assert.Equal("/2026/03/rally-on-saturday", (string)published["permalink"]!);
        Assert.Contains("Rally on Saturday", await site.GetStringAsync("/"));
        Assert.Contains("Meet at", await site.GetStringAsync("/2026/03/rally-on-saturday"));

        var fetched = await (await api.GetAsync($"/api/admin/posts/{id}")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Meet at **noon**.", (string)fetched["body"]!);

        await (await api.PostAsync($"/api/admin/posts/{id}/unpublish", null)).JsonAsync(HttpStatusCode.OK);
        Assert.DoesNotContain("Rally on Saturday", await site.GetStringAsync("/"));
    }

    [Fact]
    public async Task The_list_pages_and_filters_by_status_and_tag()
    {
        await using var app = App();
        await app.AddPostAsync("Published one", tags: ["Housing"]);
        await app.AddPostAsync("Published two");
        await app.AddPostAsync("A draft", status: PostStatus.Draft);
        await app.AddPostAsync("Coming soon", status: PostStatus.Scheduled, publishedAt: app.Clock.GetUtcNow().UtcDateTime.AddDays(2));
        await app.AddPostAsync("A page", kind: PostKind.Page);
        var api = await app.ApiClientAsync();

        static async Task<List<string>> Titles(HttpClient api, string path) =>
            [.. (await (await api.GetAsync(path)).JsonAsync(HttpStatusCode.OK))["items"]!.AsArray().Select(i => (string)i!["title"]!)];

        Assert.Equal(["A draft"], await Titles(api, "/api/admin/posts?status=draft"));
        Assert.Equal(["Coming soon"], await Titles(api, "/api/admin/posts?status=scheduled"));
        Assert.Equal(["Published one", "Published two"], (await Titles(api, "/api/admin/posts?status=published")).Order());
        Assert.Equal(["Published one"], await Titles(api, "/api/admin/posts?tag=housing"));
        Assert.Equal(["A page"], await Titles(api, "/api/admin/pages"));

        var first = await (await api.GetAsync("/api/admin/posts?pageSize=3&page=1")).JsonAsync(HttpStatusCode.OK);
        var second = await (await api.GetAsync("/api/admin/posts?pageSize=3&page=2")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(4, (int)first["total"]!);
        Assert.Equal(3, first["items"]!.AsArray().Count);
        Assert.Single(second["items"]!.AsArray());

        var bad = await (await api.GetAsync("/api/admin/posts?status=deleted")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(bad["errors"]!["status"]);
        var notANumber = await (await api.GetAsync("/api/admin/posts?page=abc")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("whole numbers", (string)notANumber["detail"]!);
    }

    [Fact]
    public async Task An_update_with_the_current_version_saves_and_a_stale_one_is_refused_with_409_and_changes_nothing()
    {
        await using var app = App();
        var api = await app.ApiClientAsync();
        var created = await (await api.PostJsonAsync("/api/admin/posts", new { title = "Statement", body = "First words.", status = "published" })).JsonAsync(HttpStatusCode.Created);
        var id = (int)created["id"]!;
        var version = (int)created["version"]!;

        // Two editors read the same version; the first saves.
        var first = await (await api.PutJsonAsync($"/api/admin/posts/{id}", new { body = "Corrected words.", version })).JsonAsync(HttpStatusCode.OK);
        Assert.True((int)first["version"]! > version);
        Assert.Equal("Statement", (string)first["title"]!); // left out, kept

        // The second, still holding the old version, is refused.
        var stale = await (await api.PutJsonAsync($"/api/admin/posts/{id}", new { body = "Overwriting words.", version })).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("changed by someone else", (string)stale["detail"]!);
        Assert.Equal((int)first["version"]!, (int)stale["currentVersion"]!);

        var now = await (await api.GetAsync($"/api/admin/posts/{id}")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Corrected words.", (string)now["body"]!);
        Assert.Contains("Corrected words.", await app.CreateClient().GetStringAsync((string)now["permalink"]!));

        // Stale status changes and deletes are refused too.
        await (await api.PostAsync($"/api/admin/posts/{id}/unpublish?version={version}", null)).ProblemAsync(HttpStatusCode.Conflict);
        await (await api.DeleteAsync($"/api/admin/posts/{id}?version={version}")).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("published", (string)(await (await api.GetAsync($"/api/admin/posts/{id}")).JsonAsync(HttpStatusCode.OK))["status"]!);

        var missing = await (await api.PutJsonAsync($"/api/admin/posts/{id}", new { body = "No version." })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(missing["errors"]!["version"]);
    }

    [Fact]
    public async Task Changing_a_published_posts_slug_keeps_the_old_address_working()
    {
        await using var app = App();
        var api = await app.ApiClientAsync();
        var created = await (await api.PostJsonAsync("/api/admin/posts", new { title = "Old name", status = "published" })).JsonAsync(HttpStatusCode.Created);
        var updated = await (await api.PutJsonAsync($"/api/admin/posts/{created["id"]}", new { slug = "new-name", version = (int)created["version"]! })).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("/2026/03/new-name", (string)updated["permalink"]!);

        var response = await app.CreateClient(new() { AllowAutoRedirect = false }).GetAsync("/2026/03/old-name");
        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal("/2026/03/new-name", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Scheduling_needs_a_future_time_and_the_post_appears_when_it_comes()
    {
        await using var app = App();
        var api = await app.ApiClientAsync();
        var created = await (await api.PostJsonAsync("/api/admin/posts", new { title = "Embargoed report" })).JsonAsync(HttpStatusCode.Created);
        var id = (int)created["id"]!;

        var past = await (await api.PostJsonAsync($"/api/admin/posts/{id}/schedule", new { publishAt = "2020-01-01T09:00:00Z" })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(past["errors"]!["publishAt"]);

        var at = app.Clock.GetUtcNow().AddHours(3);
        var scheduled = await (await api.PostJsonAsync($"/api/admin/posts/{id}/schedule", new { publishAt = at })).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("scheduled", (string)scheduled["status"]!);
        Assert.DoesNotContain("Embargoed report", await app.CreateClient().GetStringAsync("/"));

        app.Clock.Advance(TimeSpan.FromHours(4));
        Assert.Contains("Embargoed report", await app.CreateClient().GetStringAsync("/"));
        Assert.Equal("published", (string)(await (await api.GetAsync($"/api/admin/posts/{id}")).JsonAsync(HttpStatusCode.OK))["status"]!);
    }

    [Fact]
    public async Task Delete_removes_the_post_and_unknown_ids_are_404_problems()
    {
        await using var app = App();
        var post = await app.AddPostAsync("To be removed");
        var api = await app.ApiClientAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/admin/posts/{post.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateClient().GetAsync(post.Permalink!)).StatusCode);
        var gone = await (await api.GetAsync($"/api/admin/posts/{post.Id}")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains($"no post {post.Id}", (string)gone["detail"]!);
        await (await api.DeleteAsync($"/api/admin/posts/{post.Id}")).ProblemAsync(HttpStatusCode.NotFound);
        // A post id is not a page id.
        var page = await app.AddPostAsync("About us", kind: PostKind.Page);
        await (await api.GetAsync($"/api/admin/posts/{page.Id}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await api.GetAsync($"/api/admin/pages/{page.Id}")).JsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Malformed_or_invalid_bodies_get_400_with_a_clear_message_and_nothing_is_saved()
    {
        await using var app = App();
        var api = await app.ApiClientAsync();

        var broken = await (await api.PostAsync("/api/admin/posts", ApiTestKit.RawJson("{\"title\": \"Unclosed"))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("could not be read", broken.ToJsonString());
        var wrongType = await (await api.PostAsync("/api/admin/posts", ApiTestKit.RawJson("{\"title\": \"T\", \"pinned\": \"yes\"}"))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(wrongType["errors"]!["pinned"]);
        var badStatus = await (await api.PostAsync("/api/admin/posts", ApiTestKit.RawJson("{\"title\": \"T\", \"status\": \"live\"}"))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(badStatus["errors"]!["status"]);
        var noTitle = await (await api.PostJsonAsync("/api/admin/posts", new { body = "Words." })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(noTitle["errors"]!["title"]);
        var badSlug = await (await api.PostJsonAsync("/api/admin/posts", new { title = "T", slug = "Not A Slug!" })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(badSlug["errors"]!["slug"]);
        await (await api.PostAsync("/api/admin/posts", new StringContent("title=T"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        await (await api.PostAsync("/api/admin/posts", ApiTestKit.RawJson("null"))).ProblemAsync(HttpStatusCode.BadRequest);

        await using var scope = app.Scope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Posts.CountAsync());
    }

    [Fact]
    public async Task Pages_are_written_through_their_own_endpoints_and_live_at_the_root()
    {
        await using var app = App();
        var api = await app.ApiClientAsync();
        var created = await (await api.PostJsonAsync("/api/admin/pages", new { title = "About the campaign", body = "We began in 2015.", status = "published" })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("page", (string)created["kind"]!);
        Assert.Equal("/about-the-campaign", (string)created["permalink"]!);
        Assert.Contains("We began in 2015.", await app.CreateClient().GetStringAsync("/about-the-campaign"));
    }

    [Fact]
    public async Task A_tag_the_sanitiser_does_not_allow_in_a_markdown_body_shows_as_typed()
    {
        await using var app = App();
        var api = await app.ApiClientAsync();

        var created = await (await api.PostJsonAsync("/api/admin/posts", new { title = "Keyboard help", body = Admin.EditorTests.UnknownTagBody, status = "published" }))
            .JsonAsync(HttpStatusCode.Created);

        Assert.Equal("<p>Press the key, or use &lt;Enter&gt; key then type more words. And the rest stays.</p>", (string)created["bodyHtml"]!);
        var page = await app.CreateClient().GetDocumentAsync((string)created["permalink"]!);
        Assert.Equal("Press the key, or use <Enter> key then type more words. And the rest stays.", page.QuerySelector(".post-body")!.TextContent.Trim());
    }
}

public sealed class SqliteAdminPostsApiTests() : AdminPostsApiTests(TestProvider.Sqlite);

public sealed class PostgresAdminPostsApiTests() : AdminPostsApiTests(TestProvider.Postgres);
