using System.Net;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Posts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Admin;

/// <summary>Writing, publishing, scheduling and editing through the admin's forms, on each database.</summary>
public abstract class EditorTests(TestProvider provider)
{
    private BroadsheetFactory App() => new(provider);

    private static async Task<int> NewPostAsync(HttpClient client, string title, string body, string act, Dictionary<string, string?>? more = null)
    {
        var fields = new Dictionary<string, string?> { ["Input.Title"] = title, ["Input.Body"] = body };
        foreach (var (k, v) in more ?? []) fields[k] = v;
        var response = await client.SubmitAsync("/admin/posts/edit", fields, "form[data-editor]", $"act={act}");
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"save answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return int.Parse(response.Headers.Location!.OriginalString.Split('/').Last(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<Post> PostAsync(BroadsheetFactory app, int id)
    {
        await using var scope = app.Scope();
        return await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Posts.AsNoTracking().Include(p => p.Tags).SingleAsync(p => p.Id == id);
    }

    [Fact]
    public async Task An_author_writes_and_publishes_a_post_that_readers_then_see()
    {
        await using var app = App();
        var client = await app.SignedInAsync(Roles.Author);

        var id = await NewPostAsync(client, "Rally on Saturday", "Meet at **noon** by the fountain.", "publish", new() { ["Input.Tags"] = "Events, Transport" });

        var post = await PostAsync(app, id);
        Assert.Equal(PostStatus.Published, post.Status);
        Assert.Equal(["events", "transport"], post.Tags.Select(t => t.Slug).Order());
        var home = await app.CreateClient().GetDocumentAsync("/");
        Assert.Contains("Rally on Saturday", home.QuerySelectorAll(".post-title").Select(t => t.Text()));
        var page = await app.CreateClient().GetDocumentAsync(post.Permalink!);
        Assert.Equal("noon", page.QuerySelector(".post-body strong").Text());
        var byline = page.QuerySelector(".byline")?.Text() ?? page.Body!.TextContent;
        Assert.Contains("Author Person", byline);
    }

    [Fact]
    public async Task A_scheduled_post_waits_for_its_time_in_the_site_time_zone()
    {
        await using var app = App();
        var client = await app.SignedInAsync(Roles.Editor);
        // The clock says 12:00 UTC on 14 March 2026 = 12:00 in London; schedule for 15:30 London time.
        var id = await NewPostAsync(client, "Announcement", "Soon.", "publish", new() { ["Input.PublishAt"] = "2026-03-14T15:30" });

        var post = await PostAsync(app, id);
        Assert.Equal(PostStatus.Scheduled, post.Status);
        Assert.Equal(new DateTime(2026, 3, 14, 15, 30, 0, DateTimeKind.Utc), post.PublishedAt);
        Assert.DoesNotContain("Announcement", (await app.CreateClient().GetDocumentAsync("/")).Body!.TextContent);

        app.Clock.Advance(TimeSpan.FromHours(4));
        Assert.Contains("Announcement", (await app.CreateClient().GetDocumentAsync("/")).Body!.TextContent);
    }

    [Fact]
    public async Task Changing_the_slug_of_a_published_post_keeps_the_old_address_as_a_redirect()
    {
        await using var app = App();
        var client = await app.SignedInAsync(Roles.Editor);
        var id = await NewPostAsync(client, "First title", "Body.", "publish");
        var before = (await PostAsync(app, id)).Permalink!;

        var response = await client.SubmitAsync($"/admin/posts/edit/{id}", new() { ["Input.Slug"] = "better-title" }, "form[data-editor]", "act=save");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);

        var after = (await PostAsync(app, id)).Permalink!;
        Assert.EndsWith("/better-title", after);
        var old = await app.Browser().GetAsync(before);
        Assert.Equal(HttpStatusCode.MovedPermanently, old.StatusCode);
        Assert.Equal(after, old.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_stale_edit_is_refused_and_the_newer_text_survives()
    {
        await using var app = App();
        var alice = await app.SignedInAsync(Roles.Editor, "alice@example.org");
        var bob = await app.SignedInAsync(Roles.Administrator, "bob@example.org");
        var id = await NewPostAsync(alice, "Shared", "Original.", "save");

        // Both open the editor; Bob saves first, then Alice saves the form she loaded earlier.
        var (_, alicePage) = await alice.GetPageAsync($"/admin/posts/edit/{id}");
        var bobSaved = await bob.SubmitAsync($"/admin/posts/edit/{id}", new() { ["Input.Body"] = "Bob's version." }, "form[data-editor]", "act=save");
        Assert.Equal(HttpStatusCode.Redirect, bobSaved.StatusCode);
        var aliceSaved = await alice.SubmitAsync(alicePage.QuerySelector("form[data-editor]")!, $"/admin/posts/edit/{id}", new() { ["Input.Body"] = "Alice's version." }, "act=save");

        Assert.Equal(HttpStatusCode.Conflict, aliceSaved.StatusCode);
        Assert.Contains("NOT saved", await aliceSaved.Content.ReadAsStringAsync());
        Assert.Equal("Bob's version.", (await PostAsync(app, id)).Body);
    }

    public const string UnknownTagBody = "Press the key, or use <Enter> key then type more words. And the rest stays.";

    [Fact]
    public async Task A_tag_the_sanitiser_does_not_allow_shows_as_typed_on_the_page_and_in_every_preview()
    {
        await using var app = App();
        var client = await app.SignedInAsync(Roles.Author);
        var id = await NewPostAsync(client, "Keyboard help", UnknownTagBody + "\n\nAn allowed tag such as <b>bold</b> still works.", "publish");
        var post = await PostAsync(app, id);

        static void AssertShownAsTyped(string html, string where)
        {
            Assert.Contains("use &lt;Enter&gt; key then type more words. And the rest stays.", html);
            Assert.Contains("<b>bold</b>", html);
            Assert.False(html.Contains("<enter", StringComparison.OrdinalIgnoreCase), $"{where}: {html}");
        }
        var page = await app.CreateClient().GetDocumentAsync(post.Permalink!);
        AssertShownAsTyped(page.QuerySelector(".post-body")!.InnerHtml, "page");
        Assert.Contains("use <Enter> key then type more words. And the rest stays.", page.QuerySelector(".post-body")!.TextContent);

        // The preview of the saved post, the editor's Preview button and the live preview beside the editor.
        var saved = await client.GetDocumentAsync($"/admin/posts/preview/{id}");
        AssertShownAsTyped(saved.QuerySelector(".post-body")!.InnerHtml, "saved preview");
        var button = await client.SubmitAsync($"/admin/posts/edit/{id}", new(), "form[data-editor]", "act=preview");
        Assert.Equal(HttpStatusCode.OK, button.StatusCode);
        var buttonPage = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await button.Content.ReadAsStringAsync());
        AssertShownAsTyped(buttonPage.QuerySelector("#live-preview")!.InnerHtml, "preview button");
        var (_, editor) = await client.GetPageAsync("/admin/posts/edit");
        var live = await client.SubmitAsync(editor.QuerySelector("form[data-editor]")!, "/admin/posts/edit?handler=Preview", new() { ["Input.Body"] = post.Body });
        AssertShownAsTyped(await live.Content.ReadAsStringAsync(), "live preview");
    }
}

public sealed class SqliteEditorTests() : EditorTests(TestProvider.Sqlite);

public sealed class PostgresEditorTests() : EditorTests(TestProvider.Postgres);
