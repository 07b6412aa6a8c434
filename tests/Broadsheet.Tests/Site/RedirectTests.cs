using System.Net;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Broadsheet.Tests.Site;

/// <summary>Old addresses keep working: renamed slugs and imported URLs answer 301, but never shadow a live page.</summary>
public abstract class RedirectTests(TestProvider provider)
{
    private static HttpClient NoFollow(BroadsheetFactory app) => app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    [Fact]
    public async Task A_renamed_post_keeps_its_old_address_as_a_301()
    {
        await using var app = new BroadsheetFactory(provider);
        var post = await app.AddPostAsync("March report", publishedAt: new DateTime(2015, 10, 25, 12, 0, 0, DateTimeKind.Utc));
        var first = post.Permalink!;
        var second = await app.RenameAsync(post, "report-from-the-march");
        var third = await app.RenameAsync(post, "the-great-march");
        var client = NoFollow(app);

        Assert.Equal("/2015/10/the-great-march", third);
        foreach (var old in new[] { first, second, first + "/", first + "?m=1" })
        {
            var response = await client.GetAsync(old);
            Assert.True(response.StatusCode == HttpStatusCode.MovedPermanently, $"{old}: {response.StatusCode}");
            Assert.Equal(third, response.Headers.Location?.OriginalString); // straight to the newest, no chains
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(third)).StatusCode);
        Assert.Equal("March report", (await app.CreateClient().GetDocumentAsync(first)).QuerySelector("h1").Text()); // a browser follows through
    }

    [Fact]
    public async Task Renaming_back_to_an_old_slug_serves_the_post_there_again()
    {
        await using var app = new BroadsheetFactory(provider);
        var post = await app.AddPostAsync("Petition", publishedAt: new DateTime(2016, 5, 1, 12, 0, 0, DateTimeKind.Utc));
        var original = post.Permalink!;
        var renamed = await app.RenameAsync(post, "petition-delivered");
        Assert.Equal(original, await app.RenameAsync(post, "petition"));
        var client = NoFollow(app);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(original)).StatusCode);
        var old = await client.GetAsync(renamed);
        Assert.Equal(HttpStatusCode.MovedPermanently, old.StatusCode);
        Assert.Equal(original, old.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Redirects_answer_only_addresses_that_nothing_else_serves()
    {
        await using var app = new BroadsheetFactory(provider);
        var live = await app.AddPostAsync("Live post", publishedAt: new DateTime(2016, 5, 1, 12, 0, 0, DateTimeKind.Utc));
        await app.AddRedirectAsync(live.Permalink!, "/somewhere-else");
        await app.AddRedirectAsync("/2012/03/old-blogger-post.html", live.Permalink!);
        var client = NoFollow(app);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(live.Permalink)).StatusCode);
        var imported = await client.GetAsync("/2012/03/old-blogger-post.html?showComment=1");
        Assert.Equal(HttpStatusCode.MovedPermanently, imported.StatusCode);
        Assert.Equal(live.Permalink, imported.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/2012/03/never-existed.html")).StatusCode);
        var post = await client.PostAsync("/2012/03/old-blogger-post.html", null);
        Assert.NotEqual(HttpStatusCode.MovedPermanently, post.StatusCode);
    }

    [Fact]
    public async Task Non_canonical_spellings_of_a_permalink_redirect_to_it()
    {
        await using var app = new BroadsheetFactory(provider);
        var post = await app.AddPostAsync("Petition", publishedAt: new DateTime(2016, 5, 1, 12, 0, 0, DateTimeKind.Utc));
        var response = await NoFollow(app).GetAsync("/2016/5/petition");
        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal(post.Permalink, response.Headers.Location?.OriginalString);
    }
}

public sealed class SqliteRedirectTests() : RedirectTests(TestProvider.Sqlite);

public sealed class PostgresRedirectTests() : RedirectTests(TestProvider.Postgres);
