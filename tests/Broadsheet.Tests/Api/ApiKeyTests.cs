using Broadsheet.Features.Accounts;
using System.Net;
using System.Net.Http.Headers;
using Broadsheet.Data;
using Broadsheet.Features.Api;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Api;

/// <summary>Who may call the Admin API: a valid, unrevoked key, and nothing else.</summary>
public sealed class ApiKeyTests
{
    [Fact]
    public async Task Without_a_key_or_with_a_wrong_one_the_admin_api_answers_401_problems()
    {
        await using var app = new BroadsheetFactory();
        var realKey = await app.CreateKeyAsync();
        var client = app.CreateClient();

        var none = await (await client.GetAsync("/api/admin/posts")).ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("An API key is needed", (string)none["detail"]!);

        var forged = realKey[..^4] + "AAAA";
        var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/admin/posts");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", forged);
        Assert.Contains("not valid", (string)(await (await client.SendAsync(wrong)).ProblemAsync(HttpStatusCode.Unauthorized))["detail"]!);

        var garbled = new HttpRequestMessage(HttpMethod.Get, "/api/admin/posts");
        garbled.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, "letmein");
        Assert.Contains("malformed", (string)(await (await client.SendAsync(garbled)).ProblemAsync(HttpStatusCode.Unauthorized))["detail"]!);

        var header = new HttpRequestMessage(HttpMethod.Get, "/api/admin/posts");
        header.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, realKey);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(header)).StatusCode);
    }

    [Fact]
    public async Task A_revoked_key_gets_401_saying_so_and_changes_nothing()
    {
        await using var app = new BroadsheetFactory();
        var post = await app.AddPostAsync("Untouchable", body: "Original.");
        var api = await app.ApiClientAsync("Old website sync");
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/admin/posts/{post.Id}")).StatusCode);
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            var key = await db.ApiKeys.SingleAsync();
            Assert.NotNull(key.LastUsedAt);
            Assert.True(await scope.ServiceProvider.GetRequiredService<ApiKeyService>().RevokeAsync(key.Id));
        }

        var refused = await (await api.PutJsonAsync($"/api/admin/posts/{post.Id}", new { body = "Vandalised.", version = post.Version })).ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("\"Old website sync\" was revoked", (string)refused["detail"]!);
        await (await api.DeleteAsync($"/api/admin/posts/{post.Id}")).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await api.PostAsync("/api/admin/media", ApiTestKit.Upload(ApiTestKit.Png(1, 1), "x.png", "image/png"))).ProblemAsync(HttpStatusCode.Unauthorized);

        await using var check = app.Scope();
        var stored = await check.ServiceProvider.GetRequiredService<BroadsheetDb>().Posts.AsNoTracking().SingleAsync();
        Assert.Equal("Original.", stored.Body);
        Assert.Equal(post.Version, stored.Version);
        await MediaApiTests.AssertNothingStoredAsync(app);
    }

    [Fact]
    public async Task Only_a_hash_of_the_secret_is_stored()
    {
        await using var app = new BroadsheetFactory();
        var full = await app.CreateKeyAsync();
        await using var scope = app.Scope();
        var key = await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().ApiKeys.SingleAsync();
        var secret = full[(full.LastIndexOf('_', full.Length - 44) + 1)..];
        Assert.StartsWith($"bs_{key.Prefix}_", full);
        Assert.DoesNotContain(secret, key.SecretHash);
        Assert.Equal(64, key.SecretHash.Length);
    }

    [Fact]
    public async Task An_editor_key_works_on_content_but_not_on_the_site_settings()
    {
        await using var app = new BroadsheetFactory();
        var post = await app.AddPostAsync("Shared draft", body: "First words.");
        var editor = await app.ApiClientAsync("Newsletter sync", Roles.Editor);

        Assert.Equal(HttpStatusCode.OK, (await editor.GetAsync($"/api/admin/posts/{post.Id}")).StatusCode);
        await (await editor.PutJsonAsync($"/api/admin/posts/{post.Id}", new { body = "Better words.", version = post.Version })).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, (await editor.GetAsync("/api/admin/tags")).StatusCode);

        var read = await (await editor.GetAsync("/api/admin/settings")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("Editor key", (string)read["detail"]!);
        await (await editor.PutJsonAsync("/api/admin/settings", new { title = "Taken over" })).ProblemAsync(HttpStatusCode.Forbidden);

        var administrator = await app.ApiClientAsync("Site manager", Roles.Administrator);
        var settings = await (await administrator.GetAsync("/api/admin/settings")).JsonAsync(HttpStatusCode.OK);
        Assert.NotEqual("Taken over", (string?)settings["title"]);
        await using var scope = app.Scope();
        Assert.Equal("Better words.", (await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Posts.AsNoTracking().SingleAsync()).Body);
    }

    [Fact]
    public async Task A_signed_in_browser_without_a_key_cannot_use_the_admin_api()
    {
        await using var factory = new BroadsheetFactory();
        var app = factory.WithTestSignIn();
        var owner = app.SignedInAs("Owner");
        // The admin page opens for the same user, the API does not: the API only accepts keys.
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync("/admin/api-keys")).StatusCode);
        await (await owner.GetAsync("/api/admin/posts")).ProblemAsync(HttpStatusCode.Unauthorized);
    }
}
