using Broadsheet.Features.Shared;

namespace Broadsheet.Features.Accounts;

/// <summary>
/// Limits per client address (<see cref="ClientAddress"/>), beside Identity's own per-account lockout, so
/// one address cannot try passwords against many accounts, nor flood inboxes with reset links. The counts
/// are <see cref="AddressLimits"/> budgets in the database, shared by every node:
/// <list type="bullet">
/// <item><c>sign-in</c>: failed passwords and codes, <c>Accounts:MaxFailedAttemptsPerAddress</c> per
/// <c>Accounts:AddressLockoutTime</c> from the first failure. Past it the address is slowed, not shut:
/// one try per <c>Accounts:AddressBackoff</c> for the whole address, on every node together, and the
/// others are refused unchecked with a Retry-After. So an editor sharing the address (an office, a
/// phone network) can still sign in with the right password, while a guesser gets fewer tries past the
/// budget than within it.</item>
/// <item><c>password-reset</c>: reset requests, <c>Accounts:MaxResetRequestsPerAddress</c> per
/// <c>Accounts:ResetRequestWindow</c>, apart from sign-in failures (asking for a link is not a failure).</item>
/// </list>
/// </summary>
public sealed class LoginThrottle(AddressLimits limits, IConfiguration configuration)
{
    private readonly AddressBudget signIn = new("sign-in",
        configuration.GetValue("Accounts:MaxFailedAttemptsPerAddress", 20),
        configuration.GetValue("Accounts:AddressLockoutTime", TimeSpan.FromMinutes(15)));

    private readonly AddressBudget passwordReset = new("password-reset",
        configuration.GetValue("Accounts:MaxResetRequestsPerAddress", 5),
        configuration.GetValue("Accounts:ResetRequestWindow", TimeSpan.FromHours(1)));

    private readonly TimeSpan backoff = configuration.GetValue("Accounts:AddressBackoff", TimeSpan.FromMinutes(1));

    /// <summary>
    /// Before a password is checked: counts this try against the address first, so that a burst of tries sent
    /// at once cannot all pass a count none of them has added to yet (each try's hash takes ~85 ms), then says
    /// null to go ahead, or how long this address must wait (it is past its budget and another try has the
    /// current turn). A try that then succeeds is taken back (<see cref="SucceededAsync"/>).
    /// </summary>
    public async Task<TimeSpan?> WaitBeforeTryingAsync(HttpContext context)
    {
        var address = ClientAddress.KeyOf(context);
        if (await limits.CountAsync(signIn, address, context.RequestAborted) <= signIn.Limit) return null;
        return await limits.TakeTurnAsync(signIn, address, backoff, context.RequestAborted);
    }

    /// <summary>The password was right: the try counted by <see cref="WaitBeforeTryingAsync"/> was no failure.</summary>
    public Task SucceededAsync(HttpContext context) => limits.UncountAsync(signIn, ClientAddress.KeyOf(context), context.RequestAborted);

    /// <summary>A wrong second-factor code (whose step is not held back by the address's turn): counted after the check.</summary>
    public Task FailedAsync(HttpContext context) => limits.CountAsync(signIn, ClientAddress.KeyOf(context), context.RequestAborted);

    /// <summary>Counts a reset request; false when the address has asked too often already.</summary>
    public async Task<bool> ResetRequestAllowedAsync(HttpContext context) =>
        await limits.CountAsync(passwordReset, ClientAddress.KeyOf(context), context.RequestAborted) <= passwordReset.Limit;
}
