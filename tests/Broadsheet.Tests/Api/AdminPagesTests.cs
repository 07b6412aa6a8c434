using System.Net;
using AngleSharp.Html.Parser;
using Broadsheet.Data;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Api;

/// <summary>
/// The API keys and media library pages, used as an administrator would with forms. Sign-in is
/// stood in for by <see cref="TestSignInHandler"/> (the accounts feature provides the real one).
/// </summary>
public sealed class AdminPagesTests
{
    [Fact]
    public async Task An_administrator_creates_a_key_sees_it_once_uses_it_and_revokes_it()
    {
        await using var factory = new BroadsheetFactory();
        var app = factory.WithTestSignIn();
        var admin = app.SignedInAs("Administrator");

        var created = await PostFormAsync(admin, "/admin/api-keys", "form[action*='handler=Create']", new() { ["Name"] = "Newsletter sync" });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var page = new HtmlParser().ParseDocument(await created.Content.ReadAsStringAsync());
        var key = page.QuerySelector("#new-key")?.GetAttribute("value");
        Assert.NotNull(key);
        Assert.StartsWith("bs_", key);
        Assert.Contains("no-store", created.Headers.CacheControl?.ToString());

        // Shown once: the list shows only the prefix afterwards.
        var list = await admin.GetStringAsync("/admin/api-keys");
        Assert.DoesNotContain(key, list);
        Assert.Contains("Newsletter sync", list);
        // Unless asked otherwise, a key is an Editor key: content, not settings.
        Assert.Equal("Editor", new HtmlParser().ParseDocument(list).QuerySelector("td.role").Text());

        var api = app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/admin/posts")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync("/api/admin/settings")).StatusCode);

        var revoked = await PostFormAsync(admin, "/admin/api-keys", "form[action*='handler=Revoke']", []);
        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        var after = new HtmlParser().ParseDocument(await admin.GetStringAsync("/admin/api-keys"));
        Assert.StartsWith("revoked", after.QuerySelector("td.state").Text());
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/admin/posts")).StatusCode);
    }

    [Fact]
    public async Task An_administrator_key_is_made_only_when_asked_for_and_a_made_up_role_is_refused()
    {
        await using var factory = new BroadsheetFactory();
        var app = factory.WithTestSignIn();
        var admin = app.SignedInAs("Administrator");

        var created = await PostFormAsync(admin, "/admin/api-keys", "form[action*='handler=Create']", new() { ["Name"] = "Site manager", ["Role"] = "Administrator" });
        var key = new HtmlParser().ParseDocument(await created.Content.ReadAsStringAsync()).QuerySelector("#new-key")!.GetAttribute("value");
        var api = app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/admin/settings")).StatusCode);
        Assert.Equal("Administrator", new HtmlParser().ParseDocument(await admin.GetStringAsync("/admin/api-keys")).QuerySelector("td.role").Text());

        var owner = await PostFormAsync(admin, "/admin/api-keys", "form[action*='handler=Create']", new() { ["Name"] = "Too much", ["Role"] = "Owner" });
        Assert.Equal(HttpStatusCode.BadRequest, owner.StatusCode);
        Assert.Contains("Choose what the key may do", await owner.Content.ReadAsStringAsync());
        await using var scope = factory.Scope();
        Assert.Equal(["Site manager"], await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().ApiKeys.Select(k => k.Name).ToListAsync());
    }

