using System.Net;
using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Site;

/// <summary>Drafts never show; scheduled posts show exactly when their time comes, with no restart, with the cache on or off.</summary>
public abstract class ScheduledPostTests(TestProvider provider)
{
    /// <summary>Every public place a post could show up, with what marks it there.</summary>
    private static readonly string[] Everywhere =
        ["/", "/feed.atom", "/feed.rss", "/tag/embargo/feed.atom", "/tag/embargo/feed.rss", "/sitemap.xml", "/tag/embargo", "/author/ada-byrne", "/2026", "/2026/03"];

    private static async Task AssertHiddenAsync(HttpClient client, string slug, string permalink)
    {
        foreach (var path in Everywhere)
        {
            var response = await client.GetAsync(path);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
            Assert.False((await response.Content.ReadAsStringAsync()).Contains(slug, StringComparison.Ordinal), $"{path} shows {slug} too early");
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(permalink)).StatusCode);
    }

    private static async Task AssertShownAsync(HttpClient client, string slug, string permalink)
    {
        foreach (var path in Everywhere)
            Assert.True((await client.GetStringAsync(path)).Contains(slug, StringComparison.Ordinal), $"{path} does not show {slug}");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(permalink)).StatusCode);
    }

    private static async Task<int> YearCountAsync(HttpClient client)
    {
        var archive = await client.GetDocumentAsync("/archive");
        var heading = archive.QuerySelector(".archive-year h2")?.Text() ?? "2026 (0)";
        return int.Parse(heading[(heading.IndexOf('(') + 1)..heading.IndexOf(')')], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Drafts_never_appear_anywhere_public()
    {
        await using var app = new BroadsheetFactory(provider);
        await app.AddPostAsync("Public post", tags: ["Embargo"], authors: ["Ada Byrne"]);
        await app.AddPostAsync("Draft thoughts", slug: "draft-thoughts", status: PostStatus.Draft, tags: ["Embargo"], authors: ["Ada Byrne"],
            publishedAt: app.Clock.GetUtcNow().UtcDateTime.AddDays(-1));
        var client = app.CreateClient();

        await AssertHiddenAsync(client, "draft-thoughts", "/2026/03/draft-thoughts");
        Assert.Equal(1, await YearCountAsync(client));
        app.Clock.Advance(TimeSpan.FromDays(1)); // (the fake clock fires the 2 s poll timer for every step, so not years)
        await AssertHiddenAsync(client, "draft-thoughts", "/2026/03/draft-thoughts");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_scheduled_post_appears_when_its_time_comes_without_a_restart(bool outputCache)
    {
        await using var app = new BroadsheetFactory(provider, outputCache);
        var changes = app.Services.GetRequiredService<ContentChanges>();
        var evictions = 0;
        changes.Evicted += () => Interlocked.Increment(ref evictions);

        await app.AddPostAsync("Already out", tags: ["Embargo"], authors: ["Ada Byrne"]);
        var due = app.Clock.GetUtcNow().UtcDateTime.AddHours(2);
        var post = await app.AddPostAsync("Embargoed report", slug: "embargoed-report", status: PostStatus.Scheduled, publishedAt: due,
            tags: ["Embargo"], authors: ["Ada Byrne"]);
        Assert.Equal(PostStatus.Scheduled, post.Status);
        var client = app.CreateClient();

        // Let the background poll see the edit (so it is the post's time, not the edit, that must evict), then fill the caches.
        var seen = Volatile.Read(ref evictions);
        app.Clock.Advance(ContentChanges.PollInterval);
        await SiteContent.EventuallyAsync(() => Task.FromResult(Volatile.Read(ref evictions) > seen), "the poll to see the edit");
        await AssertHiddenAsync(client, "embargoed-report", post.Permalink!);
        Assert.Equal(1, await YearCountAsync(client));

        app.Clock.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(10));
        await Task.Delay(200);
        await AssertHiddenAsync(client, "embargoed-report", post.Permalink!);

        // Its time comes; the running server shows it within one poll interval.
        app.Clock.Advance(TimeSpan.FromSeconds(10));
        await SiteContent.EventuallyAsync(async () => (await client.GetStringAsync("/")).Contains("embargoed-report", StringComparison.Ordinal),
            "the scheduled post on the home page");
        await AssertShownAsync(client, "embargoed-report", post.Permalink!);
        Assert.Equal(2, await YearCountAsync(client));
    }

    [Fact]
    public async Task Last_modified_moves_when_a_scheduled_post_comes_due()
    {
        await using var app = new BroadsheetFactory(provider);
        await app.AddPostAsync("Already out");
        await app.AddPostAsync("Later", status: PostStatus.Scheduled, publishedAt: app.Clock.GetUtcNow().UtcDateTime.AddHours(1));
        var client = app.CreateClient();
        var changes = app.Services.GetRequiredService<ContentChanges>();
        await changes.PollAsync(TestContext.Current.CancellationToken);
        var before = (await client.GetAsync("/")).Content.Headers.LastModified!.Value;

        app.Clock.Advance(TimeSpan.FromHours(1) + ContentChanges.PollInterval);
        await changes.PollAsync(TestContext.Current.CancellationToken);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.IfModifiedSince = before;
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Content.Headers.LastModified > before);
    }
}

public sealed class SqliteScheduledPostTests() : ScheduledPostTests(TestProvider.Sqlite);

public sealed class PostgresScheduledPostTests() : ScheduledPostTests(TestProvider.Postgres);
