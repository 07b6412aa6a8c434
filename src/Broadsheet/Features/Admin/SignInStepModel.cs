using System.Globalization;
using Broadsheet.Features.Accounts;

namespace Broadsheet.Features.Admin;

/// <summary>
/// Base of the pages where a password or a second-factor code is tried. Both count failures against
/// the client address (<see cref="LoginThrottle"/>) as well as against the account; the password step
/// slows an address past its budget.
/// </summary>
public abstract class SignInStepModel(LoginThrottle throttle) : AdminPageModel
{
    public string? Error { get; protected set; }

    /// <summary>
    /// Counts this password try against the address, before the check; true (with a 429, a Retry-After and a
    /// message on the page) when this address must wait for its next try.
    /// </summary>
    protected async Task<bool> RefusedByThrottleAsync()
    {
        if (await throttle.WaitBeforeTryingAsync(HttpContext) is not { } wait) return false;
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        Error = "Too many failed sign-ins from your network. " + (seconds <= 60 ? "Try again in a minute." : $"Try again in {(seconds + 59) / 60} minutes.");
        Response.StatusCode = StatusCodes.Status429TooManyRequests;
        Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>The password was right: its try, counted by <see cref="RefusedByThrottleAsync"/> before the check, is taken back.</summary>
    protected Task PasswordWasRightAsync() => throttle.SucceededAsync(HttpContext);

    protected Task CountFailureAsync() => throttle.FailedAsync(HttpContext);
}
