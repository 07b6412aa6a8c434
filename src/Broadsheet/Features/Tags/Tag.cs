using Broadsheet.Features.Posts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Features.Tags;

/// <summary>A label on posts (Blogger labels, WordPress categories and tags all become tags).</summary>
public sealed class Tag
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public required string Slug { get; set; }
    public string? Description { get; set; }
    public List<Post> Posts { get; set; } = [];
}

internal sealed class TagConfiguration : IEntityTypeConfiguration<Tag>
{
    public void Configure(EntityTypeBuilder<Tag> tag)
    {
        tag.Property(t => t.Name).HasMaxLength(200);
        tag.Property(t => t.Slug).HasMaxLength(200);
        tag.HasIndex(t => t.Slug).IsUnique();
    }
}
