using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Broadsheet.Email;

/// <summary>
/// A post's (already sanitised) HTML made fit for mail, once per issue: every element carries its style inline
/// (Gmail and Outlook drop or ignore <c>&lt;style&gt;</c> blocks), every site-relative link and image is made
/// absolute on the site's address, and a plain-text twin is written from the same tree with links as
/// "text (url)". A small fixed style sheet is applied by tag name, which is all a post's markup needs.
/// </summary>
internal static class MailHtml
{
    public const string LinkColour = "#1a4f8b";

    /// <summary>The inline style of each element a post can contain (the sanitiser allows no others that need one).</summary>
    private static readonly Dictionary<string, string> Styles = new(StringComparer.OrdinalIgnoreCase)
    {
        ["P"] = "margin:0 0 16px;",
        ["H1"] = "font-size:26px;line-height:1.25;margin:24px 0 12px;",
        ["H2"] = "font-size:22px;line-height:1.3;margin:24px 0 12px;",
        ["H3"] = "font-size:19px;line-height:1.3;margin:20px 0 10px;",
        ["H4"] = "font-size:17px;line-height:1.3;margin:16px 0 8px;",
        ["A"] = $"color:{LinkColour};text-decoration:underline;",
        ["IMG"] = "max-width:100%;height:auto;border:0;",
        ["BLOCKQUOTE"] = "margin:0 0 16px;padding:0 0 0 16px;border-left:3px solid #cccccc;color:#444444;",
        ["UL"] = "margin:0 0 16px;padding-left:24px;",
        ["OL"] = "margin:0 0 16px;padding-left:24px;",
        ["LI"] = "margin:0 0 6px;",
        ["PRE"] = "white-space:pre-wrap;font-family:Menlo,Consolas,monospace;font-size:14px;background:#f4f4f4;padding:12px;margin:0 0 16px;",
        ["CODE"] = "font-family:Menlo,Consolas,monospace;font-size:0.9em;",
        ["FIGURE"] = "margin:0 0 16px;",
        ["FIGCAPTION"] = "font-size:14px;color:#555555;margin-top:6px;",
        ["TABLE"] = "border-collapse:collapse;margin:0 0 16px;",
        ["TH"] = "border:1px solid #cccccc;padding:6px;text-align:left;",
        ["TD"] = "border:1px solid #cccccc;padding:6px;",
        ["HR"] = "border:0;border-top:1px solid #dddddd;margin:24px 0;",
    };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "P", "DIV", "H1", "H2", "H3", "H4", "H5", "H6", "UL", "OL", "BLOCKQUOTE", "PRE", "FIGURE", "FIGCAPTION",
        "TABLE", "TR", "HR", "SECTION", "ARTICLE", "ASIDE", "DL", "DT", "DD",
    };

    /// <summary>The body as mail HTML (inline styles, absolute links) and as plain text.</summary>
    public static (string Html, string Text) Render(string bodyHtml, Func<string, string> absolute)
    {
        var parser = new HtmlParser();
        using var document = parser.ParseDocument("<!DOCTYPE html><html><body>" + bodyHtml + "</body></html>");
        var body = document.Body!;
        foreach (var element in body.QuerySelectorAll("*"))
        {
            foreach (var name in (string[])["href", "src"])
                if (element.GetAttribute(name) is { } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal))
                    element.SetAttribute(name, absolute(url));
            // The post's links open from a mail client: srcset would point at relative image sizes, so it goes.
            element.RemoveAttribute("srcset");
            if (Styles.TryGetValue(element.LocalName, out var style))
                element.SetAttribute("style", style + (element.GetAttribute("style") ?? ""));
        }
        var text = new TextWriterState();
        Text(body, text);
        return (body.InnerHtml, text.ToString());
    }

    /// <summary>HTML-escapes text for an element's content or a double-quoted attribute.</summary>
    public static string Escape(string text) => System.Net.WebUtility.HtmlEncode(text);

    private sealed class TextWriterState
    {
        private readonly StringBuilder output = new();
        private int pendingNewlines;
        private bool lineStarted;

        public string Prefix { get; set; } = "";
        public bool Preformatted { get; set; }

        public void Write(string text)
        {
            if (text.Length == 0) return;
            if (!Preformatted)
            {
                text = CollapseWhitespace(text);
                if (!lineStarted) text = text.TrimStart();
                if (text.Length == 0) return;
            }
            foreach (var (part, index) in text.Split('\n').Select((p, i) => (p, i)))
            {
                if (index > 0) Newline(1);
                if (part.Length == 0) continue;
                StartLine();
                output.Append(part);
            }
        }

        private void StartLine()
        {
            if (output.Length > 0 && pendingNewlines > 0)
            {
                for (var i = 0; i < pendingNewlines; i++) output.Append('\n');
            }
            if (pendingNewlines > 0 || output.Length == 0) { output.Append(Prefix); }
            pendingNewlines = 0;
            lineStarted = true;
        }

        public void Newline(int count)
        {
            if (output.Length == 0) return;
            while (output.Length > 0 && output[^1] == ' ') output.Length--;
            pendingNewlines = Math.Max(pendingNewlines, count);
            lineStarted = false;
        }

        public override string ToString() => output.ToString().TrimEnd() + "\n";

        private static string CollapseWhitespace(string text)
        {
            var builder = new StringBuilder(text.Length);
            var space = false;
            foreach (var c in text)
            {
                if (char.IsWhiteSpace(c))
                {
                    if (!space) builder.Append(' ');
                    space = true;
                }
                else
                {
                    builder.Append(c);
                    space = false;
                }
            }
            return builder.ToString();
        }
    }

    private static void Text(INode node, TextWriterState text)
    {
        foreach (var child in node.ChildNodes)
        {
            if (child is IText t)
            {
                text.Write(t.Data);
                continue;
            }
            if (child is not IElement element) continue;
            var name = element.LocalName.ToUpperInvariant();
            var block = Blocks.Contains(name);
            if (block) text.Newline(name is "TR" or "DT" or "DD" or "FIGCAPTION" ? 1 : 2);
            switch (name)
            {
                case "BR":
                    text.Newline(1);
                    break;
                case "HR":
                    text.Write("----");
                    break;
                case "IMG":
                    if (element.GetAttribute("alt") is { Length: > 0 } alt) text.Write("[" + alt + "]");
                    break;
                case "A":
                    var before = element.TextContent.Trim();
                    Text(element, text);
                    if (element.GetAttribute("href") is { Length: > 0 } href && !href.StartsWith('#')
                        && !string.Equals(before, href, StringComparison.Ordinal))
                        text.Write(" (" + href + ")");
                    break;
                case "LI":
                    text.Newline(1);
                    text.Write(element.ParentElement?.LocalName == "ol"
                        ? (element.ParentElement.Children.Index(element) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + ". "
                        : "- ");
                    Text(element, text);
                    break;
                case "BLOCKQUOTE":
                    var prefix = text.Prefix;
                    text.Prefix = prefix + "> ";
                    Text(element, text);
                    text.Prefix = prefix;
                    break;
                case "PRE":
                    text.Preformatted = true;
                    Text(element, text);
                    text.Preformatted = false;
                    break;
                case "TD" or "TH":
                    Text(element, text);
                    text.Write(" ");
                    break;
                case "SCRIPT" or "STYLE" or "TEMPLATE":
                    break;
                default:
                    Text(element, text);
                    break;
            }
            if (block) text.Newline(name is "TR" or "DT" or "DD" or "FIGCAPTION" ? 1 : 2);
        }
    }
}
