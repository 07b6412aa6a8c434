using System.Globalization;

namespace Broadsheet.Features.Settings;

/// <summary>
/// What a site setting may hold, in one place for the settings page and <c>PUT /api/admin/settings</c>:
/// when each kept its own checks, the API let <c>javascript:</c> navigation links through that the page
/// refused. Each rule answers null for a good value, or a sentence saying what to give instead.
/// </summary>
public static class SettingsRules
{
    public static string? Culture(string culture)
    {
        culture = culture.Trim();
        if (culture.Length is 0 or > 20) return CultureMessage;
        try
        {
            return CultureInfo.GetCultureInfo(culture, predefinedOnly: true).Equals(CultureInfo.InvariantCulture) ? CultureMessage : null;
        }
        catch (CultureNotFoundException)
        {
            return CultureMessage;
        }
    }

    public static string? TimeZone(string zone) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(zone.Trim(), out _) ? null : "Not a known time zone (for example Europe/London).";

    /// <summary>
    /// Empty (then no account mail is sent and feeds carry site-relative links, never the request's Host; the
    /// server's Site:BaseUrl setting, if any, is used), or the site's full http(s) address (<see cref="Site.IsAddress"/>).
    /// </summary>
    public static string? BaseUrl(string baseUrl) =>
        baseUrl.Trim().Length == 0 || Site.IsAddress(baseUrl)
            ? null
            : "Give the full address, starting with https:// (no query or fragment), or leave it empty.";

    public static string? LogoUrl(string logoUrl) =>
        logoUrl.Trim() is not { Length: > 0 } url || IsSafeLink(url) ? null : "Give an https:// address or a path on this site starting with /.";

    /// <summary>Lines of <c>Label|/path</c> or <c>Label|https://…</c>; names the first line that is not.</summary>
    public static string? Navigation(string navigation) =>
        navigation.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(line => line.Split('|', 2) is not [{ Length: > 0 }, { } href] || !IsSafeLink(href.Trim())) is { } bad
            ? $"Each line is Label|/path or Label|https://…; this one is not: {bad}"
            : null;

    /// <summary>
    /// Links the public layout will write: site paths or http(s) only (never javascript: or data:), and no control
    /// or space characters anywhere (browsers drop tabs and newlines from a URL, so "/&lt;TAB&gt;/host" would become "//host").
    /// </summary>
    public static bool IsSafeLink(string href) =>
        !href.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) &&
        ((href.StartsWith('/') && !href.StartsWith("//", StringComparison.Ordinal) && !href.StartsWith("/\\", StringComparison.Ordinal))
        || (Uri.TryCreate(href, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"));

    private const string CultureMessage = "Not a known culture name (for example en-GB, de-DE, fr-FR).";
}
