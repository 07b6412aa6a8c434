using Broadsheet.Data;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Options;

namespace Broadsheet.Pipeline;

/// <summary>
/// Public pages and feeds are cached whole in memory and tagged <see cref="ContentChanges.PublicTag"/>,
/// so any content change evicts them (on every node: see <see cref="ContentChanges"/>). Turn it off
/// with <c>OutputCache:Enabled=false</c> (the uncached benchmark does).
/// <para>
/// The cache runs before authentication (Program.cs), so a cached page costs a reader no cookie
/// decryption and no database. It therefore decides from the request itself who may share the
/// public copy: a request that carries credentials of any kind (the sign-in cookie, an
/// <c>Authorization</c> header, an API key) neither reads from the cache nor stores into it, and
/// neither does a request for an endpoint that demands authorization. Addresses that are no public page
/// (<see cref="PrivatePaths"/>) are left out of this site-wide policy. Signed-in people and API
/// callers always get a page rendered for them, and what they get is never kept for the public.
/// </para>
/// </summary>
public static class OutputCaching
{
    public static IServiceCollection AddPublicOutputCache(this IServiceCollection services, IConfiguration configuration)
    {
        var enabled = configuration.GetValue("OutputCache:Enabled", true);
        services.AddOutputCache(o =>
        {
            o.SizeLimit = 256L * 1024 * 1024;
            o.MaximumBodySize = 4L * 1024 * 1024;
            o.AddBasePolicy(policy => policy
                .With(ctx => enabled && !PrivatePaths.Contains(ctx.HttpContext.Request.Path) && IsAnonymousPublic(ctx.HttpContext)
                             && !StartupMemoryRelease.IsWarmUp(ctx.HttpContext))
                .Tag(ContentChanges.PublicTag)
                .Expire(TimeSpan.FromMinutes(10)));
        });
        return services;
    }

    /// <summary>
    /// True when the request carries no credentials and its endpoint (if routing found one) asks for
    /// no authorization: only then may it be answered with, or become, the shared public copy.
    /// </summary>
    internal static bool IsAnonymousPublic(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (headers.Authorization.Count > 0 || headers.ContainsKey(Features.Api.ApiKeyAuthenticationHandler.HeaderName)) return false;
        if (headers.Cookie.Count > 0 && HasSignInCookie(context)) return false;
        if (context.GetEndpoint()?.Metadata is { } metadata
            && metadata.GetMetadata<IAuthorizeData>() is not null && metadata.GetMetadata<IAllowAnonymous>() is null)
            return false;
        return true;
    }

    private static bool HasSignInCookie(HttpContext context)
    {
        // The sign-in cookie's name, as the accounts feature configured it (chunked cookies keep the name on their first part).
        var name = context.RequestServices.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>()
            .Get(IdentityConstants.ApplicationScheme).Cookie.Name ?? "";
        foreach (var cookie in context.Request.Cookies)
            if (cookie.Key.StartsWith(name, StringComparison.Ordinal) || cookie.Key.StartsWith(".AspNetCore.Identity.", StringComparison.Ordinal))
                return true;
        return false;
    }
}
