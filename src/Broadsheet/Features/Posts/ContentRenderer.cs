using Ganss.Xss;
using Markdig;

namespace Broadsheet.Features.Posts;

/// <summary>
/// Turns a post's source (Markdown, or HTML from an import) into safe HTML, once, on save.
/// The "read more" break is the line <c>&lt;!--more--&gt;</c> (WordPress's convention; the Blogger
/// importer turns <c>&lt;a name="more"&gt;</c> into it). It is cut before sanitising, because the
/// sanitiser rightly drops comments.
/// </summary>
public sealed class ContentRenderer
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
    }

    /// <summary>The rendered body and, when the source has a break, the part before it.</summary>
    public readonly record struct Rendered(string BodyHtml, string? SummaryHtml, bool Changed);

    public Rendered Render(string source, BodyFormat format)
    {
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
        var clean = lazySanitizer.Value.Sanitizer.Sanitize(html).Trim();
        return (clean, removedSomething);
    }

    [ThreadStatic]
    private static bool removedSomething;

    private (string Html, bool Changed) RenderFragment(string source, BodyFormat format) =>
        format == BodyFormat.Markdown
            ? SanitiseHtml(Markdig.Markdown.ToHtml(source, Markdown.Value))
            : SanitiseHtml(source);

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
        var sanitizer = new HtmlSanitizer(options);
        sanitizer.RemovingTag += (_, _) => removedSomething = true;
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
