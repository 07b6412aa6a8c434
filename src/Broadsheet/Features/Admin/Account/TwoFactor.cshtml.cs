using System.Text;
using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using QRCoder;

namespace Broadsheet.Features.Admin.Account;

/// <summary>
/// TOTP two-factor sign-in with an authenticator app: a shared key (typed in, or scanned as a QR
/// code of the otpauth:// URI), confirmed with one code before it is switched on; then ten
/// one-use recovery codes, shown once.
/// </summary>
public sealed class TwoFactorModel(UserManager<User> users, SignInManager<User> signIn) : AdminPageModel
{
    public User Me { get; private set; } = null!;
    public string? SharedKey { get; private set; }
    public string? AuthenticatorUri { get; private set; }
    public string? QrDataUri { get; private set; }
    public IReadOnlyList<string> RecoveryCodes { get; private set; } = [];
    public string? Error { get; private set; }
    [BindProperty] public string? Code { get; set; }
    /// <summary>The password or a new authenticator code, asked for again to turn two-factor sign-in off.</summary>
    [BindProperty] public string? Proof { get; set; }
    /// <summary>This browser skips the code step (the sign-in ticked "don't ask again").</summary>
    public bool BrowserRemembered { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostEnableAsync()
    {
        Me = (await users.GetUserAsync(User))!;
        var code = (Code ?? "").Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (!await users.VerifyTwoFactorTokenAsync(Me, users.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            Error = "That code is not right. Check the time on your phone and try the newest code.";
            await LoadAsync();
            return Page();
        }
        await users.SetTwoFactorEnabledAsync(Me, true);
        RecoveryCodes = [.. await users.GenerateNewTwoFactorRecoveryCodesAsync(Me, 10) ?? []];
        await signIn.RefreshSignInAsync(Me);
        return Page();
    }

    public async Task<IActionResult> OnPostForgetBrowserAsync()
    {
        await signIn.ForgetTwoFactorClientAsync();
        Notice = "This browser will ask for a code at the next sign-in.";
        return Redirect("/admin/account/two-factor");
    }

    /// <summary>
    /// Turning it off takes the password or a new code, typed now: a session left open (or stolen) is not enough to
    /// take the second factor off an account. Failures count towards the account's lockout, as at sign-in.
    /// </summary>
    public async Task<IActionResult> OnPostDisableAsync()
    {
        Me = (await users.GetUserAsync(User))!;
        if (!await ProvedAgainAsync(Proof ?? ""))
        {
            Error = "To turn two-factor sign-in off, type your password or a new code from your app.";
            await LoadAsync();
            return Page();
        }
        await users.SetTwoFactorEnabledAsync(Me, false);
        await users.ResetAuthenticatorKeyAsync(Me);
        await signIn.RefreshSignInAsync(Me);
        Notice = "Two-factor sign-in is off.";
        return Redirect("/admin/account");
    }

    private async Task<bool> ProvedAgainAsync(string proof)
    {
        var code = proof.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        // Passwords are at least 10 characters, so six digits can only be a code.
        if (code.Length != 6 || !code.All(char.IsAsciiDigit))
            return proof.Length > 0 && (await signIn.CheckPasswordSignInAsync(Me, proof, lockoutOnFailure: true)).Succeeded;
        if (await users.IsLockedOutAsync(Me)) return false;
        if (await users.VerifyTwoFactorTokenAsync(Me, users.Options.Tokens.AuthenticatorTokenProvider, code)) return true;
        await users.AccessFailedAsync(Me);
        return false;
    }

    private async Task LoadAsync()
    {
        Me = (await users.GetUserAsync(User))!;
        if (Me.TwoFactorEnabled)
        {
            BrowserRemembered = await signIn.IsTwoFactorClientRememberedAsync(Me);
            return;
        }
        var key = await users.GetAuthenticatorKeyAsync(Me);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(Me);
            key = await users.GetAuthenticatorKeyAsync(Me);
        }
        SharedKey = Grouped(key!);
        var issuer = Uri.EscapeDataString(Site.Title);
        AuthenticatorUri = $"otpauth://totp/{issuer}:{Uri.EscapeDataString(Me.Email!)}?secret={key}&issuer={issuer}&digits=6";
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(AuthenticatorUri, QRCodeGenerator.ECCLevel.Q);
        QrDataUri = "data:image/png;base64," + Convert.ToBase64String(new PngByteQRCode(data).GetGraphic(5));
    }

    private static string Grouped(string key)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < key.Length; i += 4) builder.Append(key.AsSpan(i, Math.Min(4, key.Length - i))).Append(' ');
        return builder.ToString().TrimEnd().ToLowerInvariant();
    }
}
