using System.Net;
using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Api;

/// <summary>The public Content API, read as a third-party site or app would: published content only.</summary>
public sealed class ContentApiTests
{
    [Fact]
    public async Task Lists_only_published_posts_newest_first_never_drafts_or_scheduled_ones()
    {
        await using var app = new BroadsheetFactory();
        await app.AddPostAsync("Older news", publishedAt: new DateTime(2026, 1, 5, 9, 0, 0, DateTimeKind.Utc), tags: ["Housing"], authors: ["Ana Lopes"]);
        await app.AddPostAsync("Newer news", publishedAt: new DateTime(2026, 2, 5, 9, 0, 0, DateTimeKind.Utc));
        await app.AddPostAsync("Secret draft", status: PostStatus.Draft, tags: ["Housing"], authors: ["Hidden Author"]);
        await app.AddPostAsync("Embargoed", status: PostStatus.Scheduled, publishedAt: app.Clock.GetUtcNow().UtcDateTime.AddHours(1), tags: ["Embargo"]);
        var client = app.CreateClient();

        var list = await (await client.GetAsync("/api/content/posts")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["Newer news", "Older news"], list["items"]!.AsArray().Select(i => (string)i!["title"]!));
        Assert.Equal(2, (int)list["total"]!);
        var older = list["items"]![1]!;
        Assert.Equal("/2026/01/older-news", (string)older["url"]!);
        Assert.Contains("Some words.", (string)older["html"]!);
        Assert.Equal("housing", (string)older["tags"]![0]!["slug"]!);
        Assert.Equal("Ana Lopes", (string)older["authors"]![0]!["name"]!);

        foreach (var path in new[] { "/api/content/posts", "/api/content/tags", "/api/content/authors", "/api/content/posts?tag=embargo" })
        {
            var body = await client.GetStringAsync(path);
            Assert.DoesNotContain("Secret draft", body);
            Assert.DoesNotContain("Embargoed", body);
            Assert.DoesNotContain("Hidden Author", body);
            Assert.DoesNotContain("\"embargo\"", body);
        }
        await (await client.GetAsync("/api/content/posts/secret-draft")).ProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync("/api/content/posts/embargoed")).ProblemAsync(HttpStatusCode.NotFound);

        // When its time comes, the scheduled post is there.
        app.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal("Embargoed", (string)(await (await client.GetAsync("/api/content/posts/embargoed")).JsonAsync(HttpStatusCode.OK))["title"]!);
    }

    [Fact]
    public async Task Filters_by_tag_and_author_pages_through_and_answers_single_items_by_slug()
    {
        await using var app = new BroadsheetFactory();
        for (var i = 1; i <= 5; i++)
            await app.AddPostAsync($"Item {i}", publishedAt: new DateTime(2026, 1, i, 9, 0, 0, DateTimeKind.Utc), tags: i % 2 == 0 ? ["Even"] : ["Odd"], authors: [i == 1 ? "First Writer" : "Other Writer"]);
        await app.AddPostAsync("Contact", kind: PostKind.Page, body: "Write to us.");
        var client = app.CreateClient();

        var even = await (await client.GetAsync("/api/content/posts?tag=even")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["Item 4", "Item 2"], even["items"]!.AsArray().Select(i => (string)i!["title"]!));
        var byFirst = await (await client.GetAsync("/api/content/posts?author=first-writer")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["Item 1"], byFirst["items"]!.AsArray().Select(i => (string)i!["title"]!));

        var seen = new List<string>();
        for (var page = 1; page <= 3; page++)
            seen.AddRange((await (await client.GetAsync($"/api/content/posts?pageSize=2&page={page}")).JsonAsync(HttpStatusCode.OK))["items"]!.AsArray().Select(i => (string)i!["title"]!));
        Assert.Equal(["Item 5", "Item 4", "Item 3", "Item 2", "Item 1"], seen);
        await (await client.GetAsync("/api/content/posts?pageSize=1000")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal("Item 3", (string)(await (await client.GetAsync("/api/content/posts/item-3")).JsonAsync(HttpStatusCode.OK))["title"]!);
        var pages = await (await client.GetAsync("/api/content/pages")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["Contact"], pages["items"]!.AsArray().Select(i => (string)i!["title"]!));
        Assert.Contains("Write to us.", (string)(await (await client.GetAsync("/api/content/pages/contact")).JsonAsync(HttpStatusCode.OK))["html"]!);
        await (await client.GetAsync("/api/content/pages/item-3")).ProblemAsync(HttpStatusCode.NotFound);

        var tags = await (await client.GetAsync("/api/content/tags")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal([("Even", 2), ("Odd", 3)], tags.AsArray().Select(t => ((string)t!["name"]!, (int)t!["postCount"]!)));
        var authors = await (await client.GetAsync("/api/content/authors")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["First Writer", "Other Writer"], authors.AsArray().Select(a => (string)a!["name"]!));
    }

    [Fact]
    public async Task Any_origin_may_read_it_and_settings_show_only_the_public_subset()
    {
        await using var app = new BroadsheetFactory();
        await app.UpdateSettingsAsync(s => { s.Title = "Riverside Tenants"; s.Navigation = "About|/about"; });
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/content/settings");
        request.Headers.Add("Origin", "https://elsewhere.example");
        var response = await app.CreateClient().SendAsync(request);

        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var settings = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Riverside Tenants", (string)settings["title"]!);
        Assert.Equal("/about", (string)settings["navigation"]![0]!["href"]!);
        Assert.Null(settings["postsPerPage"]);
    }

    [Fact]
    public async Task Answers_are_output_cached_and_an_api_write_evicts_them()
    {
        await using var app = new BroadsheetFactory(outputCache: true);
        await app.AddPostAsync("First");
        var client = app.CreateClient();
        Assert.Single((await (await client.GetAsync("/api/content/posts")).JsonAsync(HttpStatusCode.OK))["items"]!.AsArray());

        // A row written behind the app's back (no cache eviction) is not seen: the answer is cached.
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            var sneaked = await db.Posts.AsNoTracking().SingleAsync();
            db.Posts.Add(new Post { Title = "Sneaked in", Slug = "sneaked-in", Status = PostStatus.Published, PublishedAt = sneaked.PublishedAt, ArchiveMonth = sneaked.ArchiveMonth });
            await db.SaveChangesAsync();
        }
        Assert.Single((await (await client.GetAsync("/api/content/posts")).JsonAsync(HttpStatusCode.OK))["items"]!.AsArray());

        // A write through the API evicts it.
        var api = await app.ApiClientAsync();
        await (await api.PostJsonAsync("/api/admin/posts", new { title = "Second", status = "published" })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(3, (await (await client.GetAsync("/api/content/posts")).JsonAsync(HttpStatusCode.OK))["items"]!.AsArray().Count);
    }
}
