using System.ComponentModel.DataAnnotations;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Users;

/// <summary>
/// Accounts and invitations (Administrators and the Owner). Nobody but the Owner touches the Owner's
/// account; the Owner hands ownership on by making someone else Owner, becoming an Administrator.
/// Linking an account to a byline that has none (an imported writer's, say) is done here, explicitly: it makes
/// that byline's posts the account's own, which no account gains by merely having the same name.
/// </summary>
[Authorize(Policy = Policies.Administer)]
public sealed class IndexModel(BroadsheetDb db, UserManager<User> users, AccountService accounts, AccountMail mail, ILogger<IndexModel> logger) : AdminPageModel
{
    public IReadOnlyList<Row> Rows { get; private set; } = [];
    [BindProperty] public InviteInput Invite { get; set; } = new();
    public List<string> Errors { get; } = [];
    /// <summary>Why invitations cannot be sent now, or null when they can.</summary>
    public string? MailNotReady { get; private set; }

    /// <summary>Bylines no account holds, which an account may be linked to: (id, what the select shows).</summary>
    public IReadOnlyList<(int Id, string Label)> FreeBylines { get; private set; } = [];

    public sealed record Row(string Id, string Name, string Email, string Role, bool Invited, bool LockedOut, bool TwoFactor, IReadOnlyList<string> Bylines);

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostInviteAsync(CancellationToken cancellationToken)
    {
        if (Invite.Role == Roles.Owner || !Roles.All.Contains(Invite.Role)) Errors.Add("Choose a role other than Owner.");
        if (await mail.CannotSendBecauseAsync(cancellationToken) is { } reason) Errors.Add(reason);
        if (!ModelState.IsValid || Errors.Count > 0)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }
        var (user, errors) = await accounts.CreateAsync(Invite.Email, Invite.DisplayName ?? "", Invite.Role, password: null);
        if (user is null)
        {
            Errors.AddRange(errors);
            await LoadAsync(cancellationToken);
            return Page();
        }
        if (!await TrySendInvitationAsync(user, Invite.Role, cancellationToken))
        {
            await users.DeleteAsync(user);
            Errors.Add("The invitation could not be sent; check the email settings. Nobody was invited.");
            await LoadAsync(cancellationToken);
            return Page();
        }
        Notice = $"Invited {user.Email} as {Invite.Role}.";
        return Redirect("/admin/users");
    }

    /// <summary>
    /// A new invitation link for someone who has not accepted yet (the mail was lost, or the link expired).
    /// Changing their security stamp first makes every earlier link stop working: only the newest one counts.
    /// </summary>
    public async Task<IActionResult> OnPostResendAsync(string id, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(id);
        if (user is null) return NotFound();
        if (await users.HasPasswordAsync(user)) Errors.Add($"{user.Email} has already accepted their invitation.");
        else if (await mail.CannotSendBecauseAsync(cancellationToken) is { } reason) Errors.Add(reason);
        if (Errors.Count > 0)
        {
            await LoadAsync(cancellationToken);
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }
        var role = await accounts.RoleOfAsync(user);
        await users.UpdateSecurityStampAsync(user);
        if (!await TrySendInvitationAsync(user, role, cancellationToken))
        {
            Errors.Add($"The invitation could not be sent; check the email settings. Earlier links to {user.Email} no longer work.");
            await LoadAsync(cancellationToken);
            Response.StatusCode = StatusCodes.Status502BadGateway;
            return Page();
        }
        Notice = $"Sent {user.Email} a new invitation; earlier links no longer work.";
        return Redirect("/admin/users");
    }

    public async Task<IActionResult> OnPostRoleAsync(string id, string role, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(id);
        if (user is null) return NotFound();
        if (!Roles.All.Contains(role)) return BadRequest();
        var current = await accounts.RoleOfAsync(user);
        var iAmOwner = User.IsInRole(Roles.Owner);
        if ((current == Roles.Owner || role == Roles.Owner) && !iAmOwner)
            Errors.Add("Only the Owner can change who owns the site.");
        else if (user.Id == UserId && current == Roles.Owner)
            Errors.Add("To stop being the Owner, make someone else the Owner.");
        if (Errors.Count > 0)
        {
            await LoadAsync(cancellationToken);
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await users.RemoveFromRolesAsync(user, await users.GetRolesAsync(user));
        await users.AddToRoleAsync(user, role);
        if (role == Roles.Owner)
        {
            // Exactly one Owner: handing it on makes the old Owner an Administrator.
            var me = await users.FindByIdAsync(UserId);
            await users.RemoveFromRoleAsync(me!, Roles.Owner);
            await users.AddToRoleAsync(me!, Roles.Administrator);
        }
        await transaction.CommitAsync(cancellationToken);
        // Their sessions pick up the new role at the next stamp check.
        await users.UpdateSecurityStampAsync(user);
        Notice = $"{user.Email} is now {role}.";
        return Redirect("/admin/users");
    }

    public async Task<IActionResult> OnPostRemoveAsync(string id, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(id);
        if (user is null) return NotFound();
        if (user.Id == UserId || await accounts.RoleOfAsync(user) == Roles.Owner)
        {
            Errors.Add("The Owner's account and your own cannot be removed here.");
            await LoadAsync(cancellationToken);
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }
        // Their byline stays on what they wrote; only the sign-in goes.
        await db.Authors.Where(a => a.UserId == user.Id).ExecuteUpdateAsync(a => a.SetProperty(x => x.UserId, (string?)null), cancellationToken);
        var wasInvited = !await users.HasPasswordAsync(user);
        await users.DeleteAsync(user);
        Notice = wasInvited ? $"Withdrew the invitation to {user.Email}; its link no longer works." : $"Removed {user.Email}.";
        return Redirect("/admin/users");
    }

    /// <summary>Links the account <paramref name="id"/> to the account-less byline <paramref name="author"/>.</summary>
    public async Task<IActionResult> OnPostBylineAsync(string id, int author, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(id);
        if (user is null) return NotFound();
        var byline = await db.Authors.AsNoTracking().Where(a => a.Id == author).Select(a => a.DisplayName).FirstOrDefaultAsync(cancellationToken);
        if (byline is null || !await accounts.LinkBylineAsync(user, author, cancellationToken))
        {
            Errors.Add(byline is null ? "There is no such byline." : $"The byline {byline} already belongs to an account; nothing was changed.");
            await LoadAsync(cancellationToken);
            Response.StatusCode = byline is null ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict;
            return Page();
        }
        Notice = $"{user.Email} now writes as {byline}: its posts are theirs to edit.";
        return Redirect("/admin/users");
    }

    /// <summary>Mails <paramref name="user"/> an invitation link; false (and the reason in the log) if the mail server refused.</summary>
    private async Task<bool> TrySendInvitationAsync(User user, string role, CancellationToken cancellationToken)
    {
        try
        {
            await mail.SendInvitationAsync(user, User.Identity?.Name ?? "An administrator", role, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.InvitationFailed(e);
            return false;
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        MailNotReady = await mail.CannotSendBecauseAsync(cancellationToken);
        var all = await db.Users.AsNoTracking().OrderBy(u => u.DisplayName).ToListAsync(cancellationToken);
        var roleNames = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id select new { ur.UserId, r.Name })
            .ToListAsync(cancellationToken);
        var bylines = (await db.Authors.AsNoTracking().OrderBy(a => a.DisplayName).ThenBy(a => a.Slug)
            .Select(a => new { a.Id, a.DisplayName, a.Slug, a.UserId }).ToListAsync(cancellationToken));
        var linked = bylines.Where(a => a.UserId is not null).ToLookup(a => a.UserId!, a => a.DisplayName);
        FreeBylines = [.. bylines.Where(a => a.UserId is null).Select(a => (a.Id, $"{a.DisplayName} ({a.Slug})"))];
        var now = NowUtc;
        Rows = [.. all.Select(u => new Row(u.Id, u.DisplayName, u.Email ?? "",
            Roles.All.FirstOrDefault(r => roleNames.Any(x => x.UserId == u.Id && x.Name == r)) ?? Roles.Contributor,
            u.PasswordHash is null, u.LockoutEnd > now, u.TwoFactorEnabled, [.. linked[u.Id]]))];
    }

    public sealed class InviteInput
    {
        [Required, EmailAddress] public string Email { get; set; } = "";
        [StringLength(300), Display(Name = "Name")] public string? DisplayName { get; set; }
        [Required] public string Role { get; set; } = Roles.Author;
    }
}

/// <summary>The log lines above, source-generated so a disabled level costs nothing (CA1848).</summary>
internal static partial class UsersLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Sending an invitation failed")]
    public static partial void InvitationFailed(this ILogger logger, Exception e);
}