    [Fact]
    public async Task Key_forms_need_a_name_and_an_antiforgery_token()
    {
        await using var factory = new BroadsheetFactory();
        var app = factory.WithTestSignIn();
        var admin = app.SignedInAs("Administrator");

        var unnamed = await PostFormAsync(admin, "/admin/api-keys", "form[action*='handler=Create']", new() { ["Name"] = " " });
        Assert.Equal(HttpStatusCode.BadRequest, unnamed.StatusCode);
        Assert.Contains("Give the key a name", await unnamed.Content.ReadAsStringAsync());

        var forged = await admin.PostAsync("/admin/api-keys?handler=Create", new FormUrlEncodedContent(new Dictionary<string, string> { ["Name"] = "Sneaky" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        await using var scope = factory.Scope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().ApiKeys.CountAsync());
    }

    [Theory]
    [InlineData(null, "/admin/api-keys", HttpStatusCode.Unauthorized)]
    [InlineData("Editor", "/admin/api-keys", HttpStatusCode.Forbidden)]
    [InlineData("Owner", "/admin/api-keys", HttpStatusCode.OK)]
    [InlineData(null, "/admin/media", HttpStatusCode.Unauthorized)]
    [InlineData("Author", "/admin/media", HttpStatusCode.Forbidden)]
    [InlineData("Contributor", "/admin/media", HttpStatusCode.Forbidden)]
    [InlineData("Editor", "/admin/media", HttpStatusCode.OK)]
    public async Task The_pages_open_only_for_the_roles_their_policy_names(string? role, string path, HttpStatusCode expected)
    {
        await using var factory = new BroadsheetFactory();
        Assert.Equal(expected, (await factory.WithTestSignIn().SignedInAs(role).GetAsync(path)).StatusCode);
    }

    [Theory]
    [InlineData("Editor", "/admin/media", false)]
    [InlineData("Administrator", "/admin/media", true)]
    [InlineData("Administrator", "/admin/api-keys", true)]
    public async Task The_pages_sit_in_the_admin_with_its_navigation_showing_only_what_the_role_may_open(string role, string path, bool seesKeys)
    {
        await using var factory = new BroadsheetFactory();
        var page = await factory.WithTestSignIn().SignedInAs(role).GetDocumentAsync(path);

        var nav = page.QuerySelector("nav[aria-label='Admin']");
        Assert.NotNull(nav);
        var links = nav.QuerySelectorAll("a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Contains("/admin/media", links);
        Assert.Equal(seesKeys, links.Contains("/admin/api-keys"));
        Assert.Single(page.QuerySelectorAll("main"));
        Assert.EndsWith("Admin — " + page.QuerySelector(".brand a")!.TextContent, page.Title);
    }

    [Fact]
    public async Task An_editor_uploads_an_image_sets_its_alt_text_picks_it_and_deletes_it()
    {
        await using var factory = new BroadsheetFactory();
        var app = factory.WithTestSignIn();
        var editor = app.SignedInAs("Editor");

        var uploaded = await PostFileAsync(editor, ApiTestKit.Png(800, 600), "banner.png");
        Assert.Equal(HttpStatusCode.Redirect, uploaded.StatusCode);
        var page = new HtmlParser().ParseDocument(await editor.GetStringAsync("/admin/media"));
        var item = page.QuerySelector(".media-item");
        Assert.NotNull(item);
        Assert.Contains("800×600", item.QuerySelector(".details").Text());
        var src = item.QuerySelector("img")!.GetAttribute("src")!;
        Assert.Equal(HttpStatusCode.OK, (await editor.GetAsync(src)).StatusCode);

        await PostFormAsync(editor, "/admin/media", "form[action*='handler=AltText']", new() { ["altText"] = "Our banner at the march" });
        page = new HtmlParser().ParseDocument(await editor.GetStringAsync("/admin/media"));
        Assert.Equal($"![Our banner at the march]({src})", page.QuerySelector("input.pick")!.GetAttribute("value"));

        await PostFormAsync(editor, "/admin/media", "form[action*='handler=Delete']", []);
        Assert.Equal(HttpStatusCode.NotFound, (await editor.GetAsync(src)).StatusCode);
        await MediaApiTests.AssertNothingStoredAsync(factory);
    }

    [Fact]
    public async Task A_disguised_upload_on_the_page_is_refused_with_the_reason_shown()
    {
        await using var factory = new BroadsheetFactory();
        var editor = factory.WithTestSignIn().SignedInAs("Editor");

        var refused = await PostFileAsync(editor, ApiTestKit.SvgWithScript(), "logo.png");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var page = new HtmlParser().ParseDocument(await refused.Content.ReadAsStringAsync());
        Assert.Contains("SVG images are not accepted", page.QuerySelector(".error").Text());
        await MediaApiTests.AssertNothingStoredAsync(factory);
    }

    /// <summary>Fills and submits the first form matching <paramref name="selector"/> on the page, as a browser would.</summary>
    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, string selector, Dictionary<string, string> values)
    {
        var page = await client.GetDocumentAsync(path);
        var form = page.QuerySelector(selector);
        Assert.True(form is not null, $"no form {selector} on {path}");
        var fields = form.QuerySelectorAll("input[name]").ToDictionary(i => i.GetAttribute("name")!, i => i.GetAttribute("value") ?? "");
        foreach (var select in form.QuerySelectorAll("select[name]")) // as a browser sends it: the selected option, else the first
            fields[select.GetAttribute("name")!] = (select.QuerySelector("option[selected]") ?? select.QuerySelector("option"))?.GetAttribute("value") ?? "";
        foreach (var (name, value) in values) fields[name] = value;
        return await client.PostAsync(form.GetAttribute("action") ?? path, new FormUrlEncodedContent(fields));
    }

    private static async Task<HttpResponseMessage> PostFileAsync(HttpClient client, byte[] bytes, string name)
    {
        var page = await client.GetDocumentAsync("/admin/media");
        var form = page.QuerySelector("form[action*='handler=Upload']")!;
        var content = ApiTestKit.Upload(bytes, name, "image/png", "");
        content.Add(new StringContent(form.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!), "__RequestVerificationToken");
        return await client.PostAsync(form.GetAttribute("action"), content);
    }
}
