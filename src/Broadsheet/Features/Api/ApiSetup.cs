using System.Text.Json;
using System.Text.Json.Serialization;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Media;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.OpenApi;

namespace Broadsheet.Features.Api;

/// <summary>
/// The Admin API (<c>/api/admin</c>, API keys), the public Content API (<c>/api/content</c>), their
/// OpenAPI document (<c>/openapi/v1.json</c>) and media serving (<c>/media</c>).
/// <para>
/// Authentication: the "ApiKey" scheme (<see cref="ApiKeyAuthenticationHandler"/>). Admin API
/// endpoints name that scheme in their policies, so a browser's sign-in cookie never authorises an
/// API call (no CSRF through the API) whatever the default scheme is. The named admin policies
/// (<see cref="Policies"/>) are the accounts feature's to define; if nothing has defined them
/// (this feature alone), they are filled in from <see cref="Policies.RolesFor"/> so the media and
/// API-key pages still demand the right role.
/// </para>
/// </summary>
public static class ApiSetup
{
    public const string DocumentName = "v1";

    public static IServiceCollection AddBroadsheetApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<ApiKeyService>();
        services.AddScoped<AdminPostsApi.Writes>();
        services.AddSingleton<MediaStore>();

        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.PostConfigure<AuthenticationOptions>(o =>
        {
            // Only when no other feature chose a default (the accounts feature makes the cookie the default).
            if (o.DefaultScheme is null && o.DefaultAuthenticateScheme is null && o.DefaultChallengeScheme is null)
                o.DefaultScheme = ApiKeyAuthenticationHandler.SchemeName;
        });
        services.AddAuthorization();
        services.PostConfigure<AuthorizationOptions>(o =>
        {
            foreach (var (name, roles) in Policies.RolesFor)
                if (o.GetPolicy(name) is null) o.AddPolicy(name, p => p.RequireRole(roles));
        });

        // Uploads: a clear 413 problem beyond the media limit, never a 500 from a limit deeper down.
        var maxUpload = configuration.GetValue("Media:MaxUploadBytes", MediaStore.DefaultMaxUploadBytes);
        services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = Math.Max(o.MultipartBodyLengthLimit, maxUpload + UploadOverheadBytes));
        services.Configure<KestrelServerOptions>(o =>
        {
            if (o.Limits.MaxRequestBodySize is { } limit && limit < maxUpload + UploadOverheadBytes)
                o.Limits.MaxRequestBodySize = maxUpload + UploadOverheadBytes;
        });

        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });

        services.AddOpenApi(DocumentName, o =>
        {
            o.ShouldInclude = d => d.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Broadsheet API",
                    Version = "1",
                    Description = "The Admin API (/api/admin, needs an API key) and the public, read-only Content API (/api/content). Errors are problem details (RFC 9457).",
                };
                document.AddComponent<IOpenApiSecurityScheme>(ApiKeyAuthenticationHandler.SchemeName, new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An Admin API key (bs_<prefix>_<secret>) from /admin/api-keys, as 'Authorization: Bearer <key>' or in the X-Api-Key header.",
                });
                var requirement = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, document)] = [] };
                foreach (var (path, item) in document.Paths)
                {
                    if (!path.StartsWith("/api/admin", StringComparison.Ordinal)) continue;
                    foreach (var operation in item.Operations?.Values.AsEnumerable() ?? [])
                    {
                        operation.Security ??= [];
                        operation.Security.Add(requirement);
                    }
                }
                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>Room for the multipart envelope and the other form fields around the file.</summary>
    private const long UploadOverheadBytes = 64 * 1024;

    private static string? BareStatusDetail(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "A value in the address could not be read; numbers such as page, pageSize, id and version must be whole numbers.",
        StatusCodes.Status404NotFound => "There is nothing at this address. The API is described at /openapi/v1.json.",
        StatusCodes.Status405MethodNotAllowed => "This address does not take that method. The API is described at /openapi/v1.json.",
        StatusCodes.Status415UnsupportedMediaType => "Send JSON with 'Content-Type: application/json' (uploads: multipart/form-data).",
        _ => null,
    };

    public static WebApplication MapBroadsheetApi(this WebApplication app)
    {
        // API errors are always problem JSON: a bare status (a binding failure, an unknown route,
        // 415 for a body that is not JSON) gets a problem body here instead of the site's HTML error pages.
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), api => api.Use(async (context, next) =>
        {
            if (context.Features.Get<IStatusCodePagesFeature>() is { } pages) pages.Enabled = false;
            await next(context);
            var response = context.Response;
            if (response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
                await context.RequestServices.GetRequiredService<IProblemDetailsService>()
                    .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = { Status = response.StatusCode, Detail = BareStatusDetail(response.StatusCode) } });
        }));

        app.MapMedia();
        app.MapAdminApi();
        app.MapContentApi();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        return app;
    }
}
