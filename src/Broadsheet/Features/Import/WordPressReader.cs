using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Broadsheet.Features.Posts;

namespace Broadsheet.Features.Import;

/// <summary>
/// Reads a WordPress eXtended RSS (WXR) export, versions 1.0 to 1.2, one <c>&lt;item&gt;</c> at a
/// time. The <c>wp</c> namespace is matched on any of <c>http(s)://wordpress.org/export/1.x/</c>,
/// as files in the wild use them all. A file without a <c>wp:wxr_version</c> is refused, as
/// WordPress's own importer refuses it. Source keys are <c>wordpress:SITE:POST_ID</c>, SITE being the blog's host and path.
/// </summary>
internal static partial class WordPressReader
{
    private static readonly XNamespace Content = "http://purl.org/rss/1.0/modules/content/";
    private static readonly XNamespace Dc = "http://purl.org/dc/elements/1.1/";

    [GeneratedRegex(@"^https?://wordpress\.org/export/1\.[0-2]/$")]
    private static partial Regex WpNamespace();

    [GeneratedRegex(@"^https?://wordpress\.org/export/1\.[0-2]/excerpt/$")]
    private static partial Regex ExcerptNamespace();

    [GeneratedRegex(@"^1\.[0-9]+$")]
    private static partial Regex Version();

    private static bool IsWp(XName name) => WpNamespace().IsMatch(name.NamespaceName);

    public static IEnumerable<ImportRecord> Read(XmlReader xml, string fileName)
    {
        if (xml.MoveToContent() != XmlNodeType.Element)
            throw new ImportFailedException(fileName, Line(xml), "the file is empty or is not XML");
        if (xml.LocalName == "feed")
            throw new ImportFailedException(fileName, Line(xml), "this is an Atom feed (a Blogger export?), not a WordPress export; use 'import blogger' for Blogger files");
        if (xml.LocalName != "rss")
            throw new ImportFailedException(fileName, Line(xml), $"this is not a WordPress export: it starts with <{xml.Name}>, where a WordPress export (WXR) starts with <rss>");

        string? version = null, title = null, description = null, site = null;
        var authors = new Dictionary<string, ImportedAuthor>(StringComparer.OrdinalIgnoreCase);
        var sawChannel = false;
        var items = 0;

        xml.Read();
        while (!xml.EOF)
        {
            if (xml.NodeType != XmlNodeType.Element)
            {
                xml.Read();
                continue;
            }
            if (xml.Depth == 1)
            {
                if (xml.LocalName != "channel")
                    throw new ImportFailedException(fileName, Line(xml), $"this is not a WordPress export: <rss> holds <{xml.Name}> where it should hold <channel>");
                sawChannel = true;
                xml.Read();
                continue;
            }
            if (xml.Depth != 2)
            {
                xml.Read();
                continue;
            }
            var line = Line(xml);
            var element = (XElement)XNode.ReadFrom(xml);
            var name = element.Name;
            if (IsWp(name))
            {
                switch (name.LocalName)
                {
                    case "wxr_version":
                        version = element.Value.Trim();
                        if (!Version().IsMatch(version))
                            throw new ImportFailedException(fileName, line, $"this does not appear to be a WordPress export: the WXR version '{version}' is not one WordPress writes");
                        break;
                    case "base_site_url":
                        site ??= HostOf(element.Value);
                        break;
                    case "base_blog_url":
                        site = HostOf(element.Value) ?? site;
                        break;
                    case "author":
                        var login = Wp(element, "author_login");
                        if (login is { Length: > 0 })
                        {
                            var display = Wp(element, "author_display_name") is { Length: > 0 } d ? d : login;
                            authors[login] = new ImportedAuthor($"wordpress:{site ?? "site"}:author:{login}", display, Wp(element, "author_email") is { Length: > 0 } e ? e : null, null);
                        }
                        break;
                }
                continue;
            }
            if (name.NamespaceName.Length == 0)
            {
                switch (name.LocalName)
                {
                    case "title": title = element.Value.Trim(); break;
                    case "description": description = element.Value.Trim(); break;
                    case "link": site ??= HostOf(element.Value); break;
                    case "item":
                        if (items++ == 0)
                        {
                            if (version is null)
                                throw new ImportFailedException(fileName, line, "this does not appear to be a WordPress export: it has no WXR version number (<wp:wxr_version>)");
                            yield return new ImportedSite(title, description);
                        }
                        foreach (var record in Item(element, line, site ?? "site", authors)) yield return record;
                        break;
                }
            }
        }
        if (!sawChannel)
            throw new ImportFailedException(fileName, null, "this is not a WordPress export: it has no <channel>");
        if (version is null)
            throw new ImportFailedException(fileName, null, "this does not appear to be a WordPress export: it has no WXR version number (<wp:wxr_version>)");
        if (items == 0) yield return new ImportedSite(title, description);
    }

