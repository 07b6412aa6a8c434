using System.Globalization;
using System.ServiceModel.Syndication;
using System.Text;
using System.Xml;
using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Settings;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Feeds;

/// <summary>
/// Atom and RSS 2.0 feeds (the site's and each tag's, full content), sitemap.xml, robots.txt and the
/// OpenSearch description. All are written through a UTF-8 stream: an XmlWriter over a
/// StringBuilder would declare UTF-16, and feed readers believe the declaration; and through
/// <see cref="XmlSafeWriter"/>, so no character in a post, tag or setting can make them fail.
/// </summary>
public static class FeedEndpoints
{
    public const int FeedSize = 20;
    public const int SitemapPageSize = 40_000;

    public static IEndpointRouteBuilder MapFeeds(this IEndpointRouteBuilder app)
    {
        app.MapGet("/feed.atom", (HttpContext http, BroadsheetDb db, SiteSettingsCache settings, TimeProvider clock, CancellationToken ct) =>
            FeedAsync(http, db, settings, clock, tagSlug: null, atom: true, ct));
        app.MapGet("/feed.rss", (HttpContext http, BroadsheetDb db, SiteSettingsCache settings, TimeProvider clock, CancellationToken ct) =>
            FeedAsync(http, db, settings, clock, tagSlug: null, atom: false, ct));
        app.MapGet("/tag/{slug}/feed.atom", (string slug, HttpContext http, BroadsheetDb db, SiteSettingsCache settings, TimeProvider clock, CancellationToken ct) =>
            FeedAsync(http, db, settings, clock, slug, atom: true, ct));
        app.MapGet("/tag/{slug}/feed.rss", (string slug, HttpContext http, BroadsheetDb db, SiteSettingsCache settings, TimeProvider clock, CancellationToken ct) =>
            FeedAsync(http, db, settings, clock, slug, atom: false, ct));
        app.MapGet("/sitemap.xml", SitemapAsync);
        app.MapGet("/sitemap-{page:int:min(1)}.xml", SitemapPageAsync);
        app.MapGet("/robots.txt", RobotsAsync);
        app.MapGet("/opensearch.xml", OpenSearchAsync);
        return app;
    }

