using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Features.Redirects;

/// <summary>
/// An old path that must keep working: a renamed slug, or a Blogger/WordPress URL from before an import.
/// Answered with a 301 by <see cref="Pipeline.RedirectMiddleware"/> only when nothing else matched the path.
/// </summary>
public sealed class Redirect
{
    public int Id { get; set; }

    /// <summary>The old path, starting with '/', without query string, as <see cref="RedirectPaths.Normalise"/> leaves it.</summary>
    public required string FromPath { get; set; }

    /// <summary>Where to send the reader: a site path or an absolute URL.</summary>
    public required string ToPath { get; set; }

    public DateTime CreatedAt { get; set; }
}

internal sealed class RedirectConfiguration : IEntityTypeConfiguration<Redirect>
{
    public void Configure(EntityTypeBuilder<Redirect> redirect)
    {
        redirect.Property(r => r.FromPath).HasMaxLength(1000);
        redirect.Property(r => r.ToPath).HasMaxLength(2000);
        redirect.HasIndex(r => r.FromPath).IsUnique();
    }
}
