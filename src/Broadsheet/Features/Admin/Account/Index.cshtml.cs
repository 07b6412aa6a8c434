using System.ComponentModel.DataAnnotations;
using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Admin.Account;

/// <summary>One's own account: password, two-factor sign-in, and signing out of every device.</summary>
public sealed class IndexModel(UserManager<User> users, SignInManager<User> signIn) : AdminPageModel
{
    public User Me { get; private set; } = null!;
    [BindProperty] public PasswordInput Change { get; set; } = new();
    public List<string> Errors { get; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        Me = (await users.GetUserAsync(User))!;
        return Page();
    }

    public async Task<IActionResult> OnPostPasswordAsync()
    {
        Me = (await users.GetUserAsync(User))!;
        if (!ModelState.IsValid) return Page();
        var result = await users.ChangePasswordAsync(Me, Change.Current, Change.New);
        if (!result.Succeeded)
        {
            Errors.AddRange(result.Errors.Select(e => e.Code == "PasswordMismatch" ? "Your current password is not right." : e.Description));
            return Page();
        }
        // The stamp changed: other sessions end at their next check; this one carries on.
        await signIn.RefreshSignInAsync(Me);
        Notice = "Password changed. Your other sessions will be signed out.";
        return Redirect("/admin/account");
    }

    /// <summary>Changes the security stamp, which every session's cookie is checked against, and ends every session, this one too.</summary>
    public async Task<IActionResult> OnPostSignOutEverywhereAsync()
    {
        Me = (await users.GetUserAsync(User))!;
        await users.UpdateSecurityStampAsync(Me);
        // Deleting the session records ends the other sessions at their next request, not at their next stamp check.
        await SignInSessions.EndAllAsync(HttpContext, Me.Id);
        await signIn.SignOutAsync();
        return Redirect("/admin/login");
    }

    public sealed class PasswordInput
    {
        [Required, DataType(DataType.Password), Display(Name = "Current password")] public string Current { get; set; } = "";
        [Required, StringLength(200, MinimumLength = 10), DataType(DataType.Password), Display(Name = "New password (at least 10 characters)")] public string New { get; set; } = "";
    }
}
