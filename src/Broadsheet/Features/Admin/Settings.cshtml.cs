using System.ComponentModel.DataAnnotations;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Shared;
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
        // The same rules as the Admin API's (SettingsRules), so neither can store what the other refuses.
        Check("Input.Culture", SettingsRules.Culture(Input.Culture ?? ""));
        Check("Input.TimeZone", SettingsRules.TimeZone(Input.TimeZone ?? ""));
        Check("Input.BaseUrl", SettingsRules.BaseUrl(Input.BaseUrl ?? ""));
        Check("Input.LogoUrl", SettingsRules.LogoUrl(Input.LogoUrl ?? ""));
        Check("Input.Navigation", SettingsRules.Navigation(Input.Navigation ?? ""));
        if (!ModelState.IsValid) return Page();

        var row = await db.SiteSettings.SingleAsync(cancellationToken);
        row.Title = XmlSafeText.Clean(Input.Title).Trim();
        row.Description = XmlSafeText.Clean(Input.Description ?? "").Trim();
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

    private void Check(string field, string? error)
    {
        if (error is not null) ModelState.AddModelError(field, error);
    }

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
