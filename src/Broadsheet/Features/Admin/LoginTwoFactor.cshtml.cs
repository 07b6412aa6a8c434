using System.ComponentModel.DataAnnotations;
using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Admin;

/// <summary>The second step of sign-in for accounts with an authenticator app: a 6-digit code or a recovery code.</summary>
[AllowAnonymous] // a signed-out person must reach this page (AdminPages)
public sealed class LoginTwoFactorModel(SignInManager<User> signIn, LoginThrottle throttle) : SignInStepModel(throttle)
{
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    [BindProperty(SupportsGet = true)] public bool RememberMe { get; set; }
    [BindProperty, Required, Display(Name = "Code from your authenticator app, or a recovery code")] public string Code { get; set; } = "";

    /// <summary>
    /// Skip this step on this browser for <see cref="AccountsSetup.RememberBrowserFor"/> (Identity's two-factor
    /// remember-me cookie). It carries the account's security stamp: "Sign out everywhere", a new password
    /// and turning two-factor off or on again all make every remembered browser ask again.
    /// </summary>
    [BindProperty, Display(Name = "Don't ask for a code on this browser for 30 days")] public bool RememberBrowser { get; set; }

    public async Task<IActionResult> OnGetAsync() =>
        await signIn.GetTwoFactorAuthenticationUserAsync() is null ? Redirect("/admin/login") : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        // No wait for the address's turn here: this step is reached only with the account's right password (at
        // its turn), and Identity locks the account after a few wrong codes. Wrong codes still count against the address.
        if (await signIn.GetTwoFactorAuthenticationUserAsync() is not { } user) return Redirect("/admin/login");
        if (!ModelState.IsValid) return Page();
        var code = Code.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        var byAuthenticator = code.Length == 6 && code.All(char.IsAsciiDigit);
        var result = byAuthenticator
            ? await signIn.TwoFactorAuthenticatorSignInAsync(code, RememberMe, RememberBrowser)
            : await signIn.TwoFactorRecoveryCodeSignInAsync(Code.Trim());
        if (result.Succeeded)
        {
            // Identity remembers the browser only for authenticator codes; a recovery code is as good a proof.
            if (!byAuthenticator && RememberBrowser) await signIn.RememberTwoFactorClientAsync(user);
            return LocalRedirect(LoginModel.SafeReturnUrl(Url, ReturnUrl));
        }
        await CountFailureAsync();
        Error = result.IsLockedOut ? "This account is locked after too many failed sign-ins. Try again later." : "That code is not right. Check the time on your phone, or use a recovery code.";
        return Page();
    }
}
