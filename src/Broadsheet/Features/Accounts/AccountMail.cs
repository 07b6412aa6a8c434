using System.Text.Encodings.Web;
using Broadsheet.Email;
using Broadsheet.Features.Settings;
using Microsoft.AspNetCore.Identity;

namespace Broadsheet.Features.Accounts;

/// <summary>
/// The two account mails, each carrying a one-use link on the site's address (<see cref="Site.MailLink"/>), never on
/// the address the request came in at. Links and tokens are never logged.
/// </summary>
public sealed class AccountMail(UserManager<User> users, IEmailSender email, SiteSettingsCache settings)
{
    public const string SmtpNotSet = "Email is not set up on this site (Email:Smtp:Host in the configuration), so no link can be emailed.";

    /// <summary>Why no account mail can go out now (no SMTP server, or no site address), or null when it can.</summary>
    public async ValueTask<string?> CannotSendBecauseAsync(CancellationToken cancellationToken) =>
        !email.IsConfigured ? SmtpNotSet
        : !(await settings.GetAsync(cancellationToken)).HasAddress ? Site.AddressNotSet
        : null;

    public async Task SendInvitationAsync(User user, string invitedBy, string role, CancellationToken cancellationToken)
    {
        var site = await settings.GetAsync(cancellationToken);
        var token = await users.GenerateUserTokenAsync(user, InvitationTokens.ProviderName, InvitationTokens.Purpose);
        var link = site.MailLink($"/admin/accept-invitation?user={UrlEncoder.Default.Encode(user.Id)}&token={UrlEncoder.Default.Encode(token)}");
        await email.SendAsync(new EmailMessage(user.Email!, $"You are invited to help run {site.Title}",
            $"""
            Hello {user.DisplayName},

            {invitedBy} invited you to {site.Title} as {(role is "Administrator" or "Author" or "Editor" ? "an" : "a")} {role}.
            Choose your password here (the link works once, for a week):

            {link}

            If you did not expect this, ignore this message.
            """, user.DisplayName), cancellationToken);
    }

    public async Task SendPasswordResetAsync(User user, CancellationToken cancellationToken)
    {
        var site = await settings.GetAsync(cancellationToken);
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var link = site.MailLink($"/admin/reset-password?user={UrlEncoder.Default.Encode(user.Id)}&token={UrlEncoder.Default.Encode(token)}");
        await email.SendAsync(new EmailMessage(user.Email!, $"Reset your password for {site.Title}",
            $"""
            Hello {user.DisplayName},

            Someone (we hope you) asked to reset your password for {site.Title}.
            Choose a new one here (the link works once, for two hours):

            {link}

            If it was not you, ignore this message; your password stays as it is.
            """, user.DisplayName), cancellationToken);
    }
}
