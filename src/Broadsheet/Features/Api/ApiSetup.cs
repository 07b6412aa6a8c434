using System.Text.Json;
using System.Text.Json.Serialization;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Media;
using Microsoft.AspNetCore.Authentication;
using Microsoft.OpenApi;

namespace Broadsheet.Features.Api;

/// <summary>
/// The services of the Admin API (<c>/api/admin</c>, API keys), the public Content API (<c>/api/content</c>), their
/// OpenAPI document (<c>/openapi/v1.json</c>) and media serving (<c>/media</c>); Program.cs maps each of them.
/// <para>
/// Authentication: the "ApiKey" scheme (<see cref="ApiKeyAuthenticationHandler"/>). Admin API
/// endpoints name that scheme in their policies, so a browser's sign-in cookie never authorises an
/// API call (no CSRF through the API) whatever the default scheme is. The named admin policies
/// (<see cref="Policies"/>) are the accounts feature's. Uploads are read under their own limit (<see cref="Shared.UploadLimit"/>).
/// </para>
/// </summary>
public static class ApiSetup
{
    public const string DocumentName = "v1";

    public static IServiceCollection AddBroadsheetApi(this IServiceCollection services)
    {
        services.AddScoped<ApiKeyService>();
        services.AddScoped<AdminPostsApi.Writes>();
        services.AddSingleton<MediaStore>();

        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
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
}
