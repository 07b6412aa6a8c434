using System.Globalization;
using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Settings;

/// <summary>
/// The site's settings as every request needs them, read from the database once and again only
/// after <see cref="Invalidate"/> (called by <see cref="ContentChanges"/> on any node's change).
/// </summary>
public sealed class SiteSettingsCache(IServiceScopeFactory scopes)
{
    private volatile Site? current;

    public async ValueTask<Site> GetAsync(CancellationToken cancellationToken = default)
    {
        if (current is { } site) return site;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var row = await db.SiteSettings.AsNoTracking().Where(s => s.Id == SiteSettings.SingletonId).FirstOrDefaultAsync(cancellationToken) ?? new SiteSettings();
        site = Site.From(row);
        current = site;
        return site;
    }

    public void Invalidate() => current = null;
}

/// <summary>Settings resolved into the objects the pages use (culture, time zone, navigation).</summary>
public sealed record Site(
    string Title,
    string Description,
    CultureInfo Culture,
    TimeZoneInfo TimeZone,
    string BaseUrl,
    int PostsPerPage,
    IReadOnlyList<NavigationLink> Navigation,
    string? LogoUrl)
{
    public static Site From(SiteSettings settings) => new(
        settings.Title,
        settings.Description,
        CultureOrDefault(settings.Culture),
        TimeZoneOrUtc(settings.TimeZone),
        settings.BaseUrl.TrimEnd('/'),
        Math.Clamp(settings.PostsPerPage, 1, 100),
        NavigationLink.Parse(settings.Navigation),
        settings.LogoUrl);

    /// <summary>A UTC instant in the site's time zone.</summary>
    public DateTime Local(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), TimeZone);

    /// <summary>The same instant with the site's offset, for feeds and machine-readable dates.</summary>
    public DateTimeOffset LocalOffset(DateTime utc)
    {
        var local = Local(utc);
        return new DateTimeOffset(local, TimeZone.GetUtcOffset(utc));
    }

    /// <summary>The date headers' format: "Sunday 25 October 2015" in en-GB, each culture's own long date elsewhere.</summary>
    public string LongDate(DateTime utc) => Local(utc).ToString(DateHeaderPattern, Culture);

    /// <summary>
    /// The culture's long date pattern, but where the day number follows the weekday directly
    /// ("dddd, d MMMM yyyy", as ICU writes en-GB) the comma is dropped, as British papers and
    /// Blogger's date headers write it. Cultures that put the month first keep theirs.
    /// </summary>
    private string DateHeaderPattern => Culture.DateTimeFormat.LongDatePattern is var p && p.StartsWith("dddd, d ", StringComparison.Ordinal)
        ? "dddd " + p["dddd, ".Length..]
        : Culture.DateTimeFormat.LongDatePattern;

    /// <summary>The absolute URL of a site path, from <see cref="BaseUrl"/> or, when unset, the request.</summary>
    public string Absolute(HttpRequest request, string path) =>
        (BaseUrl.Length > 0 ? BaseUrl : $"{request.Scheme}://{request.Host}{request.PathBase}") + path;

    private static CultureInfo CultureOrDefault(string name)
    {
        try { return CultureInfo.GetCultureInfo(name); }
        catch (CultureNotFoundException) { return CultureInfo.GetCultureInfo("en-GB"); }
    }

    private static TimeZoneInfo TimeZoneOrUtc(string id) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;
}

public sealed record NavigationLink(string Label, string Href)
{
    public static IReadOnlyList<NavigationLink> Parse(string lines) =>
        [.. lines.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('|', 2, StringSplitOptions.TrimEntries))
            .Where(parts => parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0)
            .Select(parts => new NavigationLink(parts[0], parts[1]))];
}
