using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Features.Media;

/// <summary>An uploaded image or document. The bytes live under the data folder at <see cref="StoredName"/>.</summary>
public sealed class MediaFile
{
    public int Id { get; set; }
    /// <summary>The name the uploader gave, for display only.</summary>
    public required string OriginalName { get; set; }
    /// <summary>A safe name chosen by Broadsheet (content hash + sniffed extension).</summary>
    public required string StoredName { get; set; }
    public required string ContentType { get; set; }
    public long Size { get; set; }
    public string Sha256 { get; set; } = "";
    public int? Width { get; set; }
    public int? Height { get; set; }
    public string? AltText { get; set; }
    public DateTime CreatedAt { get; set; }
    public string? UploadedByUserId { get; set; }
    /// <summary>For imported references: the original URL of the file.</summary>
    public string? SourceUrl { get; set; }
}

internal sealed class MediaFileConfiguration : IEntityTypeConfiguration<MediaFile>
{
    public void Configure(EntityTypeBuilder<MediaFile> media)
    {
        media.Property(m => m.OriginalName).HasMaxLength(300);
        media.Property(m => m.StoredName).HasMaxLength(200);
        media.Property(m => m.ContentType).HasMaxLength(100);
        media.Property(m => m.Sha256).HasMaxLength(64);
        media.Property(m => m.AltText).HasMaxLength(1000);
        media.Property(m => m.SourceUrl).HasMaxLength(2000);
        media.HasIndex(m => m.StoredName).IsUnique();
    }
}
