using System.Security.Claims;
using System.Security.Cryptography;
using Broadsheet.Data;
using Broadsheet.Features.Authors;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Accounts;

/// <summary>
/// The rules about accounts that pages and the CLI share: one Owner, roles exist, every account
/// that writes has an <see cref="Author"/> for its byline (<see cref="AccountAuthors"/>).
/// </summary>
public sealed class AccountService(UserManager<User> users, RoleManager<IdentityRole> roles, BroadsheetDb db, TimeProvider clock)
{
    public async Task EnsureRolesAsync()
    {
        foreach (var role in Roles.All)
            if (!await roles.RoleExistsAsync(role))
                await roles.CreateAsync(new IdentityRole(role));
    }

    public Task<bool> AnyUserAsync(CancellationToken cancellationToken = default) => db.Users.AnyAsync(cancellationToken);

    /// <summary>Creates an account with a role (and a password, unless it is an invitation). Refuses a second Owner.</summary>
    public async Task<(User? User, IReadOnlyList<string> Errors)> CreateAsync(string email, string displayName, string role, string? password)
    {
        email = email.Trim();
        if (!Roles.All.Contains(role)) return (null, [$"Unknown role '{role}'. Roles: {string.Join(", ", Roles.All)}."]);
        await EnsureRolesAsync();
        if (role == Roles.Owner && (await users.GetUsersInRoleAsync(Roles.Owner)).Count > 0)
            return (null, ["There is already an Owner; a site has exactly one."]);
        var user = new User
        {
            UserName = email,
            Email = email,
            DisplayName = string.IsNullOrWhiteSpace(displayName) ? email.Split('@')[0] : displayName.Trim(),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            EmailConfirmed = password is not null,
        };
        var result = password is null ? await users.CreateAsync(user) : await users.CreateAsync(user, password);
        if (!result.Succeeded) return (null, [.. result.Errors.Select(e => e.Description)]);
        await users.AddToRoleAsync(user, role);
        return (user, []);
    }

    /// <summary>The one role of an account (the most powerful, should it somehow have several).</summary>
    public static string RoleOf(ClaimsPrincipal principal) => Roles.All.FirstOrDefault(principal.IsInRole) ?? Roles.Contributor;

    public async Task<string> RoleOfAsync(User user)
    {
        var held = await users.GetRolesAsync(user);
        return Roles.All.FirstOrDefault(held.Contains) ?? Roles.Contributor;
    }

    /// <summary>
    /// Links a byline that has no account to <paramref name="user"/>: its posts become the account's own (to edit,
    /// and to publish as the account's role allows). False if the byline does not exist or already has an account;
    /// checked in the same statement as the change, so two administrators cannot both link it.
    /// </summary>
    public async Task<bool> LinkBylineAsync(User user, int authorId, CancellationToken cancellationToken = default) =>
        await db.Authors.Where(a => a.Id == authorId && a.UserId == null)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.UserId, user.Id), cancellationToken) == 1;

    /// <summary>A random password of 20 characters for people who will be shown it once.</summary>
    public static string GeneratePassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789-", 20);
}
