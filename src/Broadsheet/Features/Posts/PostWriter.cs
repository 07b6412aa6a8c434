using Broadsheet.Data;
using Broadsheet.Features.Authors;
using Broadsheet.Features.Redirects;
using Broadsheet.Features.Shared;
using Broadsheet.Features.Tags;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Posts;

/// <summary>
/// The rules every writer of posts follows (the editor, the API, importers, the demo): render and
/// sanitise the body, keep slugs unique, turn a changed permalink into a redirect, stamp times and
/// the concurrency version, and keep out of titles, bodies, tag and author names the characters XML
/// cannot hold (<see cref="XmlSafeText"/>). It changes tracked entities; the caller saves.
/// </summary>
public sealed class PostWriter(ContentRenderer renderer, TimeProvider clock)
{
    /// <summary>Renders the body and stamps times; returns whether sanitising removed anything.</summary>
    public bool Prepare(Post post, Settings.Site site) => Prepare(post, site, renderer.Render(post.Body, post.BodyFormat));

    /// <summary>
    /// As <see cref="Prepare(Post, Settings.Site)"/>, with the body already rendered by
    /// <see cref="ContentRenderer.Render"/> from <see cref="Post.Body"/> (importers render many posts in parallel).
    /// </summary>
    public bool Prepare(Post post, Settings.Site site, ContentRenderer.Rendered rendered)
    {
        // The renderer cleaned the source it rendered; the source kept for editing is cleaned the same way.
        post.Title = XmlSafeText.Clean(post.Title);
        post.Body = XmlSafeText.Clean(post.Body);
        post.Excerpt = XmlSafeText.Clean(post.Excerpt);
        post.BodyHtml = rendered.BodyHtml;
        post.SummaryHtml = rendered.SummaryHtml;
        var now = clock.GetUtcNow().UtcDateTime;
        if (post.CreatedAt == default) post.CreatedAt = now;
        post.UpdatedAt = now;
        post.Version++;
        if (post.Status != PostStatus.Draft && post.PublishedAt is null) post.PublishedAt = now;
        // A post whose date is still ahead is scheduled, whatever it was called; one whose date has passed is published.
        if (post.Status != PostStatus.Draft && post.PublishedAt is { } at)
            post.Status = at > now ? PostStatus.Scheduled : PostStatus.Published;
        post.ArchiveMonth = post.PublishedAt is { } date ? PostPaths.ArchiveMonth(date, site.TimeZone) : null;
        return rendered.Changed;
    }

    /// <summary>
    /// A slug not yet used by another post of the same kind, nor by an old address that redirects to one:
    /// "slug", then "slug-2", "slug-3"… A renamed post's old address keeps sending readers to it, so a new post
    /// must not take it over (it would silently inherit the old post's links). A post may take back its own old
    /// slugs. Old addresses of every month count, because a draft's month is only known once it is published.
    /// </summary>
    public static async Task<string> UniqueSlugAsync(BroadsheetDb db, PostKind kind, string wanted, int? exceptPostId, CancellationToken cancellationToken = default)
    {
        var baseSlug = Slugs.IsValid(wanted) ? wanted : Slugs.From(wanted);
        var taken = await db.Posts
            .Where(p => p.Kind == kind && p.Id != exceptPostId && (p.Slug == baseSlug || p.Slug.StartsWith(baseSlug + "-")))
            .Select(p => p.Slug)
            .ToListAsync(cancellationToken);
        var local = db.Posts.Local.Where(p => p.Kind == kind && p.Id != exceptPostId).Select(p => p.Slug);
        var used = new HashSet<string>(taken.Concat(local).Concat(await OldAddressSlugsAsync(db, kind, baseSlug, exceptPostId, cancellationToken)), StringComparer.Ordinal);
        if (!used.Contains(baseSlug)) return baseSlug;
        for (var n = 2; ; n++)
        {
            var candidate = $"{baseSlug}-{n}";
            if (!used.Contains(candidate)) return candidate;
        }
    }

    /// <summary>What editors and the API say when <see cref="UniqueSlugAsync"/> had to give another slug than the one asked for.</summary>
    public static string? SlugNotice(string wanted, string given) =>
        wanted == given ? null
            : $"The slug \"{wanted}\" is taken (by another post, or by an old address that still leads to one), so this one's slug is \"{given}\".";

