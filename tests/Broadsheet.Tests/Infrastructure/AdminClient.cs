using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>
/// Accounts and signed-in clients for admin tests. Forms are filled the way a browser does: read
/// the page, keep its hidden fields (the antiforgery token among them), set the visible ones, post.
/// </summary>
public static class AdminClient
{
    public const string Password = "correct horse battery staple";

    /// <summary>Makes an account of the given role through the app's own rules.</summary>
    public static async Task<User> AddUserAsync(this BroadsheetFactory app, string role, string? email = null, string? name = null, string password = Password)
    {
        await using var scope = app.Scope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        var (user, errors) = await accounts.CreateAsync(email ?? $"{role.ToLowerInvariant()}@example.org", name ?? $"{role} Person", role, password);
        Assert.True(user is not null, string.Join("; ", errors));
        return user;
    }

    /// <summary>A client that keeps cookies and does not follow redirects, so tests see them.</summary>
    public static HttpClient Browser(this BroadsheetFactory app, string? clientAddress = null)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        if (clientAddress is not null) client.DefaultRequestHeaders.Add(TestClientAddress.Header, clientAddress);
        return client;
    }

    /// <summary>
    /// A browser whose requests reach the site through the proxy at <paramref name="proxy"/>, which names the
    /// client in X-Forwarded-For (and, when given, the client's scheme in X-Forwarded-Proto), as nginx does.
    /// </summary>
    public static HttpClient BehindProxy(this BroadsheetFactory app, string proxy, string client, string? scheme = null)
    {
        var browser = app.Browser(proxy);
        browser.DefaultRequestHeaders.Add("X-Forwarded-For", client);
        if (scheme is not null) browser.DefaultRequestHeaders.Add("X-Forwarded-Proto", scheme);
        return browser;
    }

    /// <summary>A new account of this role, signed in.</summary>
    public static async Task<HttpClient> SignedInAsync(this BroadsheetFactory app, string role, string? email = null)
    {
        var user = await app.AddUserAsync(role, email);
        return await app.SignInAsync(user.Email!);
    }

    public static async Task<HttpClient> SignInAsync(this BroadsheetFactory app, string email, string password = Password)
    {
        var client = app.Browser();
        var response = await client.SubmitAsync("/admin/login", new() { ["Input.Email"] = email, ["Input.Password"] = password });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in answered {(int)response.StatusCode}");
        return client;
    }

    public static async Task<(HttpResponseMessage Response, IDocument Page)> GetPageAsync(this HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        return (response, new HtmlParser().ParseDocument(body));
    }

    /// <summary>
    /// Reads <paramref name="path"/>, takes the form that matches <paramref name="formSelector"/> (default: the
    /// first POST form in main), and posts it with <paramref name="fields"/> replacing its own values.
    /// A field given as null is left out.
    /// </summary>
    public static async Task<HttpResponseMessage> SubmitAsync(this HttpClient client, string path, Dictionary<string, string?> fields, string? formSelector = null, string? button = null)
    {
        var (response, page) = await client.GetPageAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}");
        var form = page.QuerySelector(formSelector ?? "main form[method=post]") ?? throw new InvalidOperationException($"No form at {path}");
        return await client.SubmitAsync(form, path, fields, button);
    }

    public static async Task<HttpResponseMessage> SubmitAsync(this HttpClient client, IElement form, string path, Dictionary<string, string?> fields, string? button = null)
    {
        var values = new List<KeyValuePair<string, string>>();
        foreach (var input in form.QuerySelectorAll("input[name], textarea[name], select[name]"))
        {
            var name = input.GetAttribute("name")!;
            if (fields.ContainsKey(name)) continue;
            var type = input.GetAttribute("type");
            if (type is "checkbox" or "radio" && !input.HasAttribute("checked")) continue;
            var value = input.LocalName switch
            {
                "textarea" => input.TextContent,
                "select" => input.QuerySelector("option[selected]")?.GetAttribute("value") ?? input.QuerySelector("option")?.GetAttribute("value") ?? "",
                _ => input.GetAttribute("value") ?? (type == "checkbox" ? "on" : ""),
            };
            values.Add(new(name, value));
        }
        foreach (var (name, value) in fields)
            if (value is not null) values.Add(new(name, value));
        if (button is not null)
        {
            var parts = button.Split('=', 2);
            values.Add(new(parts[0], parts[1]));
        }
        var action = form.GetAttribute("action") is { Length: > 0 } a ? a : path;
        return await client.PostAsync(action, new FormUrlEncodedContent(values));
    }

    /// <summary>The antiforgery token of the first form on a page (for posting to page handlers directly).</summary>
    public static async Task<string> AntiforgeryTokenAsync(this HttpClient client, string path)
    {
        var (_, page) = await client.GetPageAsync(path);
        return page.QuerySelector("input[name=__RequestVerificationToken]")?.GetAttribute("value") ?? throw new InvalidOperationException($"No antiforgery token at {path}");
    }
}

/// <summary>
/// Lets a test say which address a request comes from (TestServer has none), for per-address limits and
/// trusted proxies; registered first, so it runs before any forwarded-headers handling.
/// </summary>
public sealed class TestClientAddress : IStartupFilter
{
    public const string Header = "X-Test-Client-Address";

    public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> Configure(Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> next) => app =>
    {
        app.Use(nextMiddleware => context =>
        {
            if (context.Request.Headers[Header] is { Count: > 0 } value && IPAddress.TryParse(value, out var address))
                context.Connection.RemoteIpAddress = address;
            return nextMiddleware(context);
        });
        next(app);
    };
}
