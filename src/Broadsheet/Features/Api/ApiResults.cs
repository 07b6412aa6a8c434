using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Broadsheet.Features.Api;

/// <summary>The API's answers when something is wrong: problem details (RFC 9457) with a sentence a person can act on.</summary>
public static class ApiResults
{
    public static IResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static IResult Stale(string what, int current) =>
        TypedResults.Problem(
            $"The {what} was changed by someone else since you read it (it is now at version {current}). Fetch it again, reapply your change and send the new version.",
            statusCode: StatusCodes.Status409Conflict,
            title: "Edit conflict",
            extensions: new Dictionary<string, object?> { ["currentVersion"] = current });

    public static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult Invalid(Dictionary<string, string[]> errors) => TypedResults.ValidationProblem(errors);

    public static IResult TooLarge(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status413PayloadTooLarge, title: "Too large");
}

/// <summary>
/// Reads a JSON request body by hand, so that a malformed body answers 400 with what is wrong and
/// where (minimal APIs' own binding answers a bare 400), and an empty body is named as such.
/// </summary>
public static class ApiJson
{
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request) where T : class
    {
        if (!request.HasJsonContentType())
            return (null, ApiResults.Invalid("body", "Send a JSON body with 'Content-Type: application/json'."));
        var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, options, request.HttpContext.RequestAborted);
            return value is null ? (null, ApiResults.Invalid("body", "The JSON body is empty (null).")) : (value, null);
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 1 } path ? $" at {path}" : "";
            var line = e.LineNumber is { } l ? $" (line {l + 1}, position {e.BytePositionInLine + 1})" : "";
            return (null, ApiResults.Invalid(e.Path is { Length: > 1 } p ? p.TrimStart('$', '.') : "body", $"The JSON body could not be read{where}{line}: {Reason(e)}"));
        }
    }

    /// <summary>The serializer's own message says what it expected; strip its internal type names and path (given separately).</summary>
    private static string Reason(JsonException e)
    {
        var message = e.InnerException?.Message ?? e.Message;
        foreach (var marker in (string[])[" Path:", " LineNumber:"])
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
        }
        return message.TrimEnd('.', ' ', '|') + ".";
    }
}
