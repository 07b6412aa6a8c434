using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Features.Posts;

/// <summary>A saved state of a post, kept so an editor can see history and restore it.</summary>
public sealed class PostRevision
{
    public int Id { get; set; }
    public int PostId { get; set; }
    public Post? Post { get; set; }
    public required string Title { get; set; }
    public string Body { get; set; } = "";
    public BodyFormat BodyFormat { get; set; }
    public string? Excerpt { get; set; }
    public DateTime CreatedAt { get; set; }
    public string? CreatedByUserId { get; set; }
    /// <summary>True for autosaves, which are pruned more eagerly than deliberate saves.</summary>
    public bool IsAutosave { get; set; }

    /// <summary>The post's state as it is now, kept as a revision by <paramref name="userId"/>.</summary>
    public static PostRevision Of(Post post, string? userId, DateTime nowUtc, bool autosave = false) => new()
    {
        Post = post,
        Title = post.Title,
        Body = post.Body,
        BodyFormat = post.BodyFormat,
        Excerpt = post.Excerpt,
        CreatedAt = nowUtc,
        CreatedByUserId = userId,
        IsAutosave = autosave,
    };
}

internal sealed class PostRevisionConfiguration : IEntityTypeConfiguration<PostRevision>
{
    public void Configure(EntityTypeBuilder<PostRevision> revision)
    {
        revision.Property(r => r.Title).HasMaxLength(500);
        revision.HasOne(r => r.Post).WithMany().HasForeignKey(r => r.PostId).OnDelete(DeleteBehavior.Cascade);
        revision.HasIndex(r => new { r.PostId, r.CreatedAt });
    }
}
