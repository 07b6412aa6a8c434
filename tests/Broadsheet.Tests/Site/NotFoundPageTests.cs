using System.Net;
using AngleSharp.Html.Parser;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Site;

/// <summary>
/// A wrong address gets the site's own 404 page, not an empty answer (a browser shows its own
/// error screen for an empty 404, so the reader would be stranded).
/// </summary>
public sealed class NotFoundPageTests
{
    [Theory]
    [InlineData("/no-such-page")]          // no page with that slug
    [InlineData("/2026/03/no-such-post")]  // no post at that permalink
    [InlineData("/tag/no-such-tag")]
    public async Task A_missing_address_answers_404_with_the_helpful_page(string path)
    {
        await using var app = new BroadsheetFactory();

        var response = await app.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        Assert.Equal("Page not found", page.QuerySelector("main h1").Text());
        Assert.Contains(path, page.QuerySelector("main").Text());
    }
}
