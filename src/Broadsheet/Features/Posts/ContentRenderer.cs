using System.Net;
using System.Text.RegularExpressions;
using Broadsheet.Features.Shared;
using Ganss.Xss;
using Markdig;
using Markdig.Helpers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Broadsheet.Features.Posts;

/// <summary>
/// Turns a post's source (Markdown, or HTML from an import) into safe HTML, once, on save.
/// The "read more" break is the line <c>&lt;!--more--&gt;</c> (WordPress's convention; the Blogger
/// importer turns <c>&lt;a name="more"&gt;</c> into it). It is cut before sanitising, because the
/// sanitiser rightly drops comments.
/// <para>
/// Text a writer typed never vanishes: in Markdown, raw HTML the sanitiser would not keep (an unknown tag
/// such as <c>&lt;Enter&gt;</c>, a script, a form) is shown as typed; in HTML (imports, comments) an element
/// that is not allowed is unwrapped and its text kept, except those whose content is code or another
/// document rather than words for readers (<see cref="DroppedWhole"/>). Characters XML cannot hold are
/// left out first (<see cref="XmlSafeText"/>).
/// </para>
/// </summary>
public sealed partial class ContentRenderer
{
    public const string MoreMarker = "<!--more-->";

    // Built on first use, not at start: Markdig, the sanitiser and AngleSharp beneath it are only needed
    // when content is written, and a web node that only serves pages never loads them (idle memory).
    private static readonly Lazy<MarkdownPipeline> Markdown = new(() => new MarkdownPipelineBuilder()
        .UseAdvancedExtensions()
        .Build());

    private readonly Lazy<SanitizerHolder> lazySanitizer = new(() => new SanitizerHolder());

