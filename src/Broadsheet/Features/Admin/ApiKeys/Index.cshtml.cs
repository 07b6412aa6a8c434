using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Admin.ApiKeys;

/// <summary>
/// /admin/api-keys: Administrators create a named key for each integration (its secret is shown
/// on this one response and never again), see when each was last used, and revoke them.
/// </summary>
[Authorize(Policy = Policies.Administer)]
public sealed class IndexModel(ApiKeyService keys) : AdminPageModel
{
    public IReadOnlyList<ApiKey> Keys { get; private set; } = [];

    /// <summary>The full key just created; only ever set on the POST that created it.</summary>
    public string? NewKey { get; private set; }

    public string? NewKeyName { get; private set; }

    [BindProperty]
    [Required(ErrorMessage = "Give the key a name, such as the integration that will use it.")]
    [StringLength(200, ErrorMessage = "A name is at most 200 characters.")]
    public string Name { get; set; } = "";

    /// <summary>What the new key may do; Editor (content only) unless an Administrator key is asked for.</summary>
    [BindProperty]
    public string Role { get; set; } = Roles.Editor;

    public async Task OnGetAsync() => Keys = await keys.ListAsync(HttpContext.RequestAborted);

    public async Task<IActionResult> OnPostCreateAsync()
    {
        if (string.IsNullOrWhiteSpace(Name)) ModelState.AddModelError(nameof(Name), "Give the key a name, such as the integration that will use it.");
        if (!ApiKeyRoles.All.Contains(Role)) ModelState.AddModelError(nameof(Role), "Choose what the key may do: Editor or Administrator.");
        if (!ModelState.IsValid)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            Keys = await keys.ListAsync(HttpContext.RequestAborted);
            return Page();
        }
        var (key, fullKey) = await keys.CreateAsync(Name, Role, User.FindFirstValue(ClaimTypes.NameIdentifier), HttpContext.RequestAborted);
        // The secret is in this response only: no PRG redirect (it would need to carry the secret), and no caching.
        Response.Headers.CacheControl = "no-store";
        NewKey = fullKey;
        NewKeyName = key.Name;
        Name = "";
        Role = Roles.Editor;
        ModelState.Clear();
        Keys = await keys.ListAsync(HttpContext.RequestAborted);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(int id)
    {
        if (!await keys.RevokeAsync(id, HttpContext.RequestAborted)) return NotFound();
        Notice = "The key was revoked. Programs using it can no longer reach the Admin API.";
        return RedirectToPage();
    }
}