    /// <summary>
    /// The slugs (<paramref name="baseSlug"/> and its "-n" variants) held by redirects from addresses shaped like
    /// a <paramref name="kind"/>'s permalink, except those leading to <paramref name="exceptPostId"/> itself.
    /// </summary>
    private static async Task<IEnumerable<string>> OldAddressSlugsAsync(BroadsheetDb db, PostKind kind, string baseSlug, int? exceptPostId, CancellationToken cancellationToken)
    {
        var exact = "/" + baseSlug;
        var variants = "/" + baseSlug + "-";
        var redirects = await db.Redirects.AsNoTracking()
            .Where(r => r.FromPath.EndsWith(exact) || r.FromPath.Contains(variants))
            .Select(r => new { r.FromPath, r.ToPath })
            .ToListAsync(cancellationToken);
        if (redirects.Count == 0) return [];
        var own = exceptPostId is { } id
            ? await db.Posts.AsNoTracking().Where(p => p.Id == id).Select(p => new { p.Kind, p.Slug, p.ArchiveMonth }).FirstOrDefaultAsync(cancellationToken)
            : null;
        var ownPermalink = own is null ? null : PostPaths.Permalink(own.Kind, own.Slug, own.ArchiveMonth);
        return redirects
            .Where(r => r.ToPath != ownPermalink)
            .Select(r => PostPaths.SlugOf(kind, r.FromPath))
            .OfType<string>()
            .Where(slug => slug == baseSlug || slug.StartsWith(baseSlug + "-", StringComparison.Ordinal));
    }

    /// <summary>
    /// Changes a post's public address and keeps the old one working with a 301. Call before
    /// changing <see cref="Post.Slug"/>, <see cref="Post.PublishedAt"/> or <see cref="Post.Kind"/>.
    /// </summary>
    public async Task MoveAsync(BroadsheetDb db, Post post, string? oldPermalink, CancellationToken cancellationToken = default)
    {
        var newPermalink = post.Permalink;
        if (oldPermalink is null || newPermalink is null || oldPermalink == newPermalink) return;
        await AddRedirectAsync(db, oldPermalink, newPermalink, cancellationToken);
        // Earlier redirects that pointed at the old address now point at the new one (no chains).
        await db.Redirects.Where(r => r.ToPath == oldPermalink)
            .ExecuteUpdateAsync(r => r.SetProperty(x => x.ToPath, newPermalink), cancellationToken);
        // The new address may itself have been a redirect once; the post now lives there.
        await db.Redirects.Where(r => r.FromPath == newPermalink).ExecuteDeleteAsync(cancellationToken);
    }

    public async Task AddRedirectAsync(BroadsheetDb db, string fromPath, string toPath, CancellationToken cancellationToken = default)
    {
        var from = RedirectPaths.Normalise(fromPath);
        if (from == toPath) return;
        var existing = await db.Redirects.FirstOrDefaultAsync(r => r.FromPath == from, cancellationToken)
                       ?? db.Redirects.Local.FirstOrDefault(r => r.FromPath == from);
        if (existing is null)
            db.Redirects.Add(new Redirect { FromPath = from, ToPath = toPath, CreatedAt = clock.GetUtcNow().UtcDateTime });
        else
            existing.ToPath = toPath;
    }

    /// <summary>Finds or creates tags by name (matching on slug), for editors and importers alike.</summary>
    public static async Task<List<Tag>> TagsAsync(BroadsheetDb db, IEnumerable<string> names, CancellationToken cancellationToken = default)
    {
        var wanted = names.Select(n => XmlSafeText.Clean(n).Trim()).Where(n => n.Length > 0)
            .DistinctBy(Slugs.From).ToDictionary(Slugs.From, n => n);
        var slugs = wanted.Keys.ToList();
        var found = await db.Tags.Where(t => slugs.Contains(t.Slug)).ToListAsync(cancellationToken);
        found.AddRange(db.Tags.Local.Where(t => slugs.Contains(t.Slug) && !found.Contains(t)));
        foreach (var (slug, name) in wanted)
        {
            if (found.Any(t => t.Slug == slug)) continue;
            var tag = new Tag { Name = name.Length > 200 ? name[..200] : name, Slug = slug };
            db.Tags.Add(tag);
            found.Add(tag);
        }
        return [.. slugs.Select(s => found.First(t => t.Slug == s))];
    }

    /// <summary>Finds an author by display name (matching on slug) or creates one.</summary>
    public static async Task<Author> AuthorAsync(BroadsheetDb db, string displayName, CancellationToken cancellationToken = default)
    {
        displayName = XmlSafeText.Clean(displayName).Trim();
        var slug = Slugs.From(displayName);
        return db.Authors.Local.FirstOrDefault(a => a.Slug == slug)
               ?? await db.Authors.FirstOrDefaultAsync(a => a.Slug == slug, cancellationToken)
               ?? db.Authors.Add(new Author { DisplayName = displayName, Slug = slug }).Entity;
    }

    /// <summary>Sets a post's byline to these authors, in this order.</summary>
    public static void SetByline(Post post, IReadOnlyList<Author> authors)
    {
        post.Authors.RemoveAll(link => !authors.Any(a => ReferenceEquals(a, link.Author) || (a.Id != 0 && a.Id == link.AuthorId)));
        for (var i = 0; i < authors.Count; i++)
        {
            var author = authors[i];
            var link = post.Authors.FirstOrDefault(l => ReferenceEquals(l.Author, author) || (author.Id != 0 && l.AuthorId == author.Id));
            if (link is null) post.Authors.Add(new PostAuthor { Author = author, Position = i });
            else link.Position = i;
        }
    }
}