    // A type of our own between the field and the sanitiser, so that making a ContentRenderer loads no
    // HtmlSanitizer or AngleSharp types (a Lazy<HtmlSanitizer> field would).
    private sealed class SanitizerHolder
    {
        public readonly HtmlSanitizer Sanitizer = CreateSanitizer();
        // HTML's tag names are case-insensitive: <B> in Markdown is the allowed <b>, not an unknown tag.
        public readonly HashSet<string> AllowedTags;
        public SanitizerHolder() => AllowedTags = new(Sanitizer.AllowedTags, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The rendered body and, when the source has a break, the part before it.</summary>
    public readonly record struct Rendered(string BodyHtml, string? SummaryHtml, bool Changed);

    public Rendered Render(string source, BodyFormat format)
    {
        source = XmlSafeText.Clean(source);
        var breakAt = source.IndexOf(MoreMarker, StringComparison.OrdinalIgnoreCase);
        var whole = source.Remove(breakAt < 0 ? source.Length : breakAt, breakAt < 0 ? 0 : MoreMarker.Length);
        var (bodyHtml, bodyChanged) = RenderFragment(whole, format);
        if (breakAt < 0)
            return new Rendered(bodyHtml, null, bodyChanged);
        var (summaryHtml, _) = RenderFragment(source[..breakAt], format);
        return new Rendered(bodyHtml, summaryHtml, bodyChanged);
    }

    /// <summary>
    /// Sanitises HTML from outside (imports, comments). <c>Changed</c> says whether anything was removed.
    /// Safe to call from several threads at once (importers sanitise posts in parallel): the sanitiser's
    /// Sanitize is thread-safe, and its removal events, which run on the calling thread, set a per-thread flag.
    /// </summary>
    public (string Html, bool Changed) SanitiseHtml(string html)
    {
        removedSomething = false;
        var clean = lazySanitizer.Value.Sanitizer.Sanitize(XmlSafeText.Clean(html)).Trim();
        return (clean, removedSomething);
    }

    [ThreadStatic]
    private static bool removedSomething;

    private (string Html, bool Changed) RenderFragment(string source, BodyFormat format) =>
        format == BodyFormat.Markdown
            ? SanitiseHtml(MarkdownToHtml(source))
            : SanitiseHtml(source);

    /// <summary>
    /// Markdown to HTML with every piece of raw HTML that is not an allowed tag (or a comment, which stays
    /// hidden as the writer meant) escaped, so it shows as typed instead of being removed with the text
    /// after it: the sanitiser's allow list decides, so no list of "known" tags is kept here.
    /// </summary>
    private string MarkdownToHtml(string source)
    {
        var pipeline = Markdown.Value;
        var document = Markdig.Markdown.Parse(source, pipeline);
        var allowed = lazySanitizer.Value.AllowedTags;
        foreach (var inline in document.Descendants<HtmlInline>())
            inline.Tag = EscapeUnlessAllowed(inline.Tag ?? "", allowed);
        foreach (var block in document.Descendants<HtmlBlock>())
            block.Lines = new StringLineGroup(EscapeUnlessAllowed(block.Lines.ToString(), allowed));
        return Markdig.Markdown.ToHtml(document, pipeline);
    }

    private static string EscapeUnlessAllowed(string rawHtml, HashSet<string> allowed) =>
        RawHtml().Replace(rawHtml, m =>
            m.Value.StartsWith("<!--", StringComparison.Ordinal) || (m.Groups["name"].Success && allowed.Contains(m.Groups["name"].Value))
                ? m.Value
                : WebUtility.HtmlEncode(m.Value));

    /// <summary>
    /// A comment, an open or closing tag as CommonMark defines them (so a '&gt;' inside a quoted attribute
    /// does not end the tag), or any other '&lt;' (a declaration, a processing instruction, a stray one).
    /// </summary>
    [GeneratedRegex("""<!--.*?-->|</?(?<name>[A-Za-z][A-Za-z0-9-]*)(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)*\s*/?>|<""", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex RawHtml();

    /// <summary>
    /// Elements not allowed whose content is removed with them rather than kept: scripts and styles, other
    /// documents (SVG, MathML, templates, plug-ins, frames) and the head's metadata. Dropping foreign
    /// content whole also keeps unwrapping from moving SVG or MathML nodes into HTML, where they would
    /// parse differently.
    /// </summary>
    private static readonly HashSet<string> DroppedWhole = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "template", "noscript", "noembed", "noframes", "object", "embed", "applet", "param",
        "svg", "math", "frame", "frameset", "head", "title", "meta", "link", "base",
    };

    /// <summary>Plain text of some HTML, for excerpts, meta descriptions and search.</summary>
    public static string PlainText(string html, int maxLength = int.MaxValue)
    {
        var parser = new AngleSharp.Html.Parser.HtmlParser();
        using var document = parser.ParseDocument("<body>" + html + "</body>");
        var text = System.Text.RegularExpressions.Regex.Replace(document.Body?.TextContent ?? "", @"\s+", " ").Trim();
        if (text.Length <= maxLength) return text;
        var cut = text.LastIndexOf(' ', Math.Max(0, maxLength - 1));
        return string.Concat(text.AsSpan(0, cut > maxLength / 2 ? cut : maxLength), "…");
    }

    private static HtmlSanitizer CreateSanitizer()
    {
        var options = new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(HtmlSanitizerDefaults.AllowedTags, StringComparer.OrdinalIgnoreCase) { "figure", "figcaption", "iframe" },
            AllowedAttributes = new HashSet<string>(HtmlSanitizerDefaults.AllowedAttributes, StringComparer.OrdinalIgnoreCase) { "allowfullscreen", "loading" },
            AllowedCssProperties = HtmlSanitizerDefaults.AllowedCssProperties,
            AllowedSchemes = new HashSet<string>(["http", "https", "mailto"], StringComparer.OrdinalIgnoreCase),
            UriAttributes = HtmlSanitizerDefaults.UriAttributes,
            AllowedAtRules = HtmlSanitizerDefaults.AllowedAtRules,
        };
        // Forms in a post could pass for the site's own and send readers' words (or passwords) elsewhere.
        options.AllowedTags.ExceptWith(["form", "input", "button", "textarea", "select", "option", "optgroup", "datalist", "output", "keygen"]);
        // An element not allowed is unwrapped, its text kept (see the class summary).
        var sanitizer = new HtmlSanitizer(options) { KeepChildNodes = true };
        sanitizer.RemovingTag += (_, e) =>
        {
            removedSomething = true;
            if (!DroppedWhole.Contains(e.Tag.LocalName)) return;
            e.Cancel = true;
            e.Tag.Remove();
        };
        sanitizer.RemovingAttribute += (_, _) => removedSomething = true;
        sanitizer.RemovingStyle += (_, _) => removedSomething = true;
        sanitizer.RemovingAtRule += (_, _) => removedSomething = true;
        sanitizer.RemovingCssClass += (_, _) => removedSomething = true;
        sanitizer.PostProcessNode += (_, e) =>
        {
            // Embedded video is the one iframe campaign posts need; anything else is dropped.
            if (e.Node is AngleSharp.Dom.IElement { TagName: "IFRAME" } frame)
            {
                var src = frame.GetAttribute("src") ?? "";
                if (!IsTrustedEmbed(src)) frame.Remove();
                else frame.SetAttribute("sandbox", "allow-scripts allow-same-origin allow-presentation");
            }
            if (e.Node is AngleSharp.Dom.IElement { TagName: "A" } link && link.GetAttribute("target") == "_blank")
                link.SetAttribute("rel", "noopener noreferrer");
        };
        return sanitizer;
    }

    private static bool IsTrustedEmbed(string src) =>
        Uri.TryCreate(src, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps &&
        uri.Host is "www.youtube.com" or "www.youtube-nocookie.com" or "player.vimeo.com";
}
