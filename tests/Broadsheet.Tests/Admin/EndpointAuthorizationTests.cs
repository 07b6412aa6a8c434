using System.Net;
using System.Text.RegularExpressions;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Admin;

/// <summary>
/// Every admin and admin-API endpoint the app maps — found by asking the app, not by listing them
/// here — turns away a signed-out visitor. New endpoints join the test by existing.
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
