using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Admin;

/// <summary>
/// The CSP forbids inline script and inline event handlers, so pages must not contain any — or they
/// would silently break. Checked on real public and admin pages as served.
/// </summary>
public sealed class CspCleanTests
{
    [Fact]
    public async Task Public_and_admin_pages_have_no_inline_script_or_event_handlers()
    {
        await using var app = new BroadsheetFactory();
        var post = await app.AddPostAsync("Clean page", "Text with [a link](https://example.org).", tags: ["clean"]);
        var editor = await app.SignedInAsync(Roles.Owner);
        var anonymous = app.Browser();

        var pages = new List<(HttpClient Client, string Path)>
        {
            (anonymous, "/"), (anonymous, post.Permalink!), (anonymous, "/tag/clean"), (anonymous, "/archive"), (anonymous, "/admin/login"),
            (editor, "/admin"), (editor, "/admin/posts"), (editor, $"/admin/posts/edit/{post.Id}"), (editor, "/admin/users"),
            (editor, "/admin/settings"), (editor, "/admin/tags"), (editor, "/admin/account"), (editor, "/admin/account/two-factor"),
            (editor, $"/admin/posts/revisions/{post.Id}"), (editor, $"/admin/posts/preview/{post.Id}"),
            (editor, "/admin/search?q=clean"), (anonymous, "/search?q=clean"),
        };
        foreach (var (client, path) in pages)
        {
            var (response, page) = await client.GetPageAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}");
            foreach (var script in page.QuerySelectorAll("script"))
                Assert.True(script.HasAttribute("src") || script.GetAttribute("type") == "application/ld+json", $"inline script on {path}");
            var handlers = page.All.SelectMany(e => e.Attributes).Where(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)).Select(a => a.Name).ToList();
            Assert.True(handlers.Count == 0, $"event handler attributes on {path}: {string.Join(", ", handlers)}");
            var styled = page.QuerySelectorAll("[style]").Select(e => e.OuterHtml).ToList();
            Assert.True(styled.Count == 0, $"inline style on {path}: {string.Join(" ", styled)}");
            Assert.Empty(page.QuerySelectorAll("style"));
        }
    }
}