    private static IEnumerable<ImportRecord> Item(XElement item, int line, string site, Dictionary<string, ImportedAuthor> authors)
    {
        var title = item.Element("title")?.Value.Trim() ?? "";
        var label = title.Length > 0 ? $"\"{title}\"" : $"item at line {line}";
        var type = Wp(item, "post_type") ?? "post";
        if (type is not ("post" or "page"))
        {
            yield return new ImportSkipped(label, type switch
            {
                "attachment" => "attachments are not copied; the file stays at its old address and posts keep linking to it",
                "nav_menu_item" => "WordPress menus are not imported; set the site's navigation in Settings",
                "revision" => "old revisions are not imported",
                _ => $"WordPress '{type}' items have no Broadsheet equivalent",
            });
            yield break;
        }
        PostStatus? status = Wp(item, "status") switch
        {
            "publish" or null => PostStatus.Published,
            "future" => PostStatus.Scheduled,
            // A private post is for logged-in WordPress users only; it must never become public here.
            "draft" or "pending" or "private" => PostStatus.Draft,
            _ => null,
        };
        // WordPress shows a password-protected post only to readers who know the password; here it would
        // be public to all, so it arrives as a draft for the owner to decide on (and is counted in the report).
        var passwordProtected = Wp(item, "post_password") is { Length: > 0 };
        if (passwordProtected && status is not null) status = PostStatus.Draft;
        if (status is null)
        {
            yield return new ImportSkipped(label, $"its WordPress status is '{Wp(item, "status")}' (trashed or an unsaved auto-draft)");
            yield break;
        }
        var id = Wp(item, "post_id");
        if (string.IsNullOrEmpty(id))
            id = item.Element("guid")?.Value.Trim() is { Length: > 0 } guid ? guid : item.Element("link")?.Value.Trim();
        if (string.IsNullOrEmpty(id))
        {
            yield return new ImportSkipped(label, "it has no post id, guid or link to recognise it by on a re-import");
            yield break;
        }
        var key = $"wordpress:{site}:{id}";

        var slug = Wp(item, "post_name") is { Length: > 0 } name ? CleanSlug(name) : null;
        var link = item.Element("link")?.Value.Trim();
        var oldPaths = new List<string>();
        if (status != PostStatus.Draft)
        {
            if (PathOf(link) is { } path && path != "/") oldPaths.Add(path);
        }

        var byline = new List<ImportedAuthor>();
        foreach (var coAuthor in item.Elements("category").Where(c => (string?)c.Attribute("domain") == "author"))
        {
            var nicename = ((string?)coAuthor.Attribute("nicename"))?.Trim();
            var display = coAuthor.Value.Trim();
            var author = nicename is not null && authors.TryGetValue(nicename, out var known) ? known
                : display.Length > 0 ? new ImportedAuthor($"wordpress:{site}:author:{nicename ?? display}", display, null, null) : null;
            if (author is not null && !byline.Any(a => a.SourceKey == author.SourceKey)) byline.Add(author);
        }
        if (byline.Count == 0 && item.Element(Dc + "creator")?.Value.Trim() is { Length: > 0 } creator)
            byline.Add(authors.TryGetValue(creator, out var known) ? known : new ImportedAuthor($"wordpress:{site}:author:{creator}", creator, null, null));

        var tags = item.Elements("category")
            .Where(c => (string?)c.Attribute("domain") is "category" or "post_tag")
            .Select(c => c.Value.Trim()).Where(t => t.Length > 0 && t != "Uncategorized")
            .Distinct(StringComparer.Ordinal).ToList();

        var excerptElement = item.Elements().FirstOrDefault(e => ExcerptNamespace().IsMatch(e.Name.NamespaceName) && e.Name.LocalName == "encoded");
        var excerpt = excerptElement?.Value is { Length: > 0 } x ? ContentRenderer.PlainText(x, 2000) : null;

        var comments = new List<ImportedComment>();
        foreach (var comment in item.Elements().Where(e => IsWp(e.Name) && e.Name.LocalName == "comment"))
        {
            var commentId = Wp(comment, "comment_id");
            var who = Wp(comment, "comment_author") is { Length: > 0 } a ? a : "Anonymous";
            if (Wp(comment, "comment_approved") != "1")
            {
                yield return new ImportSkipped($"comment by {who} on {label}", "it was not approved (pending, spam or trashed)");
                continue;
            }
            if (string.IsNullOrEmpty(commentId))
            {
                yield return new ImportSkipped($"comment by {who} on {label}", "it has no comment id");
                continue;
            }
            var parent = Wp(comment, "comment_parent");
            comments.Add(new ImportedComment(
                $"{key}:comment:{commentId}",
                key,
                parent is { Length: > 0 } and not "0" ? $"{key}:comment:{parent}" : null,
                who,
                Wp(comment, "comment_author_url") is { Length: > 0 } url && url.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? url : null,
                Wp(comment, "comment_author_email") is { Length: > 0 } email ? email : null,
                AutoParagraphs(Wp(comment, "comment_content") ?? ""),
                GmtDate(Wp(comment, "comment_date_gmt")) ?? GmtDate(Wp(comment, "comment_date")) ?? DateTime.UnixEpoch));
        }

        var published = GmtDate(Wp(item, "post_date_gmt")) ?? GmtDate(Wp(item, "post_date")) ?? RssDate(item.Element("pubDate")?.Value);
        yield return new ImportedPost(
            SourceKey: key,
            Kind: type == "page" ? PostKind.Page : PostKind.Post,
            Status: status.Value,
            Title: title.Length > 0 ? title : "Untitled",
            WantedSlug: slug,
            BodyHtml: item.Element(Content + "encoded")?.Value ?? "",
            PublishedAt: published,
            Excerpt: excerpt,
            Pinned: Wp(item, "is_sticky") == "1",
            Tags: tags,
            Authors: byline,
            SourceUrl: link,
            OldPaths: oldPaths)
        {
            Tidy = AutoParagraphs,
            Comments = comments,
            PasswordProtected = passwordProtected,
            // WordPress answers /?p=ID for every post and /?page_id=ID for pages, whatever the permalink style.
            OldIdPaths = status == PostStatus.Draft || !long.TryParse(Wp(item, "post_id"), out var number) ? []
                : type == "page" ? [$"/?p={number}", $"/?page_id={number}"] : [$"/?p={number}"],
        };
    }

