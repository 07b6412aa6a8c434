using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Features.Settings;

/// <summary>The site's own settings: one row, id 1, read through <see cref="SiteSettingsCache"/>.</summary>
public sealed class SiteSettings
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;
    public string Title { get; set; } = "Broadsheet";
    public string Description { get; set; } = "";

    /// <summary>A .NET culture name, e.g. "en-GB"; decides how dates are written on the site.</summary>
    public string Culture { get; set; } = "en-GB";

    /// <summary>An IANA time zone id, e.g. "Europe/London"; dates on the site are shown in it.</summary>
    public string TimeZone { get; set; } = "Europe/London";

    /// <summary>The public address of the site, used for feeds, sitemaps, canonical links and emails. Empty: taken from the request.</summary>
    public string BaseUrl { get; set; } = "";

    public int PostsPerPage { get; set; } = 20;

    /// <summary>Navigation links as lines of "Label|/path".</summary>
    public string Navigation { get; set; } = "";

    public string? LogoUrl { get; set; }

    /// <summary>Set when the site received its first content (demo, import or editor); the demo is only ever made before that.</summary>
    public DateTime? InitialisedAt { get; set; }
}

internal sealed class SiteSettingsConfiguration : IEntityTypeConfiguration<SiteSettings>
{
    public void Configure(EntityTypeBuilder<SiteSettings> settings)
    {
        settings.Property(s => s.Id).ValueGeneratedNever();
        settings.Property(s => s.Title).HasMaxLength(300);
        settings.Property(s => s.Description).HasMaxLength(2000);
        settings.Property(s => s.Culture).HasMaxLength(20);
        settings.Property(s => s.TimeZone).HasMaxLength(100);
        settings.Property(s => s.BaseUrl).HasMaxLength(500);
        settings.Property(s => s.Navigation).HasMaxLength(4000);
        settings.Property(s => s.LogoUrl).HasMaxLength(2000);
    }
}
