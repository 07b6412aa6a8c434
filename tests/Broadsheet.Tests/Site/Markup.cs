using AngleSharp.Dom;

namespace Broadsheet.Tests.Site;

/// <summary>What every public page must have for screen readers and keyboards (a real-browser axe run is in the browser suite).</summary>
internal static class Markup
{
    public static void AssertAccessible(IDocument page, string path)
    {
        Assert.False(string.IsNullOrWhiteSpace(page.DocumentElement.GetAttribute("lang")), $"{path}: <html> has no lang");
        Assert.False(string.IsNullOrWhiteSpace(page.Title), $"{path}: no <title>");
        Assert.True(page.QuerySelectorAll("h1").Length == 1, $"{path}: {page.QuerySelectorAll("h1").Length} h1 elements");
        Assert.True(page.QuerySelectorAll("main").Length == 1, $"{path}: needs exactly one <main>");
        Assert.NotNull(page.QuerySelector("body > header, body > .masthead"));
        Assert.NotNull(page.QuerySelector("body > footer"));
        Assert.NotNull(page.QuerySelector("nav[aria-label]"));
        Assert.NotNull(page.QuerySelector("a.skip[href='#main']"));

        var searches = page.QuerySelectorAll("form[role=search]");
        Assert.NotEmpty(searches);
        foreach (var form in searches)
        {
            var input = form.QuerySelector("input[name=q]");
            Assert.NotNull(input);
            var id = input.GetAttribute("id");
            Assert.True(!string.IsNullOrEmpty(id) && page.QuerySelector($"label[for='{id}']") is { } label && label.TextContent.Trim().Length > 0,
                $"{path}: a search box without a label");
        }
        // Several search landmarks must be told apart by name.
        if (searches.Length > 1)
            Assert.Equal(searches.Length, searches.Select(f => f.GetAttribute("aria-label")).Where(l => !string.IsNullOrEmpty(l)).Distinct().Count());

        // Headings go down one level at a time (h1, then h2, then h3), so their outline makes sense.
        var level = 0;
        foreach (var heading in page.QuerySelectorAll("h1, h2, h3, h4, h5, h6"))
        {
            var next = heading.LocalName[1] - '0';
            Assert.True(next <= level + 1, $"{path}: <{heading.LocalName}> \"{heading.TextContent.Trim()}\" follows an h{level}");
            level = next;
        }
        foreach (var image in page.QuerySelectorAll("img:not([alt])"))
            Assert.Fail($"{path}: an image without alt: {image.OuterHtml}");
    }
}