    private static async Task<IResult> FeedAsync(HttpContext http, BroadsheetDb db, SiteSettingsCache settings, TimeProvider clock,
        string? tagSlug, bool atom, CancellationToken cancellationToken)
    {
        var site = await settings.GetAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var posts = db.VisiblePosts(now);
        var title = site.Title;
        var htmlPath = "/";
        var selfPath = atom ? "/feed.atom" : "/feed.rss";
        if (tagSlug is not null)
        {
            var tag = await db.Tags.AsNoTracking().FirstOrDefaultAsync(t => t.Slug == tagSlug, cancellationToken);
            if (tag is null) return Results.NotFound();
            posts = posts.Where(p => p.Tags.Any(t => t.Id == tag.Id));
            title = $"{site.Title}: {tag.Name}";
            htmlPath = PostPaths.Tag(tag.Slug);
            selfPath = $"/tag/{tag.Slug}/feed.{(atom ? "atom" : "rss")}";
        }

        var rows = await posts.NewestFirst().Take(FeedSize).AsNoTracking()
            .Select(p => new { p.Id, p.Kind, p.Title, p.Slug, p.ArchiveMonth, p.PublishedAt, p.UpdatedAt, p.BodyHtml, p.Excerpt, p.SourceKey })
            .ToListAsync(cancellationToken);
        var ids = rows.Select(r => r.Id).ToList();
        var authors = (await db.PostAuthors.Where(a => ids.Contains(a.PostId)).OrderBy(a => a.Position)
            .Select(a => new { a.PostId, a.Author!.DisplayName, a.Author.Slug }).ToListAsync(cancellationToken)).ToLookup(a => a.PostId);
        var tags = (await db.Posts.Where(p => ids.Contains(p.Id)).SelectMany(p => p.Tags, (p, t) => new { PostId = p.Id, t.Name, t.Slug })
            .ToListAsync(cancellationToken)).ToLookup(t => t.PostId);

        var feed = new SyndicationFeed(title, site.Description, new Uri(site.Absolute(htmlPath), UriKind.RelativeOrAbsolute))
        {
            Id = site.Absolute(selfPath),
            Language = site.Culture.Name,
            // An empty feed takes the site's last change, not "now", so its bytes (and ETag) stay put.
            LastUpdatedTime = site.LocalOffset(rows.Count > 0 ? rows.Max(r => r.UpdatedAt > r.PublishedAt!.Value ? r.UpdatedAt : r.PublishedAt.Value)
                : http.RequestServices.GetRequiredService<ContentChanges>().LastModifiedUtc),
            Generator = "Broadsheet",
        };
        feed.Links.Add(new SyndicationLink(new Uri(site.Absolute(selfPath), UriKind.RelativeOrAbsolute)) { RelationshipType = "self", MediaType = atom ? "application/atom+xml" : "application/rss+xml" });
        // While the site has no address its links are site-relative and its ids need some domain: ".invalid" is the
        // name reserved for one that can never be real (RFC 2606), so it cannot be mistaken for anybody's site.
        var idAuthority = site.HasAddress ? new Uri(site.BaseUrl).Host : "broadsheet.invalid";
        feed.Items = [.. rows.Select(r =>
        {
            var link = site.Absolute(PostPaths.Permalink(r.Kind, r.Slug, r.ArchiveMonth)!);
            var item = new SyndicationItem
            {
                // A stable id: the tag URI survives slug changes, where a permalink would not.
                Id = $"tag:{idAuthority},{r.PublishedAt!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}:post-{r.Id}",
                Title = new TextSyndicationContent(r.Title),
                PublishDate = site.LocalOffset(r.PublishedAt.Value),
                LastUpdatedTime = site.LocalOffset(r.UpdatedAt > r.PublishedAt.Value ? r.UpdatedAt : r.PublishedAt.Value),
            };
            // Full content in both: Atom's <content> (with the excerpt as <summary>); RSS has only
            // <description>, which must hold the whole post, not the excerpt.
            if (atom)
            {
                item.Content = new TextSyndicationContent(r.BodyHtml, TextSyndicationContentKind.Html);
                if (!string.IsNullOrWhiteSpace(r.Excerpt)) item.Summary = new TextSyndicationContent(r.Excerpt);
            }
            else
            {
                item.Summary = new TextSyndicationContent(r.BodyHtml, TextSyndicationContentKind.Html);
            }
            item.Links.Add(SyndicationLink.CreateAlternateLink(new Uri(link, UriKind.RelativeOrAbsolute), "text/html"));
            foreach (var author in authors[r.Id])
                item.Authors.Add(new SyndicationPerson { Name = author.DisplayName, Uri = site.Absolute(PostPaths.Author(author.Slug)) });
            foreach (var tag in tags[r.Id])
                item.Categories.Add(new SyndicationCategory(tag.Name) { Label = tag.Name, Scheme = site.Absolute("/tag/") });
            return item;
        })];
        if (feed.Authors.Count == 0 && atom)
            feed.Authors.Add(new SyndicationPerson { Name = site.Title }); // Atom requires an author at feed or entry level.

        var bytes = Write(writer =>
        {
            if (atom) new Atom10FeedFormatter(feed).WriteTo(writer);
            else new Rss20FeedFormatter(feed, serializeExtensionsAsAtom: true).WriteTo(writer);
        });
        return Results.Bytes(bytes, atom ? "application/atom+xml; charset=utf-8" : "application/rss+xml; charset=utf-8");
    }

    private static async Task<IResult> SitemapAsync(HttpContext http, BroadsheetDb db, SiteSettingsCache settings, TimeProvider clock, CancellationToken cancellationToken)
    {
        var site = await settings.GetAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var count = await db.Posts.Visible(now).CountAsync(cancellationToken);
        if (count <= SitemapPageSize) return await SitemapPageAsync(1, http, db, settings, clock, cancellationToken);
        // Too many for one file (the protocol allows 50,000 URLs): a sitemap index of numbered pages.
        var pages = (count + SitemapPageSize - 1) / SitemapPageSize;
        var bytes = Write(writer =>
        {
            writer.WriteStartElement("sitemapindex", "http://www.sitemaps.org/schemas/sitemap/0.9");
            for (var i = 1; i <= pages; i++)
            {
                writer.WriteStartElement("sitemap");
                writer.WriteElementString("loc", site.Absolute($"/sitemap-{i}.xml"));
                writer.WriteEndElement();
            }
            writer.WriteEndElement();
        });
        return Results.Bytes(bytes, "application/xml; charset=utf-8");
    }

