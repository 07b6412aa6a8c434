using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Broadsheet.Features.Admin;

/// <summary>
/// Base of the pages opened from an emailed link (<c>?user=…&amp;token=…</c>): an invitation or a
/// password reset. A missing, expired or used link answers 400 with one plain message.
/// </summary>
public abstract class EmailedLinkModel : AdminPageModel
{
    [BindProperty(SupportsGet = true, Name = "user")] public string? UserKey { get; set; }
    [BindProperty(SupportsGet = true)] public string? Token { get; set; }

    public string? Error { get; protected set; }

    /// <summary>What the page says when the link does not work.</summary>
    protected abstract string BadLinkMessage { get; }

    /// <summary>The account the link is for, if its token is still good for this page's purpose.</summary>
    protected abstract Task<User?> VerifyAsync(string userKey, string token);

    protected Task<User?> LinkUserAsync() =>
        UserKey is null || Token is null ? Task.FromResult<User?>(null) : VerifyAsync(UserKey, Token);

    protected PageResult BadLink()
    {
        Error = BadLinkMessage;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
