using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Broadsheet.Features.Accounts;

/// <summary>
/// Identity's sign-in, taking as long for an address with no account, a locked account or an invited account with
/// no password yet as for a wrong password: Identity answers those at once, without hashing, so the time a
/// failed sign-in takes (~6 ms against ~85 ms) told anyone which addresses have accounts. Here each of them
/// verifies the password against a dummy hash made by the same hasher, at the same cost, and fails as before.
/// </summary>
public sealed class EvenTimingSignInManager(
    UserManager<User> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<User> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<User>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<User> confirmation,
    IPasswordHasher<User> hasher)
    : SignInManager<User>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    private static readonly User Nobody = new();
    private static string? dummyHash;

    public override async Task<SignInResult> PasswordSignInAsync(string userName, string password, bool isPersistent, bool lockoutOnFailure)
    {
        var user = await UserManager.FindByNameAsync(userName);
        if (user is not null) return await PasswordSignInAsync(user, password, isPersistent, lockoutOnFailure);
        HashAnyway(password);
        return SignInResult.Failed;
    }

    public override async Task<SignInResult> CheckPasswordSignInAsync(User user, string password, bool lockoutOnFailure)
    {
        if (await IsLockedOut(user) || !await UserManager.HasPasswordAsync(user)) HashAnyway(password);
        return await base.CheckPasswordSignInAsync(user, password, lockoutOnFailure);
    }

    /// <summary>The work of checking a password, whose answer is thrown away.</summary>
    private void HashAnyway(string password)
    {
        // Made once, by this hasher, so it carries the hasher's own format and iteration count.
        dummyHash ??= hasher.HashPassword(Nobody, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
        hasher.VerifyHashedPassword(Nobody, dummyHash, password);
    }
}
