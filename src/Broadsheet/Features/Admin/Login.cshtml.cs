using System.ComponentModel.DataAnnotations;
using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Admin;

/// <summary>
/// Sign in. Failures count against the account (Identity lockout) and against the client address
/// (<see cref="LoginThrottle"/>); the message never says which part was wrong, nor whether the account is locked,
/// and <see cref="EvenTimingSignInManager"/> takes as long to refuse an unknown address as a wrong password.
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
        if (RefusedByThrottle()) return Page();
        if (!ModelState.IsValid) return Page();
        var result = await signIn.PasswordSignInAsync(Input.Email.Trim(), Input.Password, Input.RememberMe, lockoutOnFailure: true);
        if (result.Succeeded) return LocalRedirect(SafeReturnUrl(ReturnUrl));
        if (result.RequiresTwoFactor)
            return RedirectToPage("/Admin/LoginTwoFactor", new { ReturnUrl = SafeReturnUrl(ReturnUrl), Input.RememberMe });
        CountFailure();
        // One message whatever went wrong, so the page never says whether an address has an account (or a locked one).
        Error = FailedMessage;
        return Page();
    }

    public const string FailedMessage =
        "That email and password do not match, or the account is locked for a while after too many tries. Check them and try again in a few minutes, or reset your password.";

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
