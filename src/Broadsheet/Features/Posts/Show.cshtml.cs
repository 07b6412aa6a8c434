using System.Globalization;
using System.Text.Json;
using Broadsheet.Data;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Posts;

/// <summary>A post at its permalink, /yyyy/MM/slug, with its byline, tags, comments and neighbours.</summary>
public sealed class ShowModel(BroadsheetDb db) : PublicPageModel
{
    public Post Post { get; private set; } = null!;
    public IReadOnlyList<NameAndSlug> Authors { get; private set; } = [];
    public IReadOnlyList<NameAndSlug> Tags { get; private set; } = [];
    public IReadOnlyList<Comment> Comments { get; private set; } = [];
    public (string Title, string Path)? Newer { get; private set; }
    public (string Title, string Path)? Older { get; private set; }

    public async Task<IActionResult> OnGetAsync(int year, int month, string slug, CancellationToken cancellationToken)
    {
        var archiveMonth = year * 100 + month;
        var now = NowUtc;
        var post = await db.VisiblePosts(now).AsNoTracking()
            .Where(p => p.Slug == slug && p.ArchiveMonth == archiveMonth)
            .FirstOrDefaultAsync(cancellationToken);
        if (post is null) return NotFound();
        // "/2015/1/x" finds the post too; send the reader to the one canonical spelling.
        if (post.Permalink is { } canonical && canonical != Request.Path.Value) return RedirectPermanent(canonical);
        await LoadAsync(post, now, cancellationToken);
        return Page();
    }

    private async Task LoadAsync(Post post, DateTime now, CancellationToken cancellationToken)
    {
        Post = post;
        Authors = await db.PostAuthors.Where(a => a.PostId == post.Id).OrderBy(a => a.Position)
            .Select(a => new NameAndSlug(a.Author!.DisplayName, a.Author.Slug)).ToListAsync(cancellationToken);
        Tags = await db.Posts.Where(p => p.Id == post.Id).SelectMany(p => p.Tags)
            .OrderBy(t => t.Name).Select(t => new NameAndSlug(t.Name, t.Slug)).ToListAsync(cancellationToken);
        Comments = await db.Comments.AsNoTracking()
            .Where(c => c.PostId == post.Id && c.Status == CommentStatus.Approved)
            .OrderBy(c => c.PublishedAt).ThenBy(c => c.Id).ToListAsync(cancellationToken);
        var at = post.PublishedAt!.Value;
        var newer = await db.VisiblePosts(now)
            .Where(p => p.PublishedAt > at || (p.PublishedAt == at && p.Id > post.Id))
            .OrderBy(p => p.PublishedAt).ThenBy(p => p.Id)
            .Select(p => new { p.Title, p.Kind, p.Slug, p.ArchiveMonth }).FirstOrDefaultAsync(cancellationToken);
        var older = await db.VisiblePosts(now)
            .Where(p => p.PublishedAt < at || (p.PublishedAt == at && p.Id < post.Id))
            .NewestFirst()
            .Select(p => new { p.Title, p.Kind, p.Slug, p.ArchiveMonth }).FirstOrDefaultAsync(cancellationToken);
        if (newer is not null) Newer = (newer.Title, PostPaths.Permalink(newer.Kind, newer.Slug, newer.ArchiveMonth)!);
        if (older is not null) Older = (older.Title, PostPaths.Permalink(older.Kind, older.Slug, older.ArchiveMonth)!);

        Meta.Title = post.Title;
        Meta.Description = post.Excerpt ?? ContentRenderer.PlainText(post.SummaryHtml ?? post.BodyHtml, 300);
        Meta.CanonicalPath = post.Permalink;
        Meta.OpenGraphType = "article";
        Meta.PublishedUtc = post.PublishedAt;
        Meta.ModifiedUtc = post.UpdatedAt;
        Meta.ArticleTags = [.. Tags.Select(t => t.Name)];
        Meta.JsonLd = StructuredData.BlogPosting(this, post, Authors, Tags);
    }
}

/// <summary>schema.org JSON-LD for articles, serialised with an encoder that escapes '&lt;' so it cannot close the script element.</summary>
public static class StructuredData
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static string BlogPosting(PublicPageModel page, Post post, IReadOnlyList<NameAndSlug> authors, IReadOnlyList<NameAndSlug> tags)
    {
        var site = page.Site;
        var data = new Dictionary<string, object?>
        {
            ["@context"] = "https://schema.org",
            ["@type"] = post.Kind == PostKind.Page ? "WebPage" : "BlogPosting",
            ["headline"] = post.Title,
            ["url"] = page.Absolute(post.Permalink ?? "/"),
            ["mainEntityOfPage"] = page.Absolute(post.Permalink ?? "/"),
            ["datePublished"] = post.PublishedAt is { } published ? site.LocalOffset(published).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture) : null,
            ["dateModified"] = site.LocalOffset(post.UpdatedAt).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
            ["description"] = page.Meta.Description,
            ["author"] = authors.Select(a => new Dictionary<string, string> { ["@type"] = "Person", ["name"] = a.Name, ["url"] = page.Absolute(PostPaths.Author(a.Slug)) }).ToList(),
            ["keywords"] = tags.Count > 0 ? string.Join(", ", tags.Select(t => t.Name)) : null,
            ["publisher"] = new Dictionary<string, string> { ["@type"] = "Organization", ["name"] = site.Title, ["url"] = page.Absolute("/") },
        };
        foreach (var empty in data.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList()) data.Remove(empty);
        return JsonSerializer.Serialize(data, Options);
    }
}
