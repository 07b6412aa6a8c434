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
using Broadsheet.Features.Media;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Search;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Shared;
using Broadsheet.Features.Statements;
using Broadsheet.Pipeline;

namespace Broadsheet;

/// <summary>
/// The one executable: <c>serve</c> (the default verb) runs the site; the other verbs (import,
/// export, user, search) run against the same services without a web server. See <see cref="CommandLine"/>.
/// </summary>
public sealed class Program
{
    private Program() { }

    public static Task<int> Main(string[] args)
    {
        MallocArenas.Limit();
        return CommandLine.RunAsync(args);
    }

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

        // Accounts and their mail
        builder.Services.AddBroadsheetAccounts(builder.Configuration);
        builder.Services.AddBroadsheetEmail(builder.Configuration);
        builder.Services.AddBroadsheetNewsletters();
        builder.Services.AddBroadsheetStatements();
        builder.Services.AddSetupCode();

        // Web: Razor Pages from the feature folders. Every admin page needs a signed-in staff member unless its
        // model says [AllowAnonymous] (Features/Admin/AdminPages.cs). No client-side validation library is shipped,
        // and its markup (a hidden <li style="display:none"> in validation summaries) breaks the strict CSP's
        // style-src 'self'; the server validates every form.
        builder.Services.AddRazorPages(o =>
            {
                o.RootDirectory = "/Features";
                o.Conventions.Add(new AdminPages());
                o.Conventions.ConfigureFilter(new HostileRequests.PageMethodFilter());
            })
            .AddViewOptions(o => o.HtmlHelperOptions.ClientValidationEnabled = false);
        builder.Services.Configure<RouteOptions>(o => o.LowercaseUrls = true);
        builder.Services.AddProblemDetails();

        // Admin API (API keys), Content API, OpenAPI, media
        builder.Services.AddBroadsheetApi();

        // The request pipeline's own services (Pipeline/README.md): trusted proxies, the public-page cache
        builder.Services.AddTrustedProxies(builder.Configuration);
        builder.Services.AddPublicOutputCache(builder.Configuration);

        builder.Services.LoadKeyRingOnFirstUse();

        var app = builder.Build();

        // The request pipeline, in order; Pipeline/README.md says why each step sits where it does.
        app.UseRouting();
        app.UseForwardedHeaders();
        app.UseHostHeaderCheck();
        app.UseHsts();
        app.UseExceptionHandler("/error");
        app.UseStatusCodePagesWithReExecute("/not-found");
        app.UseMiddleware<SecurityHeaders>();
        app.UseOutputCache();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<RedirectMiddleware>();
        app.UseMiddleware<WordPressIdRedirects>();
        app.UseMiddleware<ConditionalGetMiddleware>();
        app.UseMiddleware<ApiProblems>();

        // Endpoints
        app.MapSiteAssets();
        app.MapFeeds();
        app.MapMedia();
        app.MapAdminApi();
        app.MapContentApi();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapAdminAssets();
        app.MapRazorPages();
        return app;
    }
}
