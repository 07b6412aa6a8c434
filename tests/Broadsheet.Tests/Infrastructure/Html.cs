using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>Reads pages as a browser would, so tests assert on elements and text, not on markup strings.</summary>
public static class Html
{
    public static async Task<IDocument> GetDocumentAsync(this HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body[..Math.Min(body.Length, 500)]}");
        return new HtmlParser().ParseDocument(body);
    }

    public static string Text(this IElement? element) => element?.TextContent.Trim() ?? "";
}
