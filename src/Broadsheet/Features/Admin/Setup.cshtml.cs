using System.ComponentModel.DataAnnotations;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Shared;
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
/// A server that other machines can reach asks for the setup code it printed to its log (<see cref="SetupCode"/>).
/// </summary>
[AllowAnonymous] // a signed-out person must reach this page (AdminPages)
public sealed class SetupModel(AccountService accounts, SignInManager<User> signIn, BroadsheetDb db, SiteSettingsCache settings, ContentChanges changes,
    SetupCode setupCode, AddressLimits limits) : AdminPageModel
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    [BindProperty] public InputModel Input { get; set; } = new();

    public IReadOnlyList<string> Errors { get; private set; } = [];

    /// <summary>The address this page was opened at, as the browser asked for it: only ever a proposal the Owner confirms.</summary>
    public string OpenedAt => UriHelper.BuildAbsolute(Request.Scheme, Request.Host, Request.PathBase).TrimEnd('/');

    /// <summary>Whether this server listens beyond loopback, so the Owner must show the code from its log.</summary>
    public bool CodeRequired => setupCode.Required;

    /// <summary>Where the code is, for the page and its refusals.</summary>
    public string WhereTheCodeIs =>
        $"This server listens on {string.Join(", ", setupCode.ReachableAt)}, so other machines may reach it: making the Owner needs the setup code it printed to its log at start (the line \"Setup code: …\"; restarting it prints the code again).";

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
            if (await CodeRefusalAsync() is { } refused) return refused;
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

    /// <summary>
    /// Off loopback: the page again with why, unless the right code came. Each code given counts against the
    /// client address before it is compared (a burst cannot outrun the count); the right one is taken back.
    /// </summary>
    private async Task<IActionResult?> CodeRefusalAsync()
    {
        if (!setupCode.Required) return null;
        if (string.IsNullOrWhiteSpace(Input.Code))
        {
            Errors = ["Give the setup code. " + WhereTheCodeIs];
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var address = ClientAddress.KeyOf(HttpContext);
        if (await limits.CountAsync(SetupCode.Budget, address, HttpContext.RequestAborted) > SetupCode.Budget.Limit)
        {
            Errors = [$"Too many wrong setup codes came from your address. Wait {SetupCode.Budget.Window.TotalMinutes:0} minutes, then try again."];
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }
        if (!setupCode.Matches(Input.Code))
        {
            Errors = ["That is not the setup code. " + WhereTheCodeIs];
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        await limits.UncountAsync(SetupCode.Budget, address, HttpContext.RequestAborted);
        return null;
    }

    public sealed class InputModel
    {
        [StringLength(20), Display(Name = "Setup code (from the server's log)")] public string? Code { get; set; }
        [Required, StringLength(500), Display(Name = "The site's public address")] public string SiteAddress { get; set; } = "";
        [Required, EmailAddress] public string Email { get; set; } = "";
        [Required, StringLength(300), Display(Name = "Your name (as it appears in bylines)")] public string DisplayName { get; set; } = "";
        [Required, StringLength(200, MinimumLength = 10), DataType(DataType.Password), Display(Name = "Password (at least 10 characters)")] public string Password { get; set; } = "";
        [Required, DataType(DataType.Password), Display(Name = "The same password again")] public string ConfirmPassword { get; set; } = "";
    }
}
