using System.ComponentModel.DataAnnotations;
using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Admin;

/// <summary>
/// Sign in. Failures count against the account (Identity lockout) and against the client address
/// (<see cref="LoginThrottle"/>); the message never says which part was wrong.
/// </summary>
public sealed class LoginModel(SignInManager<User> signIn, AccountService accounts, LoginThrottle throttle) : SignInStepModel(throttle)
{
    [BindProperty] public InputModel Input { get; set; } = new();

    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!await accounts.AnyUserAsync(HttpContext.RequestAborted)) return Redirect("/admin/setup");
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await RefusedByThrottleAsync()) return Page();
        if (!ModelState.IsValid) return Page();
        var result = await signIn.PasswordSignInAsync(Input.Email.Trim(), Input.Password, Input.RememberMe, lockoutOnFailure: true);
        if (result.Succeeded) return LocalRedirect(SafeReturnUrl(ReturnUrl));
        if (result.RequiresTwoFactor)
            return RedirectToPage("/Admin/LoginTwoFactor", new { ReturnUrl = SafeReturnUrl(ReturnUrl), Input.RememberMe });
        await CountFailureAsync();
        Error = result.IsLockedOut
            ? "This account is locked after too many failed sign-ins. Try again later, or reset your password."
            : "That email and password do not match an account.";
        return Page();
    }

    /// <summary>Only paths on this site, never another host (open-redirect safe).</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/admin";

    public sealed class InputModel
    {
        [Required, EmailAddress, Display(Name = "Email")] public string Email { get; set; } = "";
        [Required, DataType(DataType.Password)] public string Password { get; set; } = "";
        [Display(Name = "Keep me signed in on this device")] public bool RememberMe { get; set; }
    }
}
