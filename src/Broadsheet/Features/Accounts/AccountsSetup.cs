using Broadsheet.Data;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Broadsheet.Features.Accounts;

/// <summary>
/// Sign-in for the admin: ASP.NET Core Identity on the site's database, one cookie scheme (the
/// default; the Admin API adds its own "ApiKey" scheme beside it), the policies of
/// <see cref="Policies"/> (by role, with no scheme named, so any scheme's user can satisfy them),
/// and data-protection keys kept in the database so every web node reads every other node's cookies.
/// </summary>
public static class AccountsSetup
{
    public const string AntiforgeryCookieName = "broadsheet.antiforgery";

    /// <summary>How long "Don't ask for a code on this browser" lasts after a two-factor sign-in.</summary>
    public static readonly TimeSpan RememberBrowserFor = TimeSpan.FromDays(30);

    public static IServiceCollection AddBroadsheetAccounts(this IServiceCollection services, IConfiguration configuration)
    {
        var accounts = configuration.GetSection("Accounts");
        services.AddIdentity<User, IdentityRole>(o =>
            {
                o.User.RequireUniqueEmail = true;
                // Long passphrases beat composition rules (NIST SP 800-63B): length only.
                o.Password.RequiredLength = 10;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = accounts.GetValue("MaxFailedAttempts", 5);
                o.Lockout.DefaultLockoutTimeSpan = accounts.GetValue("LockoutTime", TimeSpan.FromMinutes(15));
                o.SignIn.RequireConfirmedAccount = false;
                o.Tokens.ProviderMap[InvitationTokens.ProviderName] = new TokenProviderDescriptor(typeof(InvitationTokens));
                // Authenticator codes work once (Identity's own provider takes a code again while it is current).
                o.Tokens.AuthenticatorTokenProvider = OneUseAuthenticatorTokens.ProviderName;
            })
            .AddEntityFrameworkStores<BroadsheetDb>()
            .AddDefaultTokenProviders()
            .AddTokenProvider<OneUseAuthenticatorTokens>(OneUseAuthenticatorTokens.ProviderName)
            .AddSignInManager<EvenTimingSignInManager>();
        services.AddTransient<InvitationTokens>();
        // Password-reset links live two hours; invitations a week (each used once: either changes the security stamp).
        services.Configure<DataProtectionTokenProviderOptions>(o => o.TokenLifespan = accounts.GetValue("ResetLinkLifetime", TimeSpan.FromHours(2)));
        services.Configure<InvitationTokenOptions>(o =>
        {
            o.Name = InvitationTokens.ProviderName;
            o.TokenLifespan = accounts.GetValue("InvitationLifetime", TimeSpan.FromDays(7));
        });

        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "broadsheet.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/admin/login";
            o.LogoutPath = "/admin/logout";
            o.AccessDeniedPath = "/admin/denied";
            o.ExpireTimeSpan = TimeSpan.FromDays(14);
            o.SlidingExpiration = true;
            // APIs answer 401/403; only pages redirect to the login form.
            o.Events.OnRedirectToLogin = ctx => RedirectOrStatus(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => RedirectOrStatus(ctx, StatusCodes.Status403Forbidden);
            // Each sign-in is a record in the database (SignInSession): signing out deletes it, so a copied cookie
            // stops working at once on every node. Identity's security-stamp check stays, run after the record's.
            o.Events.OnSigningIn = SignInSessions.SigningInAsync;
            o.Events.OnValidatePrincipal = SignInSessions.Validating(o.Events.OnValidatePrincipal);
            o.Events.OnCheckSlidingExpiration = SignInSessions.SlidingAsync;
        });
        // The browser a two-factor user ticked "don't ask again" on. Identity validates its security stamp like
        // the sign-in cookie's, so a stamp change (sign out everywhere, new password, 2FA reset) forgets it.
        services.Configure<CookieAuthenticationOptions>(IdentityConstants.TwoFactorRememberMeScheme, o =>
        {
            o.Cookie.Name = "broadsheet.2fa-browser";
            o.ExpireTimeSpan = RememberBrowserFor;
            o.SlidingExpiration = false;
        });
        services.PostConfigureAll<CookieAuthenticationOptions>(o =>
        {
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            if (o.Cookie.SameSite == SameSiteMode.None || o.Cookie.SameSite == SameSiteMode.Unspecified) o.Cookie.SameSite = SameSiteMode.Lax;
        });
        // The cookie's issue time and the stamp check read the same clock (tests move it).
        services.AddSingleton<IPostConfigureOptions<CookieAuthenticationOptions>, CookieClock>();
        services.AddOptions<SecurityStampValidatorOptions>().Configure<TimeProvider>((o, clock) =>
        {
            o.TimeProvider = clock;
            // "Sign out everywhere" changes the stamp; other sessions notice within this interval.
            o.ValidationInterval = accounts.GetValue("SessionCheckInterval", TimeSpan.FromMinutes(1));
        });

        services.AddAuthorization(o =>
        {
            foreach (var (policy, roles) in Policies.RolesFor)
                o.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(roles));
        });
        services.AddDataProtection()
            .SetApplicationName("Broadsheet")
            .PersistKeysToDbContext<BroadsheetDb>();

        // The antiforgery cookie gets a fixed name, like the sign-in cookie. Left unnamed, ASP.NET names
        // it from a SHA-256 of the application name the first time any page is served (every Razor Page
        // carries the antiforgery filter, GET included), and that one hash loaded OpenSSL's libcrypto
        // (~4 MB resident) into every process that served a public page. Inserted first so that it runs
        // before the framework's own options setup, which only fills in a name when none is set.
        services.Insert(0, ServiceDescriptor.Singleton<IConfigureOptions<AntiforgeryOptions>>(
            new ConfigureNamedOptions<AntiforgeryOptions>(Options.DefaultName, o => o.Cookie.Name = AntiforgeryCookieName)));

        services.AddAddressLimits();
        services.AddScoped<LoginThrottle>();
        services.AddScoped<AccountService>();
        services.AddScoped<AccountMail>();
        return services;
    }

    /// <summary>
    /// Data protection's hosted service reads (or makes) the key ring at start. Only sign-in cookies and
    /// forms need it, never a public page, so the key ring is read on first use instead and a node that
    /// only serves readers keeps the XML and key-ring machinery out of memory. Call after every
    /// <c>AddDataProtection</c> (each <c>AddAuthentication</c> adds the service again).
    /// </summary>
    public static IServiceCollection LoadKeyRingOnFirstUse(this IServiceCollection services)
    {
        for (var i = services.Count - 1; i >= 0; i--)
            if (services[i].ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService)
                && services[i].ImplementationType?.Name == "DataProtectionHostedService")
                services.RemoveAt(i);
        return services;
    }

    private static Task RedirectOrStatus(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api"))
            ctx.Response.StatusCode = status;
        else
            ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    private sealed class CookieClock(TimeProvider clock) : IPostConfigureOptions<CookieAuthenticationOptions>
    {
        public void PostConfigure(string? name, CookieAuthenticationOptions options) => options.TimeProvider = clock;
    }
}

/// <summary>Tokens for invitation links: the data-protection provider under its own name and lifetime.</summary>
public sealed class InvitationTokens(
    IDataProtectionProvider dataProtectionProvider,
    IOptions<InvitationTokenOptions> options,
    ILogger<DataProtectorTokenProvider<User>> logger) : DataProtectorTokenProvider<User>(dataProtectionProvider, options, logger)
{
    public const string ProviderName = "Invitation";
    public const string Purpose = "Invitation";
}

public sealed class InvitationTokenOptions : DataProtectionTokenProviderOptions;
