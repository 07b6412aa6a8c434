using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Broadsheet.Features.Posts;

namespace Broadsheet.Features.Import;

/// <summary>
/// Reads both Blogger export formats, one <c>&lt;entry&gt;</c> at a time:
/// <list type="bullet">
/// <item>the classic "Back up content" Atom file, whose entry kinds are categories in the
/// <c>http://schemas.google.com/g/2005#kind</c> scheme (post, page, comment, settings, template)
/// and whose drafts carry <c>app:control/app:draft</c>;</item>
/// <item>the Takeout <c>feed.atom</c> (<c>xmlns:blogger="http://schemas.google.com/blogger/2018"</c>)
/// with <c>blogger:type</c>, <c>blogger:status</c>, <c>blogger:filename</c> and <c>blogger:parent</c>.</item>
/// </list>
/// Source keys are <c>blogger:</c> + the entry's Atom id, the same in both formats, so importing a
/// blog from one after the other adds nothing twice.
/// </summary>
internal static class BloggerReader
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private static readonly XNamespace Takeout = "http://schemas.google.com/blogger/2018";
    private static readonly XNamespace App = "http://purl.org/atom/app#";
    private static readonly XNamespace Thread = "http://purl.org/syndication/thread/1.0";
    private const string KindScheme = "http://schemas.google.com/g/2005#kind";
    private const string LabelScheme = "http://www.blogger.com/atom/ns#";

    public static IEnumerable<ImportRecord> Read(XmlReader xml, string fileName)
    {
        if (xml.MoveToContent() != XmlNodeType.Element)
            throw new ImportFailedException(fileName, Line(xml), "the file is empty or is not XML");
        if (xml.LocalName == "rss")
            throw new ImportFailedException(fileName, Line(xml), "this is an RSS file (a WordPress export?), not a Blogger export; use 'import wordpress' for WordPress files");
        if (xml.LocalName != "feed" || xml.NamespaceURI != Atom.NamespaceName)
            throw new ImportFailedException(fileName, Line(xml), $"this is not a Blogger export: it starts with <{xml.Name}>, where a Blogger export starts with an Atom <feed>");

        var seenIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var labels = new SortedSet<string>(StringComparer.Ordinal);
        var isBlogger = false;
        string? title = null, description = null;
        var entries = 0;

        xml.Read();
        while (!xml.EOF)
        {
            if (xml.NodeType != XmlNodeType.Element || xml.Depth != 1)
            {
                xml.Read();
                continue;
            }
            var line = Line(xml);
            var element = (XElement)XNode.ReadFrom(xml);
            if (element.Name == Atom + "id")
            {
                isBlogger |= element.Value.StartsWith("tag:blogger.com,", StringComparison.Ordinal);
                continue;
            }
            if (element.Name == Atom + "generator") { isBlogger |= element.Value.Contains("Blogger", StringComparison.OrdinalIgnoreCase); continue; }
            if (element.Name == Atom + "title") { title = element.Value.Trim(); continue; }
            if (element.Name == Atom + "subtitle") { description = element.Value.Trim(); continue; }
            if (element.Name != Atom + "entry") continue;

            if (entries++ == 0)
            {
                isBlogger |= element.Element(Takeout + "type") is not null;
                if (!isBlogger)
                    throw new ImportFailedException(fileName, line, "this Atom feed is not a Blogger export (it has no Blogger ids); export the blog from Blogger's Settings → Back up content, or from Google Takeout");
                if (title is not null || description is not null) yield return new ImportedSite(title, description);
            }
            foreach (var record in Entry(element, fileName, line, seenIds, labels)) yield return record;
        }
        if (entries == 0)
        {
            if (!isBlogger)
                throw new ImportFailedException(fileName, null, "this Atom feed is not a Blogger export (it has no Blogger ids)");
            yield return new ImportedSite(title, description);
        }

        // Old label pages and feeds: Blogger's own addresses for them answer with the new ones.
        foreach (var label in labels)
        {
            var slug = Slugs.From(label);
            yield return new ImportedRedirect("/search/label/" + label, PostPaths.Tag(slug));
            yield return new ImportedRedirect("/feeds/posts/default/-/" + label, $"/tag/{slug}/feed.atom");
        }
        yield return new ImportedRedirect("/feeds/posts/default", "/feed.atom");
        yield return new ImportedRedirect("/feeds/posts/summary", "/feed.atom");
        yield return new ImportedRedirect("/atom.xml", "/feed.atom");
        yield return new ImportedRedirect("/rss.xml", "/feed.rss");
        yield return new ImportedRedirect("/feeds/posts/default/rss", "/feed.rss");
    }

    private static IEnumerable<ImportRecord> Entry(XElement entry, string fileName, int line, Dictionary<string, int> seenIds, SortedSet<string> labels)
    {
        var id = entry.Element(Atom + "id")?.Value.Trim();
        if (string.IsNullOrEmpty(id))
        {
            yield return new ImportSkipped($"entry at line {line}", "it has no id");
            yield break;
        }
        var takeoutType = entry.Element(Takeout + "type")?.Value.Trim().ToUpperInvariant();
        var kind = takeoutType ?? KindOf(entry);
        var entryTitle = entry.Element(Atom + "title")?.Value.Trim() ?? "";

        switch (kind)
        {
            case "SETTINGS":
                var name = id[(id.LastIndexOf('.') + 1)..];
                var value = entry.Element(Atom + "content")?.Value.Trim();
                if (name == "BLOG_NAME" && !string.IsNullOrEmpty(value)) yield return new ImportedSite(value, null);
                else if (name == "BLOG_DESCRIPTION" && value is not null) yield return new ImportedSite(null, value);
                else if (name == "BLOG_TIME_ZONE" && !string.IsNullOrEmpty(value)) yield return new ImportedSite(null, null, value);
                yield break;
            case "TEMPLATE":
                yield return new ImportSkipped("the blog's template", "Broadsheet has its own design; Blogger templates do not apply");
                yield break;
            case "COMMENT":
                if (Comment(entry, id, line, takeoutType is not null) is { } comment) yield return comment;
                else yield return new ImportSkipped($"comment at line {line}", takeoutType is null ? "it does not say which post it belongs to" : "it is not live (deleted, spam or awaiting moderation)");
                yield break;
            case "POST" or "PAGE":
                break;
            default:
                yield return new ImportSkipped($"entry at line {line}", kind is null ? "it is not a post, page or comment" : $"Blogger entries of type '{kind.ToLowerInvariant()}' have no Broadsheet equivalent");
                yield break;
        }

        var status = StatusOf(entry, takeoutType is not null);
        if (status is null)
        {
            yield return new ImportSkipped($"\"{entryTitle}\" (line {line})", "it is in Blogger's trash");
            yield break;
        }

        var key = "blogger:" + id;
        // Blogger sometimes exports a draft under the id of a published post; keep both, the second under its own key.
        var occurrence = seenIds[key] = seenIds.GetValueOrDefault(key) + 1;
        if (occurrence > 1)
        {
            key += "#" + occurrence.ToString(CultureInfo.InvariantCulture);
            yield return new ImportNote($"\"{entryTitle}\" (line {line}) reuses the id of an earlier entry; imported as a separate {(status == PostStatus.Draft ? "draft" : "post")}");
        }

        var postKind = kind == "PAGE" ? PostKind.Page : PostKind.Post;
        var url = entry.Elements(Atom + "link").FirstOrDefault(l => (string?)l.Attribute("rel") == "alternate")?.Attribute("href")?.Value;
        var oldPath = entry.Element(Takeout + "filename")?.Value.Trim() is { Length: > 0 } filename ? filename : PathOf(url);
        var tags = entry.Elements(Atom + "category")
            .Where(c => (string?)c.Attribute("scheme") != KindScheme && (takeoutType is not null || (string?)c.Attribute("scheme") == LabelScheme))
            .Select(c => ((string?)c.Attribute("term"))?.Trim())
            .OfType<string>().Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        foreach (var tag in tags) labels.Add(tag);

        var published = Date(entry.Element(Atom + "published")) ?? Date(entry.Element(Takeout + "created")) ?? Date(entry.Element(Atom + "updated"));
        var content = entry.Element(Atom + "content")?.Value ?? "";
        var authors = entry.Elements(Atom + "author").Select(Author).OfType<ImportedAuthor>().ToList();

        yield return new ImportedPost(
            SourceKey: key,
            Kind: postKind,
            Status: status.Value,
            Title: entryTitle.Length > 0 ? entryTitle : "Untitled",
            WantedSlug: SlugFromPath(oldPath),
            BodyHtml: content,
            PublishedAt: published,
            Excerpt: null,
            Pinned: false,
            Tags: tags,
            Authors: authors,
            SourceUrl: url ?? oldPath,
            OldPaths: status == PostStatus.Draft || oldPath is null ? [] : [oldPath])
        {
            Tidy = BloggerHtml.Clean,
        };
    }

    private static string? KindOf(XElement entry)
    {
        var term = entry.Elements(Atom + "category").FirstOrDefault(c => (string?)c.Attribute("scheme") == KindScheme)?.Attribute("term")?.Value;
        return term is null ? null : term[(term.LastIndexOf('#') + 1)..].ToUpperInvariant();
    }

    /// <summary>Published, scheduled or draft; null for trashed entries.</summary>
    private static PostStatus? StatusOf(XElement entry, bool takeout)
    {
        if (takeout)
        {
            return entry.Element(Takeout + "status")?.Value.Trim().ToUpperInvariant() switch
            {
                "LIVE" or "PUBLISHED" or null => PostStatus.Published,
                "SCHEDULED" => PostStatus.Scheduled,
                "DRAFT" or "IMPORTED" => PostStatus.Draft,
                _ => null, // SOFT_TRASHED, DELETED
            };
        }
        var draft = entry.Element(App + "control")?.Element(App + "draft")?.Value.Trim();
        return string.Equals(draft, "yes", StringComparison.OrdinalIgnoreCase) ? PostStatus.Draft : PostStatus.Published;
    }

    private static ImportedComment? Comment(XElement entry, string id, int line, bool takeout)
    {
        string? postId;
        if (takeout)
        {
            var status = entry.Element(Takeout + "status")?.Value.Trim().ToUpperInvariant();
            if (status is not (null or "LIVE" or "PUBLISHED")) return null;
            postId = entry.Element(Takeout + "parent")?.Value.Trim();
        }
        else
        {
            postId = entry.Element(Thread + "in-reply-to")?.Attribute("ref")?.Value.Trim();
        }
        if (string.IsNullOrEmpty(postId)) return null;
        var author = entry.Element(Atom + "author");
        var name = author?.Element(Atom + "name")?.Value.Trim();
        var uri = author?.Element(Atom + "uri")?.Value.Trim();
        var email = author?.Element(Atom + "email")?.Value.Trim();
        // Blogger links replies to replies with a "related" link to the parent comment's feed entry.
        var related = entry.Elements(Atom + "link").FirstOrDefault(l => (string?)l.Attribute("rel") == "related")?.Attribute("href")?.Value;
        string? parent = null;
        if (related is not null && related.LastIndexOf('/') is var slash and >= 0)
        {
            var blogPrefix = id[..(id.LastIndexOf(".post-", StringComparison.Ordinal) is var p and > 0 ? p : 0)];
            parent = blogPrefix.Length > 0 ? "blogger:" + blogPrefix + ".post-" + related[(slash + 1)..] : null;
        }
        return new ImportedComment(
            "blogger:" + id,
            "blogger:" + postId,
            parent,
            string.IsNullOrEmpty(name) ? "Anonymous" : name,
            uri is { Length: > 0 } && uri.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? uri : null,
            email is { Length: > 0 } && email != "noreply@blogger.com" ? email : null,
            entry.Element(Atom + "content")?.Value ?? "",
            Date(entry.Element(Atom + "published")) ?? Date(entry.Element(Atom + "updated")) ?? DateTime.UnixEpoch);
    }

    private static ImportedAuthor? Author(XElement author)
    {
        var name = author.Element(Atom + "name")?.Value.Trim();
        if (string.IsNullOrEmpty(name)) return null;
        var uri = author.Element(Atom + "uri")?.Value.Trim();
        var email = author.Element(Atom + "email")?.Value.Trim();
        return new ImportedAuthor(
            "blogger:" + (string.IsNullOrEmpty(uri) ? "name:" + name : uri),
            name,
            email is { Length: > 0 } && email != "noreply@blogger.com" ? email : null,
            uri is { Length: > 0 } ? uri : null);
    }

    private static DateTime? Date(XElement? element) =>
        element is not null && DateTimeOffset.TryParse(element.Value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            ? at.UtcDateTime
            : null;

    private static string? PathOf(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.AbsolutePath : null;

    /// <summary>"/2015/10/vigil-report.html" → "vigil-report"; "/p/about.html" → "about".</summary>
    internal static string? SlugFromPath(string? path)
    {
        if (string.IsNullOrEmpty(path)) return null;
        var name = path.TrimEnd('/');
        name = name[(name.LastIndexOf('/') + 1)..];
        if (name.EndsWith(".html", StringComparison.OrdinalIgnoreCase)) name = name[..^5];
        else if (name.EndsWith(".htm", StringComparison.OrdinalIgnoreCase)) name = name[..^4];
        name = Uri.UnescapeDataString(name);
        return name.Length == 0 ? null : name;
    }

    private static int Line(XmlReader xml) => xml is IXmlLineInfo info ? info.LineNumber : 0;
}
