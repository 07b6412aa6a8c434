using System.Globalization;
using Broadsheet.Data;
using Broadsheet.Features.Shared;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Settings;

/// <summary>
/// The site's settings as every request needs them, read from the database once and again only
/// after <see cref="Invalidate"/> (called by <see cref="ContentChanges"/> on any node's change).
/// The site's address is the stored setting, or else the <c>Site:BaseUrl</c> configuration, so a
/// deploy can give it without a browser.
/// </summary>
public sealed class SiteSettingsCache(IServiceScopeFactory scopes, IConfiguration configuration)
{
    public const string BaseUrlKey = "Site:BaseUrl";

    // Checked when the cache is made (at start: the content-change watcher needs it), so a mistyped address stops
    // the server with a message instead of going out in every link.
    private readonly string configuredBaseUrl = configuration[BaseUrlKey] is { } value && !string.IsNullOrWhiteSpace(value)
        ? Site.IsAddress(value) ? value : throw new SettingException($"{BaseUrlKey} must be the site's full address, such as https://campaign.example.org (it is \"{value}\").")
        : "";

    private volatile Site? current;

    public async ValueTask<Site> GetAsync(CancellationToken cancellationToken = default)
    {
        if (current is { } site) return site;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var row = await db.SiteSettings.AsNoTracking().Where(s => s.Id == SiteSettings.SingletonId).FirstOrDefaultAsync(cancellationToken) ?? new SiteSettings();
        site = Site.From(row, configuredBaseUrl);
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
    /// <summary>What account mail (and every mail to come) says when <see cref="MailLink"/> cannot build a link.</summary>
    public const string AddressNotSet =
        "The site's address is not set yet, so no link can be emailed. An administrator sets it under Settings (Site address), "
        + "or the server is started with Site:BaseUrl (for example --Site:BaseUrl https://campaign.example.org).";

    /// <param name="configuredBaseUrl">The <c>Site:BaseUrl</c> configuration, used while the stored setting is empty.</param>
    public static Site From(SiteSettings settings, string configuredBaseUrl = "") => new(
        settings.Title,
        settings.Description,
        CultureOrDefault(settings.Culture),
        TimeZoneOrUtc(settings.TimeZone),
        (settings.BaseUrl.Trim().Length > 0 ? settings.BaseUrl : configuredBaseUrl).Trim().TrimEnd('/'),
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

    /// <summary>Whether <paramref name="address"/> can be the site's address: an absolute http or https URL with no query or fragment.</summary>
    public static bool IsAddress(string? address) =>
        Uri.TryCreate(address?.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        && uri.Query.Length == 0 && uri.Fragment.Length == 0 && address!.Trim().Length <= 500;

    /// <summary>True once the site knows its public address (<see cref="BaseUrl"/>).</summary>
    public bool HasAddress => BaseUrl.Length > 0;

    /// <summary>
    /// A site path as an absolute URL on the site's address, for feeds, the sitemap and canonical links; while the
    /// address is unset, the path itself (site-relative). Never from the request: its Host header is whatever the
    /// client sent, and a link built from it could be cached or crawled under an attacker's host.
    /// </summary>
    public string Absolute(string path) => BaseUrl + path;

    /// <summary>
    /// The one way to put a link to this site into an email (account mail now, newsletters and confirmations later):
    /// always on the site's address, never on the Host of the request that caused the mail, which an attacker
    /// chooses (a reset link to their host would hand them a genuine token). Refuses while the address is unset.
    /// </summary>
    /// <exception cref="InvalidOperationException">The address is not set; the message says how to set it.</exception>
    public string MailLink(string pathAndQuery) =>
        HasAddress ? BaseUrl + pathAndQuery : throw new InvalidOperationException(AddressNotSet);

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
