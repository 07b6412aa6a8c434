using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Broadsheet.Features.Posts;

namespace Broadsheet.Features.Import;

/// <summary>
/// Blogger's editor writes lines as <c>&lt;div&gt;</c>s or as text separated by <c>&lt;br /&gt;</c>, and
/// marks the "read more" break with <c>&lt;a name="more"&gt;&lt;/a&gt;</c>. This turns that into clean
/// paragraphs and Broadsheet's <see cref="ContentRenderer.MoreMarker"/>, leaving real blocks
/// (tables, lists, quotes, headings, figures) as they were. It only restructures; sanitising is the
/// renderer's job.
/// </summary>
internal static class BloggerHtml
{
    /// <summary>One parser per thread: posts are tidied in parallel.</summary>
    [ThreadStatic]
    private static HtmlParser? parser;

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "P", "TABLE", "UL", "OL", "DL", "BLOCKQUOTE", "PRE", "H1", "H2", "H3", "H4", "H5", "H6",
        "FIGURE", "HR", "SECTION", "ARTICLE", "ASIDE", "HEADER", "FOOTER", "FORM", "IFRAME", "VIDEO", "AUDIO",
        "CENTER", "NAV", "DETAILS", "ADDRESS", "FIELDSET",
    };

    public static string Clean(string html)
    {
        if (string.IsNullOrWhiteSpace(html)) return "";
        // Plain text with no markup at all: keep it as one paragraph per blank-line block.
        using var document = (parser ??= new HtmlParser()).ParseDocument("<!DOCTYPE html><html><body>" + html + "</body></html>");
        var body = document.Body!;
        foreach (var more in body.QuerySelectorAll("a[name='more' i]").ToList())
            ReplaceMore(more);
        var output = new StringBuilder(html.Length + 64);
        var paragraph = new StringBuilder();
        var pendingBreaks = 0;
        Walk(body);
        Flush();
        return output.ToString().Trim();

        void Walk(INode parent)
        {
            foreach (var node in parent.ChildNodes.ToList())
            {
                switch (node)
                {
                    case IComment { Data: "more" }:
                        Flush();
                        output.Append(ContentRenderer.MoreMarker).Append("\n\n");
                        break;
                    case IElement { TagName: "BR" }:
                        pendingBreaks++;
                        break;
                    case IElement { TagName: "DIV" } div when !IsMeaningful(div):
                        // A Blogger line: its end is a paragraph break.
                        Flush();
                        Walk(div);
                        Flush();
                        break;
                    case IElement element when Blocks.Contains(element.TagName) || element.TagName == "DIV":
                        Flush();
                        output.Append(element.OuterHtml).Append("\n\n");
                        break;
                    case IText text when string.IsNullOrWhiteSpace(text.Data):
                        if (paragraph.Length > 0 && pendingBreaks == 0) paragraph.Append(' ');
                        break;
                    default:
                        if (pendingBreaks >= 2) Flush();
                        else if (pendingBreaks == 1 && paragraph.Length > 0) paragraph.Append("<br>");
                        pendingBreaks = 0;
                        paragraph.Append(node is IElement e ? e.OuterHtml : Escape(node.TextContent));
                        break;
                }
            }
        }

        void Flush()
        {
            pendingBreaks = 0;
            var text = paragraph.ToString().Trim();
            paragraph.Clear();
            if (text.Length == 0 || text == "&nbsp;" || text == "\u00a0") return;
            output.Append("<p>").Append(text).Append("</p>\n\n");
        }
    }

    /// <summary>A div that carries meaning beyond "a line" (an id'd embed, alignment by attribute) is kept whole.</summary>
    private static bool IsMeaningful(IElement div) =>
        div.Attributes.Any(a => a.Name is not ("style" or "dir" or "class" or "id"));

    /// <summary>
    /// Swaps the "more" anchor for a marker and lifts it out of inline wrappers (and paragraphs) so
    /// it falls between blocks; plain divs are walked into, so it may stay inside one.
    /// </summary>
    private static void ReplaceMore(IElement anchor)
    {
        var marker = anchor.Owner!.CreateComment("more");
        anchor.Replace(marker);
        while (marker.ParentElement is { } parent && parent.TagName != "BODY" && !(parent.TagName == "DIV" && !IsMeaningful(parent)))
            parent.After(marker);
    }

    private static string Escape(string text) =>
        text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
