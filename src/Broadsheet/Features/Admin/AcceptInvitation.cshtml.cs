using System.ComponentModel.DataAnnotations;
using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Admin;

/// <summary>An invited person chooses a password. The link works once (setting the password changes the security stamp) and expires.</summary>
[AllowAnonymous] // a signed-out person must reach this page (AdminPages)
public sealed class AcceptInvitationModel(UserManager<User> users, SignInManager<User> signIn) : EmailedLinkModel
{
    public const string ExpiredMessage = "This invitation link has expired or has already been used. Ask for a new invitation.";

    protected override string BadLinkMessage => ExpiredMessage;
    [BindProperty, Required, StringLength(200, MinimumLength = 10), DataType(DataType.Password), Display(Name = "Choose a password (at least 10 characters)")]
    public string Password { get; set; } = "";

    public string? Email { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await LinkUserAsync();
        if (user is null) return BadLink();
        Email = user.Email;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await LinkUserAsync();
        if (user is null) return BadLink();
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

    protected override async Task<User?> VerifyAsync(string userKey, string token)
    {
        var user = await users.FindByIdAsync(userKey);
        if (user is null || await users.HasPasswordAsync(user)) return null;
        return await users.VerifyUserTokenAsync(user, InvitationTokens.ProviderName, InvitationTokens.Purpose, token) ? user : null;
    }
}
