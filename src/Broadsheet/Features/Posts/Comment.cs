using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Features.Posts;

public enum CommentStatus
{
    Pending = 0,
    Approved = 1,
    Spam = 2,
}

/// <summary>A reader's comment under a post. Imported from Blogger and WordPress; the HTML is sanitised on the way in.</summary>
public sealed class Comment
{
    public int Id { get; set; }
    public int PostId { get; set; }
    public Post? Post { get; set; }
    public int? ParentId { get; set; }
    public CommentStatus Status { get; set; }
    public required string AuthorName { get; set; }
    public string? AuthorUrl { get; set; }
    public string? AuthorEmail { get; set; }
    public string BodyHtml { get; set; } = "";
    public DateTime PublishedAt { get; set; }
    public string? SourceKey { get; set; }
}

internal sealed class CommentConfiguration : IEntityTypeConfiguration<Comment>
{
    public void Configure(EntityTypeBuilder<Comment> comment)
    {
        comment.Property(c => c.AuthorName).HasMaxLength(300);
        comment.Property(c => c.AuthorUrl).HasMaxLength(2000);
        comment.Property(c => c.AuthorEmail).HasMaxLength(320);
        comment.Property(c => c.SourceKey).HasMaxLength(400);
        comment.HasIndex(c => c.SourceKey).IsUnique();
        comment.HasIndex(c => new { c.PostId, c.Status, c.PublishedAt });
    }
}
