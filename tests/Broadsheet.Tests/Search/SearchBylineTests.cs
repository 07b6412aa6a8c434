using System.Net;
using Broadsheet.Data;
using Broadsheet.Tests.Api;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Search;

/// <summary>Renaming or deleting a tag or an author changes what search finds at once, whichever way it was done.</summary>
public abstract class SearchBylineTests(TestProvider provider)
{
    private BroadsheetFactory App() => new BroadsheetFactory(provider).With("Search:IndexOnStart", "false");

    private static async Task<List<string>> FindAsync(HttpClient client, string q) =>
        [.. (await client.GetDocumentAsync("/search?q=" + Uri.EscapeDataString(q))).QuerySelectorAll(".search-result .result-title").Select(t => t.Text())];

    private static async Task<List<string>> ResultTagsAsync(HttpClient client, string q) =>
        [.. (await client.GetDocumentAsync("/search?q=" + Uri.EscapeDataString(q))).QuerySelectorAll(".search-result .tags a").Select(t => t.Text())];

    [Fact]
    public async Task A_tag_renamed_or_deleted_through_the_api_leaves_the_index_at_once()
    {
        await using var app = App();
        await app.AddPostAsync("Bus route meeting", "Timetables.", tags: ["Marigolds", "Transport"]);
        await app.AddPostAsync("Another bus note", "Fares.", tags: ["Marigolds"]);
        var client = app.CreateClient();
        var api = await app.ApiClientAsync();
        var tags = await (await api.GetAsync("/api/admin/tags")).JsonAsync(HttpStatusCode.OK);
        int IdOf(string name) => (int)tags.AsArray().Single(t => (string)t!["name"]! == name)!["id"]!;
        Assert.Equal(2, (await FindAsync(client, "marigolds")).Count);

        await (await api.PutAsync($"/api/admin/tags/{IdOf("Marigolds")}", ApiTestKit.Json(new { name = "Sunflowers" }))).JsonAsync(HttpStatusCode.OK);

        Assert.Empty(await FindAsync(client, "marigolds"));
        Assert.Equal(["Another bus note", "Bus route meeting"], (await FindAsync(client, "sunflowers")).Order());
        // The result's tag links carry the new name and slug.
        var link = (await client.GetDocumentAsync("/search?q=fares")).QuerySelector(".search-result .tags a")!;
        Assert.Equal("Sunflowers", link.Text());
        Assert.Contains("tag=sunflowers", link.GetAttribute("href"));

        // Deleting through the API does not load the posts: the database's cascade takes the links away.
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/admin/tags/{IdOf("Marigolds")}")).StatusCode);
        Assert.Empty(await FindAsync(client, "sunflowers"));
        Assert.Equal(["Transport"], await ResultTagsAsync(client, "timetables"));
        Assert.Equal(["Bus route meeting"], await FindAsync(client, "transport"));
    }

    [Fact]
    public async Task A_tag_deleted_in_the_admin_leaves_the_index()
    {
        await using var app = App();
        await app.AddPostAsync("Allotment open day", "Leeks.", tags: ["Gardening"]);
        var editor = await app.SignedInAsync(Features.Accounts.Roles.Editor);
        var (_, page) = await editor.GetPageAsync("/admin/tags");
        var form = page.QuerySelectorAll("main form").Single(f => f.QuerySelector("button.danger") is not null);

        var deleted = await editor.SubmitAsync(form, "/admin/tags", new());

        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        Assert.Empty(await FindAsync(app.CreateClient(), "gardening"));
        Assert.Equal(["Allotment open day"], await FindAsync(app.CreateClient(), "leeks"));
    }

    [Fact]
    public async Task An_author_renamed_or_removed_behind_efs_back_leaves_the_index()
    {
        await using var app = App();
        await app.AddPostAsync("Strike diary", "Day one.", authors: ["Rosa Delgado", "Tom Okafor"]);
        await app.AddPostAsync("Picket report", "Day two.", authors: ["Rosa Delgado"]);
        var client = app.CreateClient();
        Assert.Equal(2, (await FindAsync(client, "delgado")).Count);

        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            // Bulk updates and deletes bypass SaveChanges (and so the search interceptor) entirely.
            await db.Authors.Where(a => a.DisplayName == "Rosa Delgado").ExecuteUpdateAsync(a => a.SetProperty(x => x.DisplayName, "Rosa Delgado-Ruiz"));
            await db.Authors.Where(a => a.DisplayName == "Tom Okafor").ExecuteDeleteAsync();
        }

        Assert.Empty(await FindAsync(client, "okafor"));
        Assert.Equal(2, (await FindAsync(client, "ruiz")).Count);
        var byline = (await client.GetDocumentAsync("/search?q=diary")).QuerySelector(".search-result .result-meta")!.Text();
        Assert.Contains("by Rosa Delgado-Ruiz", byline);
        Assert.DoesNotContain("Okafor", byline);
    }

    [Fact]
    public async Task A_renamed_author_through_ef_is_found_by_the_new_name()
    {
        await using var app = App();
        await app.AddPostAsync("Rent strike", "Tenants organise.", authors: ["Sam Kowalski"]);
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            (await db.Authors.SingleAsync(a => a.DisplayName == "Sam Kowalski")).DisplayName = "Sam Nowak";
            await db.SaveChangesAsync();
        }

        var client = app.CreateClient();
        Assert.Empty(await FindAsync(client, "kowalski"));
        Assert.Equal(["Rent strike"], await FindAsync(client, "nowak"));
    }
}

public sealed class SqliteSearchBylineTests() : SearchBylineTests(TestProvider.Sqlite);

public sealed class PostgresSearchBylineTests() : SearchBylineTests(TestProvider.Postgres);
