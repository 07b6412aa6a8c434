using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ApplicationModels;

namespace Broadsheet.Features.Admin;

/// <summary>
/// The one authorization rule of the admin pages, and it fails closed: every page that is an admin page by
/// any sign (its address is under <c>/admin</c>, its model derives from <see cref="AdminPageModel"/>, or its
/// file is under <c>Features/Admin</c>) requires a signed-in staff member (<see cref="Policies.Staff"/>), unless
/// its model says <c>[AllowAnonymous]</c> itself: the sign-in steps, first-run setup and the pages emailed links
/// open. A page's own <c>[Authorize(Policy = …)]</c> (Administer, EditAll) comes on top. A new admin page is
/// therefore closed whichever folder it is put in and whichever base it forgets; <c>EndpointAuthorizationTests</c>
/// checks that each one has the base model and turns a signed-out visitor away.
/// </summary>
public sealed class AdminPages : IPageApplicationModelConvention
{
    public const string PathPrefix = "/admin";

    public void Apply(PageApplicationModel model)
    {
        if (!IsAdminPage(model)) return;
        // [AllowAnonymous] on the model reaches the endpoint's metadata by itself, and wins over this requirement.
        model.EndpointMetadata.Add(new AuthorizeAttribute(Policies.Staff));
    }

    public static bool IsAdminPage(PageApplicationModel model) =>
        model.ViewEnginePath.StartsWith("/Admin/", StringComparison.OrdinalIgnoreCase)
        || typeof(AdminPageModel).IsAssignableFrom(model.HandlerType)
        || model.ActionDescriptor.AttributeRouteInfo?.Template is { } template && IsAdminPath(template);

    /// <summary>True for <c>/admin</c> and every address below it (a route template or a path, with or without its leading slash).</summary>
    public static bool IsAdminPath(string pathOrTemplate)
    {
        var path = "/" + pathOrTemplate.TrimStart('~', '/');
        return path.Equals(PathPrefix, StringComparison.OrdinalIgnoreCase) || path.StartsWith(PathPrefix + "/", StringComparison.OrdinalIgnoreCase);
    }
}
