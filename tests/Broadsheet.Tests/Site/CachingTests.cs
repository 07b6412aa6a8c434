using System.Net;
using System.Net.Http.Headers;
using Broadsheet.Features.Shared;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Site;

/// <summary>Conditional GETs (ETag, Last-Modified, 304) and the output cache, with the cache on and off, on each database.</summary>
public abstract class CachingTests(TestProvider provider)
{
    private static readonly string[] Paths = ["/", "/2026/03/town-hall-meeting", "/tag/meetings", "/archive", "/2026/03", "/feed.atom", "/feed.rss", "/tag/meetings/feed.rss", "/sitemap.xml"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pages_and_feeds_answer_304_to_readers_who_have_them(bool outputCache)
    {
        await using var app = new BroadsheetFactory(provider, outputCache);
        await app.AddPostAsync("Town hall meeting", tags: ["Meetings"]);
        var client = app.CreateClient();

        foreach (var path in Paths)
        {
            var first = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var etag = first.Headers.ETag;
            var lastModified = first.Content.Headers.LastModified;
            Assert.True(etag is not null, $"{path} has no ETag");
            Assert.True(lastModified is not null, $"{path} has no Last-Modified");
            Assert.True(lastModified <= app.Clock.GetUtcNow(), $"{path}: Last-Modified {lastModified} is in the future");

            var again = await client.GetAsync(path);
            Assert.Equal(etag, again.Headers.ETag); // same bytes, same tag

            using var byTag = new HttpRequestMessage(HttpMethod.Get, path);
            byTag.Headers.IfNoneMatch.Add(etag);
            var notModified = await client.SendAsync(byTag);
            Assert.True(notModified.StatusCode == HttpStatusCode.NotModified, $"{path} with If-None-Match answered {notModified.StatusCode}");
            Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

            using var byDate = new HttpRequestMessage(HttpMethod.Get, path);
            byDate.Headers.IfModifiedSince = lastModified;
            Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(byDate)).StatusCode);

            using var stale = new HttpRequestMessage(HttpMethod.Get, path);
            stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"something-else\""));
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(stale)).StatusCode);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_change_makes_old_validators_stale(bool outputCache)
    {
        await using var app = new BroadsheetFactory(provider, outputCache);
        await app.AddPostAsync("Town hall meeting", tags: ["Meetings"]);
        var client = app.CreateClient();
        var before = new Dictionary<string, (EntityTagHeaderValue ETag, DateTimeOffset LastModified)>();
        foreach (var path in new[] { "/", "/feed.atom", "/tag/meetings" })
        {
            var response = await client.GetAsync(path);
            before[path] = (response.Headers.ETag!, response.Content.Headers.LastModified!.Value);
        }

        app.Clock.Advance(TimeSpan.FromMinutes(3));
        await app.AddPostAsync("Second meeting", tags: ["Meetings"]);

        foreach (var (path, (etag, lastModified)) in before)
        {
            using var byTag = new HttpRequestMessage(HttpMethod.Get, path);
            byTag.Headers.IfNoneMatch.Add(etag);
            var response = await client.SendAsync(byTag);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("Second meeting", await response.Content.ReadAsStringAsync());
            Assert.NotEqual(etag, response.Headers.ETag);

            using var byDate = new HttpRequestMessage(HttpMethod.Get, path);
            byDate.Headers.IfModifiedSince = lastModified;
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(byDate)).StatusCode);
        }
    }

    [Fact]
    public async Task With_the_output_cache_on_a_new_post_shows_at_once_everywhere()
    {
        await using var app = new BroadsheetFactory(provider, outputCache: true);
        await app.AddPostAsync("Town hall meeting", tags: ["Meetings"], authors: ["Ada Byrne"]);
        var client = app.CreateClient();
        var paths = new[] { "/", "/tag/meetings", "/author/ada-byrne", "/2026/03", "/2026", "/feed.atom", "/feed.rss", "/tag/meetings/feed.atom", "/sitemap.xml" };
        foreach (var path in paths)
        {
            Assert.DoesNotContain("fresh-news", await client.GetStringAsync(path));
            Assert.DoesNotContain("fresh-news", await client.GetStringAsync(path)); // now surely served from the cache
        }
        var archive = await client.GetDocumentAsync("/archive");
        Assert.Contains("(1)", archive.QuerySelector(".archive-year h2").Text());

        await app.AddPostAsync("Fresh news", slug: "fresh-news", tags: ["Meetings"], authors: ["Ada Byrne"]);

        foreach (var path in paths)
            Assert.True((await client.GetStringAsync(path)).Contains("fresh-news", StringComparison.Ordinal), $"{path} still shows the cached copy");
        archive = await client.GetDocumentAsync("/archive");
        Assert.Contains("(2)", archive.QuerySelector(".archive-year h2").Text());
    }

    // The output cache answers before authentication, so it decides from the request who shares the
    // public copy. A page it serves carries an Age header; one rendered for this request does not.
    [Fact]
    public async Task Signed_in_staff_never_get_the_public_cached_copy_and_never_fill_it()
    {
        await using var app = new BroadsheetFactory(provider, outputCache: true);
        await app.AddPostAsync("Town hall meeting", tags: ["Meetings"]);
        var admin = await app.SignedInAsync(Broadsheet.Features.Accounts.Roles.Administrator);
        var reader = app.CreateClient();

        // Staff first: their pages are rendered for them and not kept, so the next reader still gets a fresh render.
        foreach (var path in new[] { "/", "/tag/meetings" })
        {
            for (var i = 0; i < 2; i++)
            {
                var staffPage = await admin.GetAsync(path);
                Assert.Equal(HttpStatusCode.OK, staffPage.StatusCode);
                Assert.True(staffPage.Headers.Age is null, $"{path} was served to a signed-in admin from the public cache");
            }
            var firstRead = await reader.GetAsync(path);
            Assert.True(firstRead.Headers.Age is null, $"{path}: a signed-in admin's page was stored for the public");
            var secondRead = await reader.GetAsync(path);
            Assert.True(secondRead.Headers.Age is not null, $"{path}: an anonymous reader's second request was not served from the cache");
            // Cached copies keep the security headers.
            Assert.True(secondRead.Headers.Contains("Content-Security-Policy"), $"{path}: the cached copy lost its Content-Security-Policy");

            // Now the public copy exists: staff still do not get it.
            Assert.True((await admin.GetAsync(path)).Headers.Age is null, $"{path} was served to a signed-in admin from the public cache");
        }

        // Any credentials skip the cache, even ones that turn out to be wrong.
        using var withBearer = new HttpRequestMessage(HttpMethod.Get, "/");
        withBearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "bs_not_a_key");
        Assert.Null((await reader.SendAsync(withBearer)).Headers.Age);
        using var withStaleCookie = new HttpRequestMessage(HttpMethod.Get, "/");
        withStaleCookie.Headers.Add("Cookie", "broadsheet.auth=expired-or-forged");
        Assert.Null((await reader.SendAsync(withStaleCookie)).Headers.Age);
        // A cookie that is not a sign-in (a reader who once opened the login form) still shares the public copy.
        using var withOtherCookie = new HttpRequestMessage(HttpMethod.Get, "/");
        withOtherCookie.Headers.Add("Cookie", ".AspNetCore.Antiforgery.abc=xyz");
        Assert.NotNull((await reader.SendAsync(withOtherCookie)).Headers.Age);
    }

    // The warm-up after start renders the home page through the whole pipeline, as "localhost" (the test
    // client's host too), but must leave the public cache empty: the first reader gets a fresh page.
    [Fact]
    public async Task The_start_up_warm_up_renders_the_home_page_and_leaves_the_cache_to_readers()
    {
        await using var app = new BroadsheetFactory(provider, outputCache: true);
        await app.AddPostAsync("Town hall meeting", tags: ["Meetings"]);

        Assert.Equal(StatusCodes.Status200OK, await app.Services.GetRequiredService<StartupMemoryRelease>().WarmUpAsync());

        var reader = app.CreateClient();
        var first = await reader.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(first.Headers.Age is null, "the warm-up's page was stored in the public cache");
        Assert.Contains("Town hall meeting", await first.Content.ReadAsStringAsync());
        Assert.True((await reader.GetAsync("/")).Headers.Age is not null, "the reader's page was not cached");
    }

    [Fact]
    public async Task Settings_changes_show_at_once_with_the_output_cache_on()
    {
        await using var app = new BroadsheetFactory(provider, outputCache: true);
        var client = app.CreateClient();
        Assert.Equal("Broadsheet", (await client.GetDocumentAsync("/")).QuerySelector(".site-title").Text());
        await app.UpdateSettingsAsync(s => s.Title = "Peace Now");
        Assert.Equal("Peace Now", (await client.GetDocumentAsync("/")).QuerySelector(".site-title").Text());
    }
}

public sealed class SqliteCachingTests() : CachingTests(TestProvider.Sqlite);

public sealed class PostgresCachingTests() : CachingTests(TestProvider.Postgres);
