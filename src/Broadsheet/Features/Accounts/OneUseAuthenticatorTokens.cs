using Broadsheet.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OtpNet;

namespace Broadsheet.Features.Accounts;

/// <summary>
/// Authenticator-app codes (RFC 6238: SHA-1, 30-second steps, 6 digits), each accepted once. Identity's own
/// provider accepts a code as often as it likes while it is current, so a code seen over a shoulder or in a
/// proxy log signs in again; this one remembers the last time step it accepted for the account
/// (<see cref="User.LastTotpTimeStep"/>) and refuses that step and every earlier one. The step is claimed with
/// one conditional UPDATE, so two requests racing with the same code cannot both win, on any node.
/// It reads the app's clock, like every other expiry here.
/// </summary>
public sealed class OneUseAuthenticatorTokens(BroadsheetDb db, TimeProvider clock) : AuthenticatorTokenProvider<User>
{
    public const string ProviderName = "OneUseAuthenticator";

    /// <summary>Two steps either side of now, as Identity's provider allows, for phones whose clocks drift.</summary>
    private static readonly VerificationWindow Drift = new(previous: 2, future: 2);

    public override async Task<bool> ValidateAsync(string purpose, string token, UserManager<User> manager, User user)
    {
        var key = await manager.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key) || token.Length != 6 || !token.All(char.IsAsciiDigit)) return false;
        var totp = new Totp(Base32Encoding.ToBytes(key));
        if (!totp.VerifyTotp(clock.GetUtcNow().UtcDateTime, token, out var step, Drift)) return false;
        // A new concurrency stamp too, so a save of this account from a copy read before the claim (which would
        // write the old step back) fails as Identity's optimistic concurrency intends.
        var stamp = Guid.NewGuid().ToString();
        var claimed = await db.Users
            .Where(u => u.Id == user.Id && (u.LastTotpTimeStep == null || u.LastTotpTimeStep < step))
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.LastTotpTimeStep, step).SetProperty(x => x.ConcurrencyStamp, stamp));
        if (claimed != 1) return false;
        // The caller's copy goes on to be saved (turning two-factor on, say): it carries the claimed step and stamp.
        user.LastTotpTimeStep = step;
        user.ConcurrencyStamp = stamp;
        var entry = db.Entry(user);
        if (entry.State != EntityState.Detached)
        {
            entry.Property(u => u.LastTotpTimeStep).OriginalValue = step;
            entry.Property(u => u.ConcurrencyStamp).OriginalValue = stamp;
        }
        return true;
    }
}
