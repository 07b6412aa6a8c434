using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Admin;

/// <summary>
/// Sign out (POST only, with antiforgery, so a link elsewhere cannot sign anyone out). The session's record is
/// deleted, so the cookie is refused from now on even where a copy of it survives.
/// </summary>
public sealed class LogoutModel(SignInManager<User> signIn) : AdminPageModel
{
    public IActionResult OnGet() => Page();

    public async Task<IActionResult> OnPostAsync()
    {
        await SignInSessions.SignOutAsync(HttpContext, signIn);
        return Redirect("/admin/login");
    }
}
