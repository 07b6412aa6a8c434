using Broadsheet.Data;
using Broadsheet.Features.Authors;
using Broadsheet.Features.Redirects;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Shared;
using Broadsheet.Features.Tags;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Posts;

/// <summary>
/// The one door through which posts and pages are written. <see cref="SaveAsync"/> and <see cref="DeleteAsync"/>
/// are what the editor, the Admin API, revision restore, the demo content (and newsletters and statements, when
/// they publish) call; the rest are the rules they follow: render and sanitise the body, keep slugs unique, turn
/// a changed public address into a redirect (<see cref="LeavesRedirect"/>), stamp times and the concurrency
/// version, and keep out of titles, bodies, tag and author names the characters XML cannot hold
/// (<see cref="XmlSafeText"/>). Importers, which write thousands of posts a batch, use those rules directly.
/// </summary>
public sealed class PostWriter(
    BroadsheetDb db, ContentRenderer renderer, SiteSettingsCache settings, ContentChanges changes, TimeProvider clock)
{
    /// <summary>
    /// Saves <paramref name="change"/> to a post or page (a new one when <see cref="PostChange.Id"/> is null), made by
    /// <paramref name="by"/>. In one transaction it checks the expected version, validates, applies the fields, resolves
    /// slug, tags and byline, renders and sanitises, records the redirect for a moved public address, keeps a revision
    /// and saves; then it tells <see cref="ContentChanges"/>. A refused change (not found, stale, invalid) writes nothing.
    /// Inside a transaction the caller opened, the save joins it, and committing is the caller's.
    /// Search follows by itself (the SearchSync interceptor sees the save).
    /// </summary>
    public async Task<PostSaveResult> SaveAsync(PostChange change, PostActor by, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var post = change.Id is { } id
            ? await db.Posts.Include(p => p.Tags).Include(p => p.Authors).ThenInclude(a => a.Author)
                .AsSplitQuery().FirstOrDefaultAsync(p => p.Id == id && p.Kind == change.Kind, cancellationToken)
            : new Post { Kind = change.Kind, Title = "", Slug = "", Status = PostStatus.Draft };
        if (post is null) return new(PostSaveOutcome.NotFound);
        if (change.ExpectedVersion is { } expected && expected != post.Version) return new(PostSaveOutcome.Stale) { CurrentVersion = post.Version };
        var errors = Validate(change, post, now);
        if (errors.Count > 0) return new(PostSaveOutcome.Invalid) { Errors = errors };

        var site = await settings.GetAsync(cancellationToken);
        // A caller that must write something else with the post (an outbox row) opens the transaction; the save joins it.
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        // Before any field changes: finding a person's author the first time saves it.
        var ownAuthor = by is { IsPerson: true, Id: { } userId } && change.Authors is not { Count: > 0 } && post.Authors.Count == 0
            ? await AccountAuthors.ForAsync(db, userId, cancellationToken)
            : null;
        var wasVisible = post.IsVisible(now);
        var oldPermalink = post.Permalink;

        if (change.Title is { } title) post.Title = title.Trim();
        if (change.Body is { } body) post.Body = body;
        if (change.Format is { } format) post.BodyFormat = format;
        if (change.Excerpt is { } excerpt) post.Excerpt = string.IsNullOrWhiteSpace(excerpt) ? null : excerpt.Trim();
        if (change.Pinned is { } pinned) post.Pinned = pinned;
        if (change.PublishedAt is { } date) post.PublishedAt = date.Utc;
        if (change.Status is { } status) post.Status = status;
        if (change.PublishNow)
        {
            post.Status = PostStatus.Published;
            if (post.PublishedAt is not { } at || at > now) post.PublishedAt = now;
        }
        string? notice = null;
        var wantedSlug = change.Slug is { } asked && asked.Trim().Length > 0 ? asked.Trim() : post.Slug.Length == 0 ? Slugs.From(post.Title) : null;
        if (wantedSlug is not null && wantedSlug != post.Slug)
        {
            post.Slug = await UniqueSlugAsync(db, post.Kind, wantedSlug, post.Id == 0 ? null : post.Id, cancellationToken);
            notice = SlugNotice(wantedSlug, post.Slug);
        }
        if (change.Tags is { } tagNames)
        {
            var tags = await TagsAsync(db, tagNames, cancellationToken);
            post.Tags.RemoveAll(t => !tags.Contains(t));
            post.Tags.AddRange(tags.Where(t => !post.Tags.Contains(t)));
        }
        if (change.Authors is { } authorNames)
        {
            var byline = new List<Author>();
            foreach (var name in authorNames.Select(n => n.Trim()).Distinct(StringComparer.OrdinalIgnoreCase)) byline.Add(await AuthorAsync(db, name, cancellationToken));
            SetByline(post, byline);
        }
        if (ownAuthor is not null && post.Authors.Count == 0) SetByline(post, [ownAuthor]);

        Prepare(post, site);
        if (post.Id == 0) db.Posts.Add(post);
        if (LeavesRedirect(wasVisible, post)) await MoveAsync(post, oldPermalink, cancellationToken);
        db.PostRevisions.Add(PostRevision.Of(post, by.Id, now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            if (transaction is not null) await transaction.CommitAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            var current = await db.Posts.AsNoTracking().Where(p => p.Id == post.Id).Select(p => p.Version).FirstOrDefaultAsync(cancellationToken);
            return new(PostSaveOutcome.Stale) { CurrentVersion = current };
        }
        await changes.PublishedAsync(db, cancellationToken);
        return new(PostSaveOutcome.Saved) { Post = post, Notice = notice };
    }

    /// <summary>Deletes a post or page for good, with its comments and revisions; refused as stale when <paramref name="expectedVersion"/> is older.</summary>
    public async Task<PostSaveResult> DeleteAsync(PostKind kind, int id, int? expectedVersion, CancellationToken cancellationToken = default)
    {
        var post = await db.Posts.FirstOrDefaultAsync(p => p.Id == id && p.Kind == kind, cancellationToken);
        if (post is null) return new(PostSaveOutcome.NotFound);
        if (expectedVersion is { } expected && expected != post.Version) return new(PostSaveOutcome.Stale) { CurrentVersion = post.Version };
        db.Posts.Remove(post);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new(PostSaveOutcome.Stale) { CurrentVersion = post.Version };
        }
        await changes.PublishedAsync(db, cancellationToken);
        return new(PostSaveOutcome.Saved);
    }

    /// <summary>
    /// The one rule for when a save leaves a redirect behind: the post's old address was public (it was visible
    /// before this save) and the post is not a draft now, so readers holding the old link will find it at the new
    /// one (at once, or when a new date ahead comes). A draft or a not-yet-due post was never seen at its old
    /// address, so nothing is kept for it; a post taken back to draft leaves its old address answering 404.
    /// </summary>
    public static bool LeavesRedirect(bool wasVisible, Post post) => wasVisible && post.Status != PostStatus.Draft;

    /// <summary>The same limits on every door; field names are <see cref="PostChange"/>'s, camel-cased.</summary>
    private static Dictionary<string, string[]> Validate(PostChange change, Post post, DateTime now)
    {
        var errors = new Dictionary<string, string[]>();
        if (post.Id == 0 && string.IsNullOrWhiteSpace(change.Title)) errors["title"] = ["A title is needed."];
        else if (change.Title is { } title && (title.Trim().Length == 0 || title.Length > 500)) errors["title"] = ["A title is needed, at most 500 characters."];
        if (change.Excerpt is { Length: > 2000 }) errors["excerpt"] = ["At most 2000 characters."];
        if (change.Slug?.Trim() is { Length: > 0 } slug && !Slugs.IsValid(slug)) errors["slug"] = ["A slug may hold only lower-case letters, digits and hyphens, not starting or ending with a hyphen."];
        if (change.Tags?.Any(t => t is null || t.Length > 200) == true) errors["tags"] = ["Tag names are at most 200 characters."];
        if (change.Authors?.Any(a => string.IsNullOrWhiteSpace(a) || a.Length > 300) == true) errors["authors"] = ["Author names are 1 to 300 characters."];
        if (change.Status == PostStatus.Scheduled && !((change.PublishedAt?.Utc ?? post.PublishedAt) is { } when && when > now))
            errors["publishedAt"] = ["A scheduled post needs a publication date in the future."];
        return errors;
    }

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

    /// <summary>Keeps a post's old public address working with a 301 to its new one.</summary>
    private async Task MoveAsync(Post post, string? oldPermalink, CancellationToken cancellationToken)
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
