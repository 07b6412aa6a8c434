using System.Globalization;
using System.Net;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Api;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Search;

/// <summary>
/// Search costs this node's CPU, so the public page is limited per client address; and page numbers too large
/// to be a page are "no such page" on every listing (404 on pages, a 400 naming the field in the APIs), never an error.
/// </summary>
public abstract class SearchLimitTests(TestProvider provider)
{
    private const string Overflowing = "99999999999999999999";

    [Fact]
    public async Task One_address_searching_too_fast_is_told_to_wait_while_others_are_served()
    {
        await using var app = new BroadsheetFactory(provider).With("Search:RateLimit:PermitLimit", "3").With("Search:RateLimit:Window", "00:10:00");
        await app.AddPostAsync("Rally on Saturday", "Meet at the fountain.");
        var reader = app.Browser("203.0.113.7");
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/search?q=rally{i}")).StatusCode);

        var refused = await reader.GetAsync("/search?q=rally");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = int.Parse(refused.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 600);
        Assert.Contains($"Please try again in {retryAfter} second", await refused.Content.ReadAsStringAsync());

        // Another address is still served, and so is the rest of the site for the first one.
        var neighbour = await app.Browser("203.0.113.8").GetAsync("/search?q=rally");
        Assert.Equal(HttpStatusCode.OK, neighbour.StatusCode);
        Assert.Contains("/2026/03/rally-on-saturday", await neighbour.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/")).StatusCode);

        // Staff search is not limited (it needs an account or an API key, and the admin bar searches as people type).
        await app.AddUserAsync(Roles.Editor, "ed@example.org");
        var editor = await app.SignInAsync("ed@example.org");
        editor.DefaultRequestHeaders.Add(TestClientAddress.Header, "203.0.113.7");
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.OK, (await editor.GetAsync($"/admin/search?q=rally{i}")).StatusCode);
    }

    [Fact]
    public async Task The_admins_lists_and_search_follow_their_page_links()
    {
        await using var app = new BroadsheetFactory(provider);
        for (var i = 1; i <= 26; i++)
            await app.AddPostAsync($"Rally {i:D2}", "Meet at the fountain.", publishedAt: app.Clock.GetUtcNow().UtcDateTime.AddHours(-30 + i));
        var editor = await app.SignedInAsync(Roles.Editor);
        foreach (var path in new[] { "/admin/posts", "/admin/search?q=rally" })
        {
            var first = await TitlesAsync(editor, path);
            var second = await TitlesAsync(editor, path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "page=2");
            Assert.NotEmpty(second);
            Assert.Empty(first.Intersect(second));
            Assert.Equal(26, first.Union(second).Count());
        }

        static async Task<HashSet<string>> TitlesAsync(HttpClient client, string path) =>
            [.. System.Text.RegularExpressions.Regex.Matches((await client.GetDocumentAsync(path)).Body!.TextContent, @"Rally \d\d").Select(m => m.Value)];
    }

    [Fact]
    public async Task Page_numbers_too_large_to_be_a_page_are_not_found_or_refused_never_an_error()
    {
        await using var app = new BroadsheetFactory(provider);
        await app.AddPostAsync("Rally on Saturday", "Meet at the fountain.", tags: ["Events"], authors: ["Ana Lopes"]);
        var site = app.CreateClient();
        foreach (var page in new[] { Overflowing, "100001", int.MaxValue.ToString(CultureInfo.InvariantCulture) })
        {
            foreach (var path in new[] { "/search?q=rally&page=", "/?page=", "/tag/events?page=", "/author/ana-lopes?page=", "/2026?page=", "/2026/03?page=" })
                Assert.True((await site.GetAsync(path + page)).StatusCode == HttpStatusCode.NotFound, $"{path}{page} was not a 404");
        }

        var editor = await app.SignedInAsync(Roles.Editor);
        foreach (var path in new[] { "/admin/search?q=rally&page=", "/admin/posts?page=" })
            Assert.Equal(HttpStatusCode.NotFound, (await editor.GetAsync(path + int.MaxValue.ToString(CultureInfo.InvariantCulture))).StatusCode);

        var api = await app.ApiClientAsync(role: Roles.Editor);
        foreach (var path in new[] { "/api/admin/search?q=rally&page=", "/api/admin/posts?page=", "/api/admin/media?page=" })
        {
            var problem = await (await api.GetAsync(path + int.MaxValue.ToString(CultureInfo.InvariantCulture))).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]!["page"]);
        }
        var content = await (await app.CreateClient().GetAsync($"/api/content/posts?page={int.MaxValue}")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(content["errors"]!["page"]);
    }
}

public sealed class SqliteSearchLimitTests() : SearchLimitTests(TestProvider.Sqlite);

public sealed class PostgresSearchLimitTests() : SearchLimitTests(TestProvider.Postgres);
