using Broadsheet.Features.Accounts;

namespace Broadsheet.Features.Admin;

/// <summary>
/// Base of the pages where a password or a second-factor code is tried. Both count failures against
/// the client address (<see cref="LoginThrottle"/>) as well as against the account, and both refuse
/// the same way once the address is throttled.
/// </summary>
public abstract class SignInStepModel(LoginThrottle throttle) : AdminPageModel
{
    public string? Error { get; protected set; }

    /// <summary>True (with a 429 and a message on the page) when this address has failed too often.</summary>
    protected bool RefusedByThrottle()
    {
        if (!throttle.IsBlocked(HttpContext.Connection.RemoteIpAddress)) return false;
        Error = "Too many failed sign-ins from your network. Wait a few minutes and try again.";
        Response.StatusCode = StatusCodes.Status429TooManyRequests;
        return true;
    }

    protected void CountFailure() => throttle.Failed(HttpContext.Connection.RemoteIpAddress);
}
