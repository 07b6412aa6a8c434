using System.Net;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Api;

/// <summary>Tags and site settings through the Admin API.</summary>
public sealed class TagsAndSettingsApiTests
{
    [Fact]
    public async Task Tags_can_be_listed_created_renamed_with_a_redirect_and_deleted()
    {
        await using var app = new BroadsheetFactory();
        await app.AddPostAsync("Rent strike", tags: ["Rent"]);
        var api = await app.ApiClientAsync();

        var created = await (await api.PostJsonAsync("/api/admin/tags", new { name = "Repairs", description = "Getting landlords to fix things." })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("repairs", (string)created["slug"]!);
        var duplicate = await (await api.PostJsonAsync("/api/admin/tags", new { name = "repairs" })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("already has the slug", duplicate["errors"]!["slug"]![0]!.ToString());

        var list = await (await api.GetAsync("/api/admin/tags")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal([("Rent", 1), ("Repairs", 0)], list.AsArray().Select(t => ((string)t!["name"]!, (int)t!["postCount"]!)));

        var rentId = (int)list[0]!["id"]!;
        var renamed = await (await api.PutJsonAsync($"/api/admin/tags/{rentId}", new { name = "Rent and Bills" })).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("rent-and-bills", (string)renamed["slug"]!);
        Assert.Equal(1, (int)renamed["postCount"]!);
        var site = app.CreateClient(new() { AllowAutoRedirect = false });
        var moved = await site.GetAsync("/tag/rent");
        Assert.Equal(HttpStatusCode.MovedPermanently, moved.StatusCode);
        Assert.Equal("/tag/rent-and-bills", moved.Headers.Location?.OriginalString);
        Assert.Contains("Rent strike", await site.GetStringAsync("/tag/rent-and-bills"));

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/admin/tags/{rentId}")).StatusCode);
        Assert.Equal(["Repairs"], (await (await api.GetAsync("/api/admin/tags")).JsonAsync(HttpStatusCode.OK)).AsArray().Select(t => (string)t!["name"]!));
        Assert.Contains("Rent strike", await app.CreateClient().GetStringAsync("/")); // the post stays
        await (await api.PutJsonAsync("/api/admin/tags/9999", new { name = "Nothing" })).ProblemAsync(HttpStatusCode.NotFound);
        await (await api.PostJsonAsync("/api/admin/tags", new { name = "  " })).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Settings_can_be_read_and_changed_and_bad_values_are_refused_without_changing_anything()
    {
        await using var app = new BroadsheetFactory();
        var api = await app.ApiClientAsync();

        var updated = await (await api.PutJsonAsync("/api/admin/settings", new { title = "Riverside Tenants", culture = "fr-FR", timeZone = "Europe/Paris", postsPerPage = 5 }))
            .JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Riverside Tenants", (string)updated["title"]!);
        Assert.Equal("fr-FR", (string)updated["culture"]!);
        Assert.Contains("<title>Riverside Tenants</title>", await app.CreateClient().GetStringAsync("/"));

        var bad = await (await api.PutJsonAsync("/api/admin/settings", new { title = "Changed", culture = "xx-NOPE", timeZone = "Mars/Olympus", postsPerPage = 0, baseUrl = "javascript:alert(1)" }))
            .ProblemAsync(HttpStatusCode.BadRequest);
        foreach (var field in new[] { "culture", "timeZone", "postsPerPage", "baseUrl" }) Assert.NotNull(bad["errors"]![field]);

        var now = await (await api.GetAsync("/api/admin/settings")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Riverside Tenants", (string)now["title"]!);
        Assert.Equal(5, (int)now["postsPerPage"]!);
    }
}
