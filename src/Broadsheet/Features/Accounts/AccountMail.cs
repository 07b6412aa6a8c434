using System.Text.Encodings.Web;
using Broadsheet.Email;
using Broadsheet.Features.Settings;
using Microsoft.AspNetCore.Identity;

namespace Broadsheet.Features.Accounts;

/// <summary>The two account mails, each carrying a one-use link. Links and tokens are never logged.</summary>
public sealed class AccountMail(UserManager<User> users, IEmailSender email, SiteSettingsCache settings)
{
    public bool IsConfigured => email.IsConfigured;

    public async Task SendInvitationAsync(HttpRequest request, User user, string invitedBy, string role, CancellationToken cancellationToken)
    {
        var token = await users.GenerateUserTokenAsync(user, InvitationTokens.ProviderName, InvitationTokens.Purpose);
        var site = await settings.GetAsync(cancellationToken);
        var link = site.Absolute(request, $"/admin/accept-invitation?user={UrlEncoder.Default.Encode(user.Id)}&token={UrlEncoder.Default.Encode(token)}");
        await email.SendAsync(new EmailMessage(user.Email!, $"You are invited to help run {site.Title}",
            $"""
            Hello {user.DisplayName},

            {invitedBy} invited you to {site.Title} as {(role is "Administrator" or "Author" or "Editor" ? "an" : "a")} {role}.
            Choose your password here (the link works once, for a week):

            {link}

            If you did not expect this, ignore this message.
            """, user.DisplayName), cancellationToken);
    }

    public async Task SendPasswordResetAsync(HttpRequest request, User user, CancellationToken cancellationToken)
    {
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var site = await settings.GetAsync(cancellationToken);
        var link = site.Absolute(request, $"/admin/reset-password?user={UrlEncoder.Default.Encode(user.Id)}&token={UrlEncoder.Default.Encode(token)}");
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
