using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Features.Posts;

/// <summary>What kind of dated content a <see cref="Post"/> row is. Pages have no date in their URL.</summary>
public enum PostKind
{
    Post = 0,
    Page = 1,
}

/// <summary>
/// Where a post is in its life. A scheduled post is public once its <see cref="Post.PublishedAt"/>
/// has passed, with no worker needed: every public query uses <see cref="PostQueries.Visible"/>.
/// </summary>
public enum PostStatus
{
    Draft = 0,
    Scheduled = 1,
    Published = 2,
}

/// <summary>Which markup <see cref="Post.Body"/> holds. Imports keep their HTML; editors write Markdown.</summary>
public enum BodyFormat
{
    Markdown = 0,
    Html = 1,
}

/// <summary>
/// A post or a page. <see cref="Body"/> is the source as written; <see cref="BodyHtml"/> and
/// <see cref="SummaryHtml"/> are rendered and sanitised once on save by <see cref="ContentRenderer"/>,
/// so a page view never runs Markdig or the sanitiser.
/// </summary>
public sealed class Post
{
    public int Id { get; set; }
    public PostKind Kind { get; set; }
    public PostStatus Status { get; set; }
    public required string Title { get; set; }

    /// <summary>Unique per kind; when changed, the old permalink becomes a <see cref="Redirects.Redirect"/>.</summary>
    public required string Slug { get; set; }

    public string Body { get; set; } = "";
    public BodyFormat BodyFormat { get; set; }

    /// <summary>The whole body, rendered and sanitised.</summary>
    public string BodyHtml { get; set; } = "";

    /// <summary>The part before the "read more" break, rendered and sanitised; null when the post has no break.</summary>
    public string? SummaryHtml { get; set; }

    /// <summary>An optional hand-written excerpt (plain text) for listings, feeds and link previews.</summary>
    public string? Excerpt { get; set; }

    public bool Pinned { get; set; }

    /// <summary>UTC. For drafts, the intended date if one was set.</summary>
    public DateTime? PublishedAt { get; set; }

    /// <summary>
    /// Year and month of <see cref="PublishedAt"/> in the site's time zone when it was set (201510 for
    /// October 2015). Permalinks and archives use it, so a later change of time zone moves no URL.
    /// </summary>
    public int? ArchiveMonth { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Bumped on every save; editors' stale writes are refused by comparing it (optimistic concurrency).</summary>
    public int Version { get; set; }

    /// <summary>Identity of the record in the system it was imported from ("blogger:…", "wordpress:…"), for idempotent re-imports.</summary>
    public string? SourceKey { get; set; }

    /// <summary>The URL the post had in the system it was imported from.</summary>
    public string? SourceUrl { get; set; }

    public List<PostAuthor> Authors { get; set; } = [];
    public List<Tags.Tag> Tags { get; set; } = [];
    public List<Comment> Comments { get; set; } = [];

    /// <summary>The public path of a post or page, or null if it has no date yet.</summary>
    public string? Permalink => PostPaths.Permalink(Kind, Slug, ArchiveMonth);
}

/// <summary>An author's place in a post's byline; <see cref="Position"/> keeps the byline's order.</summary>
public sealed class PostAuthor
{
    public int PostId { get; set; }
    public int AuthorId { get; set; }
    public int Position { get; set; }
    public Post? Post { get; set; }
    public Authors.Author? Author { get; set; }
}

internal sealed class PostConfiguration : IEntityTypeConfiguration<Post>
{
    public const string ArchiveCountsIndex = "IX_Posts_ArchiveCounts";

    public void Configure(EntityTypeBuilder<Post> post)
    {
        post.Property(p => p.Title).HasMaxLength(500);
        post.Property(p => p.Slug).HasMaxLength(200);
        post.Property(p => p.SourceKey).HasMaxLength(400);
        post.Property(p => p.SourceUrl).HasMaxLength(2000);
        post.Property(p => p.Excerpt).HasMaxLength(2000);
        post.Property(p => p.Version).IsConcurrencyToken();
        post.HasIndex(p => new { p.Kind, p.Slug }).IsUnique();
        post.HasIndex(p => p.SourceKey).IsUnique();
        // The home page, archives and feeds all read "visible posts, newest first".
        post.HasIndex(p => new { p.Kind, p.Status, p.PublishedAt });
        // The sidebar's per-month counts, read end to end from this narrow index in GROUP BY order instead
        // of from every post row (~1.6 s on 100,000 posts, after every publish). ArchiveMonth leads so that
        // SQLite never prefers it for the home page; ArchiveCounts asks for it by name (IndexHints.UsingIndex).
        post.HasIndex(p => new { p.ArchiveMonth, p.Kind, p.Status, p.PublishedAt }, ArchiveCountsIndex);
        post.HasIndex(p => p.PublishedAt);
        post.HasIndex(p => new { p.ArchiveMonth, p.Slug });
        post.HasIndex(p => p.Pinned);
        post.HasMany(p => p.Tags).WithMany(t => t.Posts).UsingEntity("PostTags");
        post.HasMany(p => p.Authors).WithOne(a => a.Post).HasForeignKey(a => a.PostId).OnDelete(DeleteBehavior.Cascade);
        post.HasMany(p => p.Comments).WithOne(c => c.Post).HasForeignKey(c => c.PostId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PostAuthorConfiguration : IEntityTypeConfiguration<PostAuthor>
{
    public void Configure(EntityTypeBuilder<PostAuthor> link)
    {
        link.HasKey(a => new { a.PostId, a.AuthorId });
        link.HasOne(a => a.Author).WithMany(a => a.Posts).HasForeignKey(a => a.AuthorId).OnDelete(DeleteBehavior.Cascade);
    }
}
