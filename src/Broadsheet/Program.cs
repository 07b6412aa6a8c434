using Broadsheet.Cli;
using Broadsheet.Data;
using Broadsheet.Data.WorkQueue;
using Broadsheet.Email;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Admin;
using Broadsheet.Features.Api;
using Broadsheet.Features.Archive;
using Broadsheet.Features.Feeds;
using Broadsheet.Features.Import;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Redirects;
using Broadsheet.Features.Search;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Shared;

namespace Broadsheet;

/// <summary>
/// The one executable: <c>serve</c> (the default verb) runs the site; the other verbs (import,
/// export, user, search) run against the same services without a web server. See <see cref="CommandLine"/>.
/// </summary>
public sealed class Program
{
    private Program() { }

    public static Task<int> Main(string[] args) => CommandLine.RunAsync(args);

    /// <summary>Composes the whole application; the CLI verbs use its services, <c>serve</c> runs it.</summary>
    public static WebApplication BuildApp(string[] args)
    {
        // The slim builder leaves out Kestrel's QUIC (HTTP/3) transport, IIS integration and the Debug and
        // EventSource log providers, which a Linux server never used but loaded at start (~2.5 MB of memory).
        // HTTPS endpoints from configuration (Kestrel:Endpoints, https:// in --urls) are put back, and so is the
        // EventSource log provider (dotnet-trace and dotnet-monitor read logs through it).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json sits beside the binary; ./data stays relative to where you run it.
            // (A test host passes its own --contentRoot, which must win.)
            ContentRootPath = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase)) ? null : AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.Logging.AddEventSourceLogger();

        // Data: SQLite or PostgreSQL, chosen by configuration
        builder.Services.AddBroadsheetDatabase(builder.Configuration);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SiteSettingsCache>();
        builder.Services.AddSingleton<ContentChanges>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ContentChanges>());
        builder.Services.AddStartupMemoryRelease();
        builder.Services.AddWorkQueue();

        // Content
        builder.Services.AddSingleton<ContentRenderer>();
        builder.Services.AddScoped<PostWriter>();
        builder.Services.AddSingleton<ArchiveCounts>();
        builder.Services.AddScoped<DemoContent>();
        builder.Services.AddSearch();
        builder.Services.AddImport();

        // Who a request comes from: the client's address and scheme through trusted proxies only
        builder.Services.AddClientAddress(builder.Configuration);

        // Accounts, the admin and its mail
        builder.Services.AddBroadsheetAccounts(builder.Configuration);
        builder.Services.AddBroadsheetEmail(builder.Configuration);
        builder.Services.AddBroadsheetAdmin();

        // Web: Razor Pages from the feature folders, output cache for public pages
        // No client-side validation library is shipped, and its markup (a hidden <li style="display:none">
        // in validation summaries) breaks the strict CSP's style-src 'self'; the server validates every form.
        builder.Services.AddRazorPages(o =>
            {
                o.RootDirectory = "/Features";
                o.Conventions.ConfigureFilter(new HostileRequests.PageMethodFilter());
            })
            .AddViewOptions(o => o.HtmlHelperOptions.ClientValidationEnabled = false);
        builder.Services.AddPublicOutputCache(builder.Configuration);
        builder.Services.AddProblemDetails();

        // Admin API (API keys), Content API, OpenAPI, media
        builder.Services.AddBroadsheetApi(builder.Configuration);

        builder.Services.LoadKeyRingOnFirstUse();

        var app = builder.Build();

        // First, so that everything after sees the client's address and scheme (cookies' Secure flag, redirects).
        app.UseClientAddress();
        // Before anything reads the Host header (HSTS does, on HTTPS): one .NET cannot parse is a 400 here, not a 500 there.
        app.UseHostHeaderCheck();
        // HTTPS responses only, and never for localhost (the middleware's own exclusions).
        app.UseHsts();
        app.UseExceptionHandler("/error");
        app.UseStatusCodePagesWithReExecute("/not-found");
        app.UseSecurityHeaders();
        // A cached public page is answered here, before any cookie, database or redirect work; the
        // cache serves and stores only requests without credentials (Features/Shared/OutputCaching.cs).
        // It keeps only 200s, the redirects below change only what would be a 404 (or "/?p=…"), and every
        // change that adds a redirect evicts the cache, so a redirect never loses to a cached page.
        app.UseOutputCache();
        // After the cache: a search answered from it costs nothing, so only the uncached ones count (Features/Search/SearchRateLimit.cs).
        app.UseRateLimiter();
        app.UseBroadsheetAccounts();
        app.UseMiddleware<RedirectMiddleware>();
        app.UseWordPressIdRedirects();
        app.UseMiddleware<ConditionalGetMiddleware>();

        app.MapSiteAssets();
        app.MapFeeds();
        app.MapBroadsheetApi();
        app.MapAdminAssets();
        app.MapRazorPages();
        return app;
    }
}
