using Broadsheet.Features.Posts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Features.Authors;

/// <summary>
/// A name in a byline. Separate from a login account: imported writers and guest contributors
/// have bylines but no account; an account that writes is linked through <see cref="UserId"/>.
/// </summary>
public sealed class Author
{
    public int Id { get; set; }
    public required string DisplayName { get; set; }
    public required string Slug { get; set; }
    public string? Bio { get; set; }
    public string? Email { get; set; }
    public string? WebsiteUrl { get; set; }
    public string? UserId { get; set; }
    public string? SourceKey { get; set; }
    public List<PostAuthor> Posts { get; set; } = [];
}

internal sealed class AuthorConfiguration : IEntityTypeConfiguration<Author>
{
    public void Configure(EntityTypeBuilder<Author> author)
    {
        author.Property(a => a.DisplayName).HasMaxLength(300);
        author.Property(a => a.Slug).HasMaxLength(200);
        author.Property(a => a.Email).HasMaxLength(320);
        author.Property(a => a.WebsiteUrl).HasMaxLength(2000);
        author.Property(a => a.SourceKey).HasMaxLength(400);
        author.HasIndex(a => a.Slug).IsUnique();
        author.HasIndex(a => a.SourceKey).IsUnique();
        author.HasIndex(a => a.UserId);
    }
}
