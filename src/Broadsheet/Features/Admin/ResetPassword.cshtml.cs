using System.ComponentModel.DataAnnotations;
using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Admin;

/// <summary>Chooses a new password from an emailed link. The link works once and expires; other sessions end.</summary>
[AllowAnonymous] // a signed-out person must reach this page (AdminPages)
public sealed class ResetPasswordModel(UserManager<User> users) : EmailedLinkModel
{
    public const string ExpiredMessage = "This link has expired or has already been used. Ask for a new one.";

    protected override string BadLinkMessage => ExpiredMessage;
    [BindProperty, Required, StringLength(200, MinimumLength = 10), DataType(DataType.Password), Display(Name = "New password (at least 10 characters)")]
    public string Password { get; set; } = "";

    public async Task<IActionResult> OnGetAsync()
    {
        return await LinkUserAsync() is null ? BadLink() : Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await LinkUserAsync();
        if (user is null) return BadLink();
        if (!ModelState.IsValid) return Page();
        var result = await users.ResetPasswordAsync(user, Token!, Password);
        if (!result.Succeeded)
        {
            Error = result.Errors.Any(e => e.Code == "InvalidToken") ? ExpiredMessage : string.Join(" ", result.Errors.Select(e => e.Description));
            return Page();
        }
        // A person who proves they own the mailbox gets their account back at once, and whoever else was in it is out at once.
        await SignInSessions.EndAllAsync(HttpContext, user.Id);
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        Notice = "Your password is changed. Sign in with it now.";
        return Redirect("/admin/login");
    }

    protected override async Task<User?> VerifyAsync(string userKey, string token)
    {
        var user = await users.FindByIdAsync(userKey);
        if (user is null) return null;
        return await users.VerifyUserTokenAsync(user, users.Options.Tokens.PasswordResetTokenProvider, UserManager<User>.ResetPasswordTokenPurpose, token) ? user : null;
    }
}
