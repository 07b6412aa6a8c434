using System.Security.Claims;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Settings;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Broadsheet.Features.Admin;

/// <summary>Base of the admin pages: the site settings, the clock and who is signed in.</summary>
public abstract class AdminPageModel : PageModel
{
    public Site Site { get; private set; } = null!;

    /// <summary>A one-line confirmation carried across a redirect (TempData), shown by the layout.</summary>
    [Microsoft.AspNetCore.Mvc.TempData]
    public string? Notice { get; set; }

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        Site = await HttpContext.RequestServices.GetRequiredService<SiteSettingsCache>().GetAsync(HttpContext.RequestAborted);
        await next();
    }

    public DateTime NowUtc => HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;

    public string UserId => User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";

    public bool Can(string policy) => Policies.RolesFor[policy].Any(User.IsInRole);
}