    private static async Task<IResult> SitemapPageAsync(int page, HttpContext http, BroadsheetDb db, SiteSettingsCache settings, TimeProvider clock, CancellationToken cancellationToken)
    {
        var site = await settings.GetAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = await db.Posts.Visible(now).AsNoTracking()
            .OrderBy(p => p.Id)
            .Skip((page - 1) * SitemapPageSize).Take(SitemapPageSize)
            .Select(p => new { p.Kind, p.Slug, p.ArchiveMonth, p.UpdatedAt, p.PublishedAt })
            .ToListAsync(cancellationToken);
        if (rows.Count == 0 && page > 1) return Results.NotFound();
        var tagSlugs = page == 1 ? await db.Tags.Where(t => t.Posts.AsQueryable().Any(PostQueries.VisibleAt(now))).Select(t => t.Slug).ToListAsync(cancellationToken) : [];
        var bytes = Write(writer =>
        {
            writer.WriteStartElement("urlset", "http://www.sitemaps.org/schemas/sitemap/0.9");
            void Url(string path, DateTime? modified)
            {
                writer.WriteStartElement("url");
                writer.WriteElementString("loc", site.Absolute(path));
                if (modified is { } m) writer.WriteElementString("lastmod", m.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                writer.WriteEndElement();
            }
            if (page == 1) Url("/", null);
            foreach (var row in rows)
                Url(PostPaths.Permalink(row.Kind, row.Slug, row.ArchiveMonth)!, row.UpdatedAt > row.PublishedAt ? row.UpdatedAt : row.PublishedAt);
            foreach (var slug in tagSlugs) Url(PostPaths.Tag(slug), null);
            writer.WriteEndElement();
        });
        return Results.Bytes(bytes, "application/xml; charset=utf-8");
    }

    private static async Task<IResult> RobotsAsync(HttpContext http, SiteSettingsCache settings, CancellationToken cancellationToken)
    {
        var site = await settings.GetAsync(cancellationToken);
        var text = $"""
            User-agent: *
            Disallow: /admin/
            Disallow: /api/admin/
            Disallow: /search
            Allow: /

            Sitemap: {site.Absolute("/sitemap.xml")}

            """;
        return Results.Text(text, "text/plain; charset=utf-8", Encoding.UTF8);
    }

    private static async Task<IResult> OpenSearchAsync(HttpContext http, SiteSettingsCache settings, CancellationToken cancellationToken)
    {
        var site = await settings.GetAsync(cancellationToken);
        const string ns = "http://a9.com/-/spec/opensearch/1.1/";
        var bytes = Write(writer =>
        {
            writer.WriteStartElement("OpenSearchDescription", ns);
            writer.WriteElementString("ShortName", ns, site.Title.Length > 16 ? site.Title[..16] : site.Title);
            writer.WriteElementString("Description", ns, $"Search {site.Title}");
            writer.WriteElementString("InputEncoding", ns, "UTF-8");
            writer.WriteStartElement("Url", ns);
            writer.WriteAttributeString("type", "text/html");
            writer.WriteAttributeString("method", "get");
            writer.WriteAttributeString("template", site.Absolute("/search?q={searchTerms}"));
            writer.WriteEndElement();
            writer.WriteEndElement();
        });
        return Results.Bytes(bytes, "application/opensearchdescription+xml; charset=utf-8");
    }

    private static byte[] Write(Action<XmlWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new XmlSafeWriter(XmlWriter.Create(stream, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false, Async = false })))
        {
            writer.WriteStartDocument();
            write(writer);
            writer.WriteEndDocument();
        }
        return stream.ToArray();
    }
}
