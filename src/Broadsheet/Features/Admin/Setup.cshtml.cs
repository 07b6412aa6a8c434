using System.ComponentModel.DataAnnotations;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Settings;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin;

/// <summary>
/// First run: makes the Owner account and settles the site's address. It exists only while the site has no
/// account at all; afterwards it is a 404, so nobody can use it to make a second Owner.
/// The address it proposes is the configured one, or else the one this page was opened at; the Owner confirms or
/// corrects it (over an SSH tunnel that is localhost), because every emailed link is built on it.
/// </summary>
[AllowAnonymous] // a signed-out person must reach this page (AdminPages)
public sealed class SetupModel(AccountService accounts, SignInManager<User> signIn, BroadsheetDb db, SiteSettingsCache settings, ContentChanges changes) : AdminPageModel
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    [BindProperty] public InputModel Input { get; set; } = new();

    public IReadOnlyList<string> Errors { get; private set; } = [];

    /// <summary>The address this page was opened at, as the browser asked for it: only ever a proposal the Owner confirms.</summary>
    public string OpenedAt => UriHelper.BuildAbsolute(Request.Scheme, Request.Host, Request.PathBase).TrimEnd('/');

    public async Task<IActionResult> OnGetAsync()
    {
        if (await accounts.AnyUserAsync(HttpContext.RequestAborted)) return NotFound();
        var site = await settings.GetAsync(HttpContext.RequestAborted);
        Input.SiteAddress = site.HasAddress ? site.BaseUrl : OpenedAt;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await OneAtATime.WaitAsync(HttpContext.RequestAborted);
        try
        {
            if (await accounts.AnyUserAsync(HttpContext.RequestAborted)) return NotFound();
            if (!Site.IsAddress(Input.SiteAddress)) ModelState.AddModelError("Input.SiteAddress", "Give the site's full public address, starting with https:// (or http://).");
            if (!ModelState.IsValid) return Page();
            if (Input.Password != Input.ConfirmPassword)
            {
                Errors = ["The two passwords differ."];
                return Page();
            }
            var (user, errors) = await accounts.CreateAsync(Input.Email, Input.DisplayName, Roles.Owner, Input.Password);
            if (user is null)
            {
                Errors = errors;
                return Page();
            }
            var row = await db.SiteSettings.SingleAsync(HttpContext.RequestAborted);
            row.BaseUrl = Input.SiteAddress.Trim().TrimEnd('/');
            await db.SaveChangesAsync(HttpContext.RequestAborted);
            await changes.PublishedAsync(db, HttpContext.RequestAborted);
            await signIn.SignInAsync(user, isPersistent: false);
            Notice = "Welcome. Your site is ready; you are its Owner.";
            return Redirect("/admin");
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    public sealed class InputModel
    {
        [Required, StringLength(500), Display(Name = "The site's public address")] public string SiteAddress { get; set; } = "";
        [Required, EmailAddress] public string Email { get; set; } = "";
        [Required, StringLength(300), Display(Name = "Your name (as it appears in bylines)")] public string DisplayName { get; set; } = "";
        [Required, StringLength(200, MinimumLength = 10), DataType(DataType.Password), Display(Name = "Password (at least 10 characters)")] public string Password { get; set; } = "";
        [Required, DataType(DataType.Password), Display(Name = "The same password again")] public string ConfirmPassword { get; set; } = "";
    }
}
