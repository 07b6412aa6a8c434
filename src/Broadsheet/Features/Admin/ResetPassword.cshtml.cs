using System.ComponentModel.DataAnnotations;
using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Admin;

/// <summary>Chooses a new password from an emailed link. The link works once and expires; other sessions end.</summary>
public sealed class ResetPasswordModel(UserManager<User> users) : AdminPageModel
{
    public const string BadLink = "This link has expired or has already been used. Ask for a new one.";

    [BindProperty(SupportsGet = true, Name = "user")] public string? UserKey { get; set; }
    [BindProperty(SupportsGet = true)] public string? Token { get; set; }
    [BindProperty, Required, StringLength(200, MinimumLength = 10), DataType(DataType.Password), Display(Name = "New password (at least 10 characters)")]
    public string Password { get; set; } = "";

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (await ValidAsync() is null)
        {
            Error = BadLink;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await ValidAsync();
        if (user is null)
        {
            Error = BadLink;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        if (!ModelState.IsValid) return Page();
        var result = await users.ResetPasswordAsync(user, Token!, Password);
        if (!result.Succeeded)
        {
            Error = result.Errors.Any(e => e.Code == "InvalidToken") ? BadLink : string.Join(" ", result.Errors.Select(e => e.Description));
            return Page();
        }
        // A person who proves they own the mailbox gets their account back at once.
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        Notice = "Your password is changed. Sign in with it now.";
        return Redirect("/admin/login");
    }

    private async Task<User?> ValidAsync()
    {
        if (UserKey is null || Token is null) return null;
        var user = await users.FindByIdAsync(UserKey);
        if (user is null) return null;
        return await users.VerifyUserTokenAsync(user, users.Options.Tokens.PasswordResetTokenProvider, UserManager<User>.ResetPasswordTokenPurpose, Token) ? user : null;
    }
}
