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
        if (result.Succeeded) return LocalRedirect(SafeReturnUrl(Url, ReturnUrl));
        if (result.RequiresTwoFactor)
            return RedirectToPage("/Admin/LoginTwoFactor", new { ReturnUrl = SafeReturnUrl(Url, ReturnUrl), Input.RememberMe });
        await CountFailureAsync();
        Error = result.IsLockedOut
            ? "This account is locked after too many failed sign-ins. Try again later, or reset your password."
            : "That email and password do not match an account.";
        return Page();
    }

    private static readonly Uri Here = new("http://here.invalid");

    /// <summary>
    /// Only paths on this site, never another host (open-redirect safe: the framework's local-URL rule, which also
    /// refuses control characters), and always fit for a Location header, which carries ASCII only: anything else
    /// is percent-encoded (left as it was, U+3002 made Kestrel throw after the password was checked, losing the sign-in).
    /// </summary>
    public static string SafeReturnUrl(IUrlHelper url, string? returnUrl) =>
        returnUrl is { Length: > 0 } && returnUrl.StartsWith('/') && url.IsLocalUrl(returnUrl)
        && Uri.TryCreate(Here, returnUrl, out var resolved) && resolved.Authority == Here.Authority
            ? resolved.PathAndQuery + resolved.Fragment
            : "/admin";

    public sealed class InputModel
    {
        [Required, EmailAddress, Display(Name = "Email")] public string Email { get; set; } = "";
        [Required, DataType(DataType.Password)] public string Password { get; set; } = "";
        [Display(Name = "Keep me signed in on this device")] public bool RememberMe { get; set; }
    }
}
