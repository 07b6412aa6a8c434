using System.Net;
using System.Text.Json.Nodes;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Api;

/// <summary>The OpenAPI document, as a client generator would read it.</summary>
public sealed class OpenApiTests
{
    [Fact]
    public async Task The_document_is_valid_json_and_describes_every_api_endpoint()
    {
        await using var app = new BroadsheetFactory();
        var document = await (await app.CreateClient().GetAsync("/openapi/v1.json")).JsonAsync(HttpStatusCode.OK);
        Assert.StartsWith("3.", (string)document["openapi"]!);
        var paths = document["paths"]!.AsObject();

        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Path: Normalise(e.RoutePattern.RawText!), Method: m.ToLowerInvariant())))
            .ToList();
        Assert.True(endpoints.Count >= 30, $"only {endpoints.Count} API endpoints found");
        foreach (var (path, method) in endpoints)
        {
            Assert.True(paths.ContainsKey(path), $"{path} is not in the OpenAPI document");
            var operation = paths[path]![method];
            Assert.True(operation is not null, $"{method.ToUpperInvariant()} {path} is not in the OpenAPI document");
            Assert.False(string.IsNullOrEmpty((string?)operation!["operationId"]), $"{method} {path} has no name");
            Assert.False(string.IsNullOrEmpty((string?)operation["summary"]), $"{method} {path} has no summary");
            var secured = operation["security"] is JsonArray { Count: > 0 };
            Assert.Equal(path.StartsWith("/api/admin", StringComparison.Ordinal), secured);
        }

        Assert.Equal("bearer", (string)document["components"]!["securitySchemes"]!["ApiKey"]!["scheme"]!);
        Assert.NotNull(paths["/api/admin/posts"]!["post"]!["requestBody"]);
        Assert.NotNull(document["components"]!["schemas"]!["PostInput"]);
    }

    /// <summary>"/api/admin/posts/{id:int}" → "/api/admin/posts/{id}", "/api/admin/posts/" → "/api/admin/posts".</summary>
    private static string Normalise(string route)
    {
        var path = System.Text.RegularExpressions.Regex.Replace(route, "\\{([^}:]+)(:[^}]+)?\\}", "{$1}");
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }
}
