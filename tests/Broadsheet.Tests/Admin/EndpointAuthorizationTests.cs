using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Admin;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ApplicationModels;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure;
using Microsoft.AspNetCore.Mvc.Routing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Admin;

/// <summary>
/// Every admin and admin-API endpoint the app maps — found by asking the app, not by listing them
/// here — turns away a signed-out visitor. New endpoints join the test by existing. Every admin page is
/// also placed one way (under /admin, on <see cref="AdminPageModel"/>) and closed by the one rule
/// (<see cref="AdminPages"/>), so a page that forgets either fails here before it ships.
/// </summary>
public sealed partial class EndpointAuthorizationTests
{
    /// <summary>The only /admin addresses a signed-out person may use, and why.</summary>
    private static readonly HashSet<string> Open = new(StringComparer.OrdinalIgnoreCase)
    {
        "admin/login", "admin/login/two-factor", // signing in
        "admin/setup",                           // first run (a 404 once an account exists)
        "admin/forgot-password", "admin/reset-password", "admin/accept-invitation", // emailed links
        "admin/assets/{name}",                   // the admin's stylesheet and script
    };

    [Fact]
    public async Task Every_admin_endpoint_refuses_anonymous_visitors()
    {
        await using var app = new BroadsheetFactory();
        await app.AddUserAsync(Roles.Owner);
        var client = app.Browser();
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Pattern: e.RoutePattern.RawText!.TrimStart('/'), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods))
            .Where(e => e.Pattern.StartsWith("admin", StringComparison.OrdinalIgnoreCase) || e.Pattern.StartsWith("api/admin", StringComparison.OrdinalIgnoreCase))
            .Distinct()
            .ToList();
        Assert.True(endpoints.Count >= 10, $"found only {endpoints.Count} admin endpoints");
        // Spot checks that the enumeration reaches pages, API groups and the newest additions.
        foreach (var expected in new[] { "admin/posts", "admin/search", "api/admin/posts", "api/admin/search" })
            Assert.Contains(endpoints, e => e.Pattern.TrimEnd('/').Equals(expected, StringComparison.OrdinalIgnoreCase));

        var checkedCount = 0;
        foreach (var (pattern, methods) in endpoints.Where(e => !Open.Contains(e.Pattern)))
        {
            var path = "/" + Parameter().Replace(pattern, "1").Replace("//", "/", StringComparison.Ordinal).TrimEnd('/');
            foreach (var method in methods is { Count: > 0 } ? methods : ["GET", "POST"])
            {
                // API endpoints that accept only JSON or multipart answer 415 in routing, before any
                // authorization runs; send each the kind of body it takes so the answer is about sign-in.
                var response = await SendAsync(client, method, path, BodyKind.Form);
                if (response.StatusCode == HttpStatusCode.UnsupportedMediaType) response = await SendAsync(client, method, path, BodyKind.Json);
                if (response.StatusCode == HttpStatusCode.UnsupportedMediaType) response = await SendAsync(client, method, path, BodyKind.Multipart);
                var toLogin = response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains("/admin/login", StringComparison.Ordinal);
                Assert.True(toLogin || response.StatusCode == HttpStatusCode.Unauthorized,
                    $"{method} {path} answered {(int)response.StatusCode} to a signed-out visitor");
                checkedCount++;
            }
        }
        Assert.True(checkedCount >= 10);
    }

    [Fact]
    public async Task Open_admin_pages_really_are_the_sign_in_ones()
    {
        await using var app = new BroadsheetFactory();
        await app.AddUserAsync(Roles.Owner);
        var client = app.Browser();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin/login")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/admin/setup")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/admin/reset-password?user=x&token=y")).StatusCode);
    }

    [Fact]
    public async Task Every_admin_page_is_under_admin_on_the_admin_base_model_and_needs_staff_unless_marked_open()
    {
        await using var app = new BroadsheetFactory();
        _ = app.CreateClient();
        var loader = app.Services.GetRequiredService<PageLoader>();
        var adminPages = new Dictionary<string, CompiledPageActionDescriptor>(StringComparer.Ordinal);
        foreach (var endpoint in app.Services.GetRequiredService<EndpointDataSource>().Endpoints)
        {
            if (endpoint.Metadata.GetMetadata<ActionDescriptor>() is not PageActionDescriptor page || adminPages.ContainsKey(page.ViewEnginePath)) continue;
            var compiled = await loader.LoadAsync(page, endpoint.Metadata);
            var route = page.AttributeRouteInfo?.Template ?? "";
            var onBase = typeof(AdminPageModel).IsAssignableFrom(compiled.ModelTypeInfo);
            // Either sign of an admin page without the other is a page placed another way.
            Assert.True(AdminPages.IsAdminPath(route) == onBase,
                $"{page.RelativePath} (/{route}, model {compiled.ModelTypeInfo?.Name ?? "none"}): an admin page is under /admin and its model derives from AdminPageModel");
            if (onBase) adminPages[page.ViewEnginePath] = compiled;
        }
        Assert.True(adminPages.Count >= 20, $"found only {adminPages.Count} admin pages");
        Assert.Contains("/Admin/Media/Index", adminPages.Keys);
        Assert.Contains("/Admin/ApiKeys/Index", adminPages.Keys);

        var open = new List<string>();
        foreach (var (path, page) in adminPages)
        {
            // What the page's endpoint carries: its conventions' metadata and its model's attributes.
            var metadata = page.EndpointMetadata;
            if (metadata.OfType<IAllowAnonymous>().Any()) open.Add(page.AttributeRouteInfo!.Template!.TrimStart('/'));
            else Assert.True(metadata.OfType<IAuthorizeData>().Any(a => a.Policy == Policies.Staff), $"{path} does not require staff");
        }
        // The pages marked [AllowAnonymous] are exactly the open ones listed above, and nothing else.
        Assert.Equal(Open.Where(o => !o.Contains('{', StringComparison.Ordinal)).Order(StringComparer.OrdinalIgnoreCase), open.Order(StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_rule_closes_an_admin_page_whatever_its_folder_or_base()
    {
        static PageApplicationModel Page(string file, string route, Type model) =>
            new(new PageActionDescriptor { ViewEnginePath = file, RelativePath = "/Features" + file + ".cshtml", AttributeRouteInfo = new AttributeRouteInfo { Template = route } },
                model.GetTypeInfo(), []);
        static bool NeedsStaff(PageApplicationModel page)
        {
            new AdminPages().Apply(page);
            return page.EndpointMetadata.OfType<IAuthorizeData>().Any(a => a.Policy == Policies.Staff);
        }

        Assert.True(NeedsStaff(Page("/Newsletters/Compose", "admin/newsletters", typeof(BarePageModel))), "a page at an /admin address in a feature folder, on a bare PageModel");
        Assert.True(NeedsStaff(Page("/Statements/Manage", "statements/manage", typeof(SomeAdminPage))), "a page on AdminPageModel at another address");
        Assert.True(NeedsStaff(Page("/Admin/Forgotten", "forgotten", typeof(BarePageModel))), "a page in Features/Admin at another address");
        Assert.False(NeedsStaff(Page("/Posts/Page", "{slug}", typeof(BarePageModel))), "a public page");
        Assert.False(NeedsStaff(Page("/Statements/Show", "administration-notes", typeof(BarePageModel))), "a public page whose address only starts like admin");
    }

    private sealed class BarePageModel : PageModel;

    private sealed class SomeAdminPage : AdminPageModel;

    private enum BodyKind { Form, Json, Multipart }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path, BodyKind body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method != "GET")
        {
            request.Content = body switch
            {
                BodyKind.Json => new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
                BodyKind.Multipart => new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "file", "x.png" } },
                _ => new FormUrlEncodedContent([]),
            };
        }
        return await client.SendAsync(request);
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();
}
