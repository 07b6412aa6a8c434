using System.ComponentModel.DataAnnotations;
using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Admin;

/// <summary>
/// Sign in. Failures count against the account (Identity lockout) and against the client address
/// (<see cref="LoginThrottle"/>); the message never says which part was wrong, nor whether the account is locked,
/// and <see cref="EvenTimingSignInManager"/> takes as long to refuse an unknown address as a wrong password.
/// </summary>
[AllowAnonymous] // a signed-out person must reach this page (AdminPages)
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
        if (result.Succeeded || result.RequiresTwoFactor) await PasswordWasRightAsync();
        if (result.Succeeded) return LocalRedirect(SafeReturnUrl(Url, ReturnUrl));
        if (result.RequiresTwoFactor)
            return RedirectToPage("/Admin/LoginTwoFactor", new { ReturnUrl = SafeReturnUrl(Url, ReturnUrl), Input.RememberMe });
        // A failure stays counted: RefusedByThrottleAsync counted the try before the check.
        // One message whatever went wrong, so the page never says whether an address has an account (or a locked one).
        Error = FailedMessage;
        return Page();
    }

    public const string FailedMessage =
        "That email and password do not match, or the account is locked for a while after too many tries. Check them and try again in a few minutes, or reset your password.";

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
