using System.Net;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Posts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Admin;

/// <summary>What each role may and may not do, tried over HTTP as that person.</summary>
public sealed class RoleTests
{
    private static bool Refused(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Forbidden
        || (response.StatusCode == HttpStatusCode.Redirect && new Uri(new Uri("http://localhost"), response.Headers.Location!).AbsolutePath == "/admin/denied");

    private static async Task<PostStatus> StatusAsync(BroadsheetFactory app, string title)
    {
        await using var scope = app.Scope();
        return await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Posts.Where(p => p.Title == title).Select(p => p.Status).SingleAsync();
    }

    [Fact]
    public async Task A_contributor_saves_drafts_but_cannot_publish()
    {
        await using var app = new BroadsheetFactory();
        var client = await app.SignedInAsync(Roles.Contributor);

        var (_, editor) = await client.GetPageAsync("/admin/posts/edit");
        Assert.Null(editor.QuerySelector("button[value=publish]"));
        var draft = await client.SubmitAsync("/admin/posts/edit", new() { ["Input.Title"] = "My draft", ["Input.Body"] = "Words." }, "form[data-editor]", "act=save");
        Assert.Equal(HttpStatusCode.Redirect, draft.StatusCode);

        // Forging the publish button is refused, and nothing is published.
        var forged = await client.SubmitAsync(draft.Headers.Location!.OriginalString, new(), "form[data-editor]", "act=publish");
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Equal(PostStatus.Draft, await StatusAsync(app, "My draft"));
        Assert.DoesNotContain("My draft", (await app.CreateClient().GetDocumentAsync("/")).Body!.TextContent);
    }

    [Fact]
    public async Task An_author_cannot_open_or_change_someone_elses_post_but_an_editor_can()
    {
        await using var app = new BroadsheetFactory();
        var post = await app.AddPostAsync("Editor's piece", authors: ["Someone Else"]);
        var author = await app.SignedInAsync(Roles.Author);

        Assert.True(Refused(await author.GetAsync($"/admin/posts/edit/{post.Id}")));
        var token = await author.AntiforgeryTokenAsync("/admin/posts/edit");
        var forged = await author.PostAsync($"/admin/posts/edit/{post.Id}?act=save", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Title"] = "Defaced", ["Input.Body"] = "x", ["Input.Version"] = post.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), ["__RequestVerificationToken"] = token,
        }));
        Assert.True(Refused(forged));
        Assert.Equal(PostStatus.Published, await StatusAsync(app, "Editor's piece"));

        var editor = await app.SignedInAsync(Roles.Editor);
        Assert.Equal(HttpStatusCode.OK, (await editor.GetAsync($"/admin/posts/edit/{post.Id}")).StatusCode);
    }

    [Theory]
    [InlineData(Roles.Contributor, false)]
    [InlineData(Roles.Author, false)]
    [InlineData(Roles.Editor, false)]
    [InlineData(Roles.Administrator, true)]
    [InlineData(Roles.Owner, true)]
    public async Task Only_administrators_manage_users_and_settings(string role, bool allowed)
    {
        await using var app = new BroadsheetFactory();
        var client = await app.SignedInAsync(role);
        foreach (var path in new[] { "/admin/users", "/admin/settings" })
        {
            var response = await client.GetAsync(path);
            if (allowed) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            else Assert.True(Refused(response), $"{role} reached {path}");
        }
    }

    [Fact]
    public async Task An_administrator_changes_the_site_title_and_readers_see_it()
    {
        await using var app = new BroadsheetFactory();
        var client = await app.SignedInAsync(Roles.Administrator);

        var bad = await client.SubmitAsync("/admin/settings", new() { ["Input.TimeZone"] = "Mars/Olympus", ["Input.Title"] = "Never saved" });
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        Assert.Contains("Not a known time zone", await bad.Content.ReadAsStringAsync());

        var good = await client.SubmitAsync("/admin/settings", new() { ["Input.Title"] = "Friends of the Park", ["Input.Navigation"] = "About|/about" });
        Assert.Equal(HttpStatusCode.Redirect, good.StatusCode);
        var home = await app.CreateClient().GetDocumentAsync("/");
        Assert.Equal("Friends of the Park", home.QuerySelector(".site-title").Text());
        Assert.Contains(home.QuerySelectorAll("nav a"), a => a.GetAttribute("href") == "/about");
    }

    [Fact]
    public async Task An_administrator_cannot_take_or_give_away_ownership()
    {
        await using var app = new BroadsheetFactory();
        var owner = await app.AddUserAsync(Roles.Owner);
        var admin = await app.SignedInAsync(Roles.Administrator);

        var (_, page) = await admin.GetPageAsync("/admin/users");
        var form = page.QuerySelectorAll("form.role-form").First(f => f.QuerySelector("input[name=id]")!.GetAttribute("value") == owner.Id);
        var response = await admin.SubmitAsync(form, "/admin/users", new() { ["role"] = Roles.Editor });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await using var scope = app.Scope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<User>>();
        Assert.Single(await users.GetUsersInRoleAsync(Roles.Owner));
    }
}
