using System.Globalization;
using System.Net;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Admin;

/// <summary>
/// An account gets an existing byline (and with it the right to edit that byline's posts) only when an
/// Administrator links them, never because the names match.
/// </summary>
public abstract class BylineLinkTests(TestProvider provider)
{
    private static bool Refused(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Forbidden
        || (response.StatusCode == HttpStatusCode.Redirect && new Uri(new Uri("http://localhost"), response.Headers.Location!).AbsolutePath == "/admin/denied");

    private static Task<HttpResponseMessage> ForgeUnpublishAsync(HttpClient client, string token, int postId, int version) =>
        client.PostAsync($"/admin/posts/edit/{postId}?act=unpublish", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Title"] = "Taken over", ["Input.Body"] = "x", ["Input.Version"] = version.ToString(CultureInfo.InvariantCulture), ["__RequestVerificationToken"] = token,
        }));

    [Fact]
    public async Task A_new_account_named_like_an_imported_byline_gets_its_own_until_an_administrator_links_them()
    {
        await using var app = new BroadsheetFactory(provider);
        var imported = await app.AddPostAsync("Ten years of the campaign", authors: ["Jane Doe"]);
        await app.AddUserAsync(Roles.Author, "jane@example.org", "Jane Doe");
        var jane = await app.SignInAsync("jane@example.org");

        // Jane's first post gets a byline of her own, not the imported writer's.
        var written = await jane.SubmitAsync("/admin/posts/edit", new() { ["Input.Title"] = "My first piece", ["Input.Body"] = "Hello." }, "form[data-editor]", "act=publish");
        Assert.Equal(HttpStatusCode.Redirect, written.StatusCode);
        var site = app.CreateClient();
        var importedAuthor = await site.GetStringAsync("/author/jane-doe");
        Assert.Contains("Ten years of the campaign", importedAuthor);
        Assert.DoesNotContain("My first piece", importedAuthor);
        Assert.Contains("My first piece", await site.GetStringAsync("/author/jane-doe-2"));

        // …and so she can neither open nor unpublish the imported writer's posts.
        Assert.True(Refused(await jane.GetAsync($"/admin/posts/edit/{imported.Id}")));
        var token = await jane.AntiforgeryTokenAsync("/admin/posts/edit");
        Assert.True(Refused(await ForgeUnpublishAsync(jane, token, imported.Id, imported.Version)));
        Assert.Equal(HttpStatusCode.OK, (await site.GetAsync(imported.Permalink)).StatusCode);

        // Only administrators may link; an editor's forged post changes nothing.
        var editor = await app.SignedInAsync(Roles.Editor);
        var editorToken = await editor.AntiforgeryTokenAsync("/admin/posts/edit");
        var forged = await editor.PostAsync("/admin/users?handler=Byline", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["id"] = "x", ["author"] = "1", ["__RequestVerificationToken"] = editorToken,
        }));
        Assert.True(Refused(forged));
        Assert.True(Refused(await jane.GetAsync($"/admin/posts/edit/{imported.Id}")));

        // An administrator links Jane's account to the imported byline, choosing it among the account-less ones.
        var admin = await app.SignedInAsync(Roles.Administrator);
        var (_, users) = await admin.GetPageAsync("/admin/users");
        var form = users.QuerySelector("form.byline-form")!;
        var account = form.QuerySelectorAll("select[name=id] option").Single(o => o.TextContent.Contains("jane@example.org", StringComparison.Ordinal)).GetAttribute("value")!;
        var bylines = form.QuerySelectorAll("select[name=author] option").ToList();
        Assert.DoesNotContain(bylines, o => o.TextContent.Contains("jane-doe-2", StringComparison.Ordinal)); // hers already
        var byline = bylines.Single(o => o.TextContent.Contains("(jane-doe)", StringComparison.Ordinal)).GetAttribute("value")!;
        var linked = await admin.SubmitAsync(form, "/admin/users", new() { ["id"] = account, ["author"] = byline });
        Assert.Equal(HttpStatusCode.Redirect, linked.StatusCode);
        Assert.Contains("Writes as Jane Doe, Jane Doe", (await admin.GetPageAsync("/admin/users")).Page.Body!.TextContent);

        // Now the imported posts are hers.
        Assert.Equal(HttpStatusCode.OK, (await jane.GetAsync($"/admin/posts/edit/{imported.Id}")).StatusCode);

        // A byline that belongs to an account cannot be linked to another one.
        var other = await app.AddUserAsync(Roles.Author, "other@example.org", "Other Writer");
        var adminToken = await admin.AntiforgeryTokenAsync("/admin/users");
        var taken = await admin.PostAsync("/admin/users?handler=Byline", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["id"] = other.Id, ["author"] = byline, ["__RequestVerificationToken"] = adminToken,
        }));
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Contains("already belongs to an account", await taken.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await jane.GetAsync($"/admin/posts/edit/{imported.Id}")).StatusCode);

        // And the link needs the form's antiforgery token.
        var noToken = await admin.PostAsync("/admin/users?handler=Byline", new FormUrlEncodedContent(new Dictionary<string, string> { ["id"] = other.Id, ["author"] = byline }));
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
    }
}

public sealed class SqliteBylineLinkTests() : BylineLinkTests(TestProvider.Sqlite);

public sealed class PostgresBylineLinkTests() : BylineLinkTests(TestProvider.Postgres);
