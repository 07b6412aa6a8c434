using System.ComponentModel.DataAnnotations;
using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Admin;

/// <summary>An invited person chooses a password. The link works once (setting the password changes the security stamp) and expires.</summary>
public sealed class AcceptInvitationModel(UserManager<User> users, SignInManager<User> signIn) : AdminPageModel
{
    public const string BadLink = "This invitation link has expired or has already been used. Ask for a new invitation.";

    [BindProperty(SupportsGet = true, Name = "user")] public string? UserKey { get; set; }
    [BindProperty(SupportsGet = true)] public string? Token { get; set; }
    [BindProperty, Required, StringLength(200, MinimumLength = 10), DataType(DataType.Password), Display(Name = "Choose a password (at least 10 characters)")]
    public string Password { get; set; } = "";

    public string? Error { get; private set; }
    public string? Email { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await ValidAsync();
        if (user is null)
        {
            Error = BadLink;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        Email = user?.Email;
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
        Email = user.Email;
        if (!ModelState.IsValid) return Page();
        user.EmailConfirmed = true;
        var result = await users.AddPasswordAsync(user, Password);
        if (!result.Succeeded)
        {
            Error = string.Join(" ", result.Errors.Select(e => e.Description));
            return Page();
        }
        await signIn.SignInAsync(user, isPersistent: false);
        Notice = "Welcome! Your account is ready.";
        return Redirect("/admin");
    }

    private async Task<User?> ValidAsync()
    {
        if (UserKey is null || Token is null) return null;
        var user = await users.FindByIdAsync(UserKey);
        if (user is null || await users.HasPasswordAsync(user)) return null;
        return await users.VerifyUserTokenAsync(user, InvitationTokens.ProviderName, InvitationTokens.Purpose, Token) ? user : null;
    }
}
