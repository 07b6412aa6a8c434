using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Settings;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin;

/// <summary>The site's settings (Administrators and the Owner). Bad values are refused whole, with the field named.</summary>
[Authorize(Policy = Policies.Administer)]
public sealed class SettingsModel(BroadsheetDb db, ContentChanges changes) : AdminPageModel
{
    [BindProperty] public InputModel Input { get; set; } = new();

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var row = await db.SiteSettings.AsNoTracking().SingleAsync(cancellationToken);
        Input = new InputModel
        {
            Title = row.Title, Description = row.Description, Culture = row.Culture, TimeZone = row.TimeZone, BaseUrl = row.BaseUrl,
            PostsPerPage = row.PostsPerPage, Navigation = row.Navigation, LogoUrl = row.LogoUrl,
        };
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!IsCulture(Input.Culture)) ModelState.AddModelError("Input.Culture", "Not a known culture name (for example en-GB, de-DE, fr-FR).");
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(Input.TimeZone ?? "", out _)) ModelState.AddModelError("Input.TimeZone", "Not a known time zone (for example Europe/London).");
        if (!string.IsNullOrWhiteSpace(Input.BaseUrl) && !(Uri.TryCreate(Input.BaseUrl, UriKind.Absolute, out var b) && b.Scheme is "http" or "https"))
            ModelState.AddModelError("Input.BaseUrl", "Give the full address, starting with https://.");
        if (!string.IsNullOrWhiteSpace(Input.LogoUrl) && !IsSafeLink(Input.LogoUrl))
            ModelState.AddModelError("Input.LogoUrl", "Give an https:// address or a path on this site starting with /.");
        var badLink = (Input.Navigation ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(line => line.Split('|', 2) is not [{ Length: > 0 }, { } href] || !IsSafeLink(href.Trim()));
        if (badLink is not null) ModelState.AddModelError("Input.Navigation", $"Each line is Label|/path or Label|https://…; this one is not: {badLink}");
        if (!ModelState.IsValid) return Page();

        var row = await db.SiteSettings.SingleAsync(cancellationToken);
        row.Title = Input.Title.Trim();
        row.Description = (Input.Description ?? "").Trim();
        row.Culture = Input.Culture!.Trim();
        row.TimeZone = Input.TimeZone!.Trim();
        row.BaseUrl = (Input.BaseUrl ?? "").Trim().TrimEnd('/');
        row.PostsPerPage = Input.PostsPerPage;
        row.Navigation = (Input.Navigation ?? "").Replace("\r", "", StringComparison.Ordinal).Trim();
        row.LogoUrl = string.IsNullOrWhiteSpace(Input.LogoUrl) ? null : Input.LogoUrl.Trim();
        await db.SaveChangesAsync(cancellationToken);
        await changes.PublishedAsync(db, cancellationToken);
        Notice = "Settings saved.";
        return Redirect("/admin/settings");
    }

    private static bool IsCulture(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return false;
        try { return !CultureInfo.GetCultureInfo(name.Trim(), predefinedOnly: true).Equals(CultureInfo.InvariantCulture); }
        catch (CultureNotFoundException) { return false; }
    }

    /// <summary>Links the public layout will write: site paths or http(s) only (never javascript:).</summary>
    private static bool IsSafeLink(string href) =>
        (href.StartsWith('/') && !href.StartsWith("//", StringComparison.Ordinal))
        || (Uri.TryCreate(href, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http");

    public sealed class InputModel
    {
        [Required, StringLength(300)] public string Title { get; set; } = "";
        [StringLength(2000)] public string? Description { get; set; }
        [Required, StringLength(20)] public string? Culture { get; set; }
        [Required, StringLength(100), Display(Name = "Time zone")] public string? TimeZone { get; set; }
        [StringLength(500), Display(Name = "Site address")] public string? BaseUrl { get; set; }
        [Range(1, 100), Display(Name = "Posts per page")] public int PostsPerPage { get; set; } = 20;
        [StringLength(4000), Display(Name = "Navigation links")] public string? Navigation { get; set; }
        [StringLength(2000), Display(Name = "Logo URL")] public string? LogoUrl { get; set; }
    }
}
