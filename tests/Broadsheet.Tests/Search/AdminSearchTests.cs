using System.Net;
using AngleSharp.Dom;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Posts;
using Broadsheet.Tests.Api;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Search;

/// <summary>Admin search (page and API) finds drafts for staff, shows each role only what its post list shows, and never leaks drafts to the public.</summary>
public abstract class AdminSearchTests(TestProvider provider)
{
    private BroadsheetFactory App() => new BroadsheetFactory(provider).With("Search:IndexOnStart", "false");

    private static List<string> Titles(IDocument page) =>
        [.. page.QuerySelectorAll(".search-result .result-title").Select(t => t.Text())];

    private static string Status(IDocument page, string title) =>
        page.QuerySelectorAll(".search-result").Single(r => r.QuerySelector(".result-title")!.Text() == title).QuerySelector(".status")!.Text();

    [Fact]
    public async Task Staff_find_drafts_scheduled_and_published_posts_with_status_and_an_editor_link()
    {
        await using var app = App();
        var now = app.Clock.GetUtcNow().UtcDateTime;
        var draft = await app.AddPostAsync("Quarry draft", "The quarry plan is not out yet.", status: PostStatus.Draft, authors: ["Jo Writer"]);
        await app.AddPostAsync("Quarry embargo", "The quarry decision.", publishedAt: now.AddDays(2), status: PostStatus.Scheduled);
        await app.AddPostAsync("Quarry news", "The quarry opened.", publishedAt: now.AddDays(-2));
        var editor = await app.SignedInAsync(Roles.Editor);

        var (response, page) = await editor.GetPageAsync("/admin/search?q=quarry");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["Quarry draft", "Quarry embargo", "Quarry news"], Titles(page).Order());
        Assert.Equal("draft", Status(page, "Quarry draft"));
        Assert.Equal("scheduled", Status(page, "Quarry embargo"));
        Assert.Equal("published", Status(page, "Quarry news"));
        var draftResult = page.QuerySelectorAll(".search-result").Single(r => r.QuerySelector(".result-title")!.Text() == "Quarry draft");
        Assert.Equal($"/admin/posts/edit/{draft.Id}", draftResult.QuerySelector(".result-title a")!.GetAttribute("href"));
        Assert.Contains("Jo Writer", draftResult.QuerySelector(".result-meta")!.Text());
        Assert.Equal(["quarry"], draftResult.QuerySelectorAll(".snippet mark").Select(m => m.Text().ToLowerInvariant()));
        Assert.Equal(["Quarry draft"], Titles((await editor.GetPageAsync("/admin/search?q=quarry&status=draft")).Page));
        // The admin bar carries a search box on every admin page.
        Assert.Equal("/admin/search", (await editor.GetPageAsync("/admin/posts")).Page.QuerySelector("header form[role=search]")?.GetAttribute("action"));

        // The public search shows none of the unpublished ones.
        var publicPage = await app.CreateClient().GetDocumentAsync("/search?q=quarry");
        Assert.Equal(["Quarry news"], Titles(publicPage));
    }

    [Fact]
    public async Task A_contributor_finds_their_own_drafts_but_not_other_peoples()
    {
        await using var app = App();
        await app.AddPostAsync("Someone else's lighthouse draft", "The lighthouse plan.", status: PostStatus.Draft, authors: ["Someone Else"]);
        await app.AddPostAsync("Published lighthouse story", "The lighthouse reopened.", authors: ["Someone Else"]);
        var contributor = await app.SignedInAsync(Roles.Contributor);
        var saved = await contributor.SubmitAsync("/admin/posts/edit", new() { ["Input.Title"] = "My lighthouse draft", ["Input.Body"] = "Notes on the lighthouse." }, "form[data-editor]", "act=save");
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);

        var (_, page) = await contributor.GetPageAsync("/admin/search?q=lighthouse");
        var (_, list) = await contributor.GetPageAsync("/admin/posts");

        Assert.Equal(["My lighthouse draft"], Titles(page));
        // No more than the post list shows this account.
        Assert.Equal(list.QuerySelectorAll("a.post-link").Select(a => a.Text()), Titles(page));
        var editor = await app.SignedInAsync(Roles.Editor);
        Assert.Equal(3, Titles((await editor.GetPageAsync("/admin/search?q=lighthouse")).Page).Count);
    }

    [Fact]
    public async Task Signed_out_visitors_are_sent_to_sign_in_and_the_api_wants_a_key()
    {
        await using var app = App();
        await app.AddPostAsync("Secret draft", "Harbour plans.", status: PostStatus.Draft);
        var anonymous = app.Browser();

        var page = await anonymous.GetAsync("/admin/search?q=harbour");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/admin/login", page.Headers.Location!.OriginalString);
        Assert.DoesNotContain("Secret draft", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/search?q=harbour")).StatusCode);
        // A signed-in browser's cookie is not an API key either.
        var editor = await app.SignedInAsync(Roles.Editor);
        Assert.NotEqual(HttpStatusCode.OK, (await editor.GetAsync("/api/admin/search?q=harbour")).StatusCode);
    }

    [Fact]
    public async Task The_api_returns_drafts_as_json_and_refuses_bad_parameters()
    {
        await using var app = App();
        var now = app.Clock.GetUtcNow().UtcDateTime;
        var draft = await app.AddPostAsync("Tram depot draft", "The tram depot <b>closure</b>.", status: PostStatus.Draft, tags: ["Transport"], authors: ["Ana Reyes"]);
        await app.AddPostAsync("Tram depot news", "The depot stays.", publishedAt: now.AddDays(-1));
        var client = await app.ApiClientAsync();

        var all = await (await client.GetAsync("/api/admin/search?q=depot")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(2, all["items"]!.AsArray().Count);
        var drafts = await (await client.GetAsync("/api/admin/search?q=depot&status=draft")).JsonAsync(HttpStatusCode.OK);
        var item = drafts["items"]!.AsArray().Single()!;
        Assert.Equal(draft.Id, (int)item["id"]!);
        Assert.Equal("draft", (string)item["status"]!);
        Assert.Equal("post", (string)item["kind"]!);
        Assert.Equal($"/admin/posts/edit/{draft.Id}", (string)item["editUrl"]!);
        Assert.Null(item["permalink"]);
        Assert.Equal(["Ana Reyes"], item["authors"]!.AsArray().Select(a => (string)a!));
        Assert.Equal(["Transport"], item["tags"]!.AsArray().Select(a => (string)a!));
        Assert.Contains("<mark>depot</mark>", (string)item["snippetHtml"]!);
        Assert.DoesNotContain("<b>", (string)item["snippetHtml"]!);
        Assert.False((bool)drafts["hasMore"]!);

        await (await client.GetAsync("/api/admin/search?q=")).ProblemAsync(HttpStatusCode.BadRequest);
        await (await client.GetAsync("/api/admin/search?q=depot&status=lost")).ProblemAsync(HttpStatusCode.BadRequest);
        await (await client.GetAsync("/api/admin/search?q=depot&pageSize=0")).ProblemAsync(HttpStatusCode.BadRequest);
        var odd = await (await client.GetAsync("/api/admin/search?q=" + Uri.EscapeDataString("\"depot NEAR( *"))).JsonAsync(HttpStatusCode.OK);
        Assert.NotNull(odd["items"]);
    }
}

public sealed class SqliteAdminSearchTests() : AdminSearchTests(TestProvider.Sqlite);

public sealed class PostgresAdminSearchTests() : AdminSearchTests(TestProvider.Postgres);
