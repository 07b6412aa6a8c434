using System.Net;
using System.Net.Http.Headers;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Admin;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Shared;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Site;

/// <summary>
/// The one list of addresses that are no public page (Pipeline/PrivatePaths.cs), seen from outside: the public-page
/// cache and the conditional GET both leave them alone, and both treat every other address alike. Before the list
/// was one, the cache also skipped /account and the conditional GET /js and /health, which only ever reached a
/// standalone page of that slug: a public page that then went uncached, or without ETag and 304.
/// </summary>
public abstract class PrivatePathTests(TestProvider provider)
{
    [Fact]
    public async Task Private_paths_are_neither_cached_nor_answered_304()
    {
        await using var app = new BroadsheetFactory(provider, outputCache: true);
        await app.AddPostAsync("Town hall meeting");
        var reader = app.CreateClient();
        var staff = await app.SignedInAsync(Roles.Editor);

        // The stylesheets keep their own hash ETags; what they must not get is the cache's copy or the public pages' validators.
        foreach (var (client, path) in new[] { (reader, SiteAssets.CssHref), (reader, AdminSetup.Href("admin.css")), (reader, "/api/content/posts"), (staff, "/admin/posts") })
        {
            var first = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.True(first.Content.Headers.LastModified is null, $"{path} got the public pages' Last-Modified");
            using var conditional = new HttpRequestMessage(HttpMethod.Get, path);
            conditional.Headers.IfModifiedSince = app.Clock.GetUtcNow().AddDays(1);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(conditional)).StatusCode);
        }
        foreach (var path in new[] { SiteAssets.CssHref, AdminSetup.Href("admin.css") })
            Assert.True((await reader.GetAsync(path)).Headers.Age is null, $"{path} was served from the public-page cache");
    }

    [Fact]
    public async Task A_page_at_account_is_cached_like_any_public_page()
    {
        await using var app = new BroadsheetFactory(provider, outputCache: true);
        await app.AddPostAsync("Your account with us", body: "How membership works.", kind: PostKind.Page, slug: "account");
        var reader = app.CreateClient();

        var first = await reader.GetAsync("/account");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("How membership works.", await first.Content.ReadAsStringAsync());
        Assert.True((await reader.GetAsync("/account")).Headers.Age is not null, "/account, a public page, was not served from the cache");
    }

    [Theory]
    [InlineData("js")]
    [InlineData("health")]
    public async Task A_page_at_js_or_health_answers_304_like_any_public_page(string slug)
    {
        await using var app = new BroadsheetFactory(provider);
        await app.AddPostAsync("A page called " + slug, kind: PostKind.Page, slug: slug);
        var reader = app.CreateClient();

        var first = await reader.GetAsync("/" + slug);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(first.Headers.ETag is not null, $"/{slug}, a public page, has no ETag");
        using var byTag = new HttpRequestMessage(HttpMethod.Get, "/" + slug);
        byTag.Headers.IfNoneMatch.Add(first.Headers.ETag);
        Assert.Equal(HttpStatusCode.NotModified, (await reader.SendAsync(byTag)).StatusCode);
        using var stale = new HttpRequestMessage(HttpMethod.Get, "/" + slug);
        stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"something-else\""));
        Assert.Equal(HttpStatusCode.OK, (await reader.SendAsync(stale)).StatusCode);
    }
}

public sealed class SqlitePrivatePathTests() : PrivatePathTests(TestProvider.Sqlite);

public sealed class PostgresPrivatePathTests() : PrivatePathTests(TestProvider.Postgres);
