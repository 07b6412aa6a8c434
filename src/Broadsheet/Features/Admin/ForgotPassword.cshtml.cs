using System.ComponentModel.DataAnnotations;
using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Admin;

/// <summary>Asks for a reset link. The answer is the same whether or not the address has an account.</summary>
[AllowAnonymous] // a signed-out person must reach this page (AdminPages)
public sealed class ForgotPasswordModel(UserManager<User> users, AccountMail mail, LoginThrottle throttle, ILogger<ForgotPasswordModel> logger) : AdminPageModel
{
    [BindProperty, Required, EmailAddress, Display(Name = "Your email address")] public string Email { get; set; } = "";
    public bool Sent { get; private set; }
    public string? Error { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid) return Page();
        if (await mail.CannotSendBecauseAsync(cancellationToken) is { } reason)
        {
            Error = $"{reason} Ask an administrator.";
            return Page();
        }
        // Each request counts against the address (a budget of its own, not sign-in failures), so nobody floods an inbox from one place.
        if (!await throttle.ResetRequestAllowedAsync(HttpContext))
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Error = "Too many requests from your network. Wait a while and try again.";
            return Page();
        }
        var user = await users.FindByEmailAsync(Email.Trim());
        if (user is not null && await users.HasPasswordAsync(user))
        {
            try
            {
                await mail.SendPasswordResetAsync(user, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.ResetLinkFailed(e);
            }
        }
        Sent = true;
        return Page();
    }
}

/// <summary>The log lines above, source-generated so a disabled level costs nothing (CA1848).</summary>
internal static partial class ForgotPasswordLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Sending a password-reset link failed")]
    public static partial void ResetLinkFailed(this ILogger logger, Exception e);
}