    /// <summary>WordPress stores percent-encoded slugs and, in some exports, file names.</summary>
    private static string? CleanSlug(string name)
    {
        var slug = Uri.UnescapeDataString(name.Trim());
        if (slug.EndsWith(".html", StringComparison.OrdinalIgnoreCase)) slug = slug[..^5];
        return slug.Length == 0 ? null : slug;
    }

    /// <summary>
    /// WordPress writes classic-editor posts with blank lines for paragraphs and renders them with
    /// wpautop; posts written with blocks or HTML already have their &lt;p&gt;s. The text itself is
    /// kept exactly (UTF-8, backslashes and all).
    /// </summary>
    internal static string AutoParagraphs(string content)
    {
        if (content.Contains("<p", StringComparison.OrdinalIgnoreCase) || !content.Contains('\n')) return content;
        var normalised = content.Replace("\r\n", "\n");
        var blocks = Regex.Split(normalised, @"\n[ \t]*\n").Select(b => b.Trim('\n')).Where(b => b.Trim().Length > 0);
        var html = new StringBuilder(content.Length + 32);
        foreach (var block in blocks)
        {
            var trimmed = block.TrimStart();
            if (trimmed.StartsWith('<') && Regex.IsMatch(trimmed, @"^<(table|ul|ol|dl|blockquote|pre|h[1-6]|div|figure|hr|!--)", RegexOptions.IgnoreCase))
                html.Append(block).Append("\n\n");
            else
                html.Append("<p>").Append(block.Replace("\n", "<br>\n")).Append("</p>\n\n");
        }
        return html.ToString().TrimEnd();
    }

    private static string? Wp(XElement parent, string localName) =>
        parent.Elements().FirstOrDefault(e => e.Name.LocalName == localName && IsWp(e.Name))?.Value.Trim();

    private static DateTime? GmtDate(string? value) =>
        value is { Length: > 0 } && !value.StartsWith("0000", StringComparison.Ordinal) &&
        DateTime.TryParseExact(value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
            ? DateTime.SpecifyKind(at, DateTimeKind.Utc)
            : null;

    private static DateTime? RssDate(string? value) =>
        value is { Length: > 0 } && DateTimeOffset.TryParse(value.Replace(" GMT", " +0000"), CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            ? at.UtcDateTime
            : null;

    /// <summary>
    /// The site part of source keys: host, a port other than the scheme's own, and path
    /// ("example.org/siteA"), so two sites on one host (a multisite network, or blogs in folders)
    /// never share keys. The scheme is left out, so re-exporting after a move to https matches the
    /// same posts; and keys written before ports were added (none had one) stay the same.
    /// </summary>
    private static string? HostOf(string url) =>
        Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)
            ? uri.Host + (uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(CultureInfo.InvariantCulture)) + (uri.AbsolutePath.TrimEnd('/') is { Length: > 0 } p ? p : "")
            : null;

    /// <summary>The path of an item's link, relative or absolute; "/" (a ?p=ID link) has no path to keep.</summary>
    private static string? PathOf(string? link)
    {
        if (string.IsNullOrEmpty(link)) return null;
        if (Uri.TryCreate(link, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return uri.AbsolutePath;
        return link.StartsWith('/') ? link : null;
    }

    private static int Line(XmlReader xml) => xml is IXmlLineInfo info ? info.LineNumber : 0;
}
