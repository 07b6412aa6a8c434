using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Broadsheet.Features.Shared;

/// <summary>
/// Reads an upload form under the upload's own limit, so a file that is too large gets "too large"
/// and never a bare 400. Without this, Kestrel's server-wide body limit (30 MB unless configured) or the
/// form reader's stopped the read, and the antiforgery check, which reads the form first, turned that
/// into its own 400. The limit is set on the request before anything reads it, so it holds whether the
/// body announces its length or is chunked; a body that announces more than the limit is not read at all.
/// The form reader buffers files above 64 KB to temporary files that are deleted when the request ends,
/// also when the read stopped half-way.
/// </summary>
public static class UploadLimit
{
    /// <summary>Room for the form's other fields and the multipart framing.</summary>
    public const long FormOverheadBytes = 64 * 1024;

    public enum Outcome
    {
        Read,
        TooLarge,
        Unreadable,
    }

    /// <summary>Reads the request's form, allowing a file of up to <paramref name="limit"/> bytes.</summary>
    public static async Task<(Outcome Outcome, IFormCollection? Form)> ReadFormAsync(HttpContext http, long limit, CancellationToken cancellationToken)
    {
        var bodyLimit = limit + FormOverheadBytes;
        if (http.Request.ContentLength > bodyLimit) return (Outcome.TooLarge, null);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = bodyLimit;
        http.Features.Set<IFormFeature>(new FormFeature(http.Request, new FormOptions { MultipartBodyLengthLimit = bodyLimit }));
        try
        {
            return (Outcome.Read, await http.Request.ReadFormAsync(cancellationToken));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (Outcome.TooLarge, null);
        }
        catch (InvalidDataException e)
        {
            // "Multipart body length limit … exceeded" (a server that does not enforce the body limit itself);
            // the form reader's other refusals are of malformed forms.
            return (e.Message.Contains("length limit", StringComparison.OrdinalIgnoreCase) ? Outcome.TooLarge : Outcome.Unreadable, null);
        }
        catch (IOException)
        {
            // The client stopped sending half-way (BadHttpRequestException is an IOException too).
            return (Outcome.Unreadable, null);
        }
    }

    /// <summary>The words the upload pages and the media API use for a malformed or cut-off upload.</summary>
    public const string UnreadableMessage = "The upload could not be read (the form was malformed or cut off). Try again.";
}

/// <summary>
/// For a Razor page with an upload form: reads a POST's form under the limit configured as
/// <paramref name="setting"/> before the antiforgery filter reads it. A file that is too large sends the
/// browser back to the page with <c>?tooLarge=true</c>, where the page says so; the redirect changes
/// nothing, so it needs no antiforgery token (which is inside the unread body).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class UploadLimitAttribute(string setting, long defaultBytes) : Attribute, IAsyncAuthorizationFilter, IOrderedFilter
{
    /// <summary>Before the antiforgery filter (1000), like ASP.NET's own RequestSizeLimit (900).</summary>
    public int Order => 900;

    public async Task OnAuthorizationAsync(AuthorizationFilterContext context)
    {
        var http = context.HttpContext;
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.HasFormContentType) return;
        var limit = http.RequestServices.GetRequiredService<IConfiguration>().GetValue(setting, defaultBytes);
        var (outcome, _) = await UploadLimit.ReadFormAsync(http, limit, http.RequestAborted);
        context.Result = outcome switch
        {
            UploadLimit.Outcome.TooLarge => new RedirectResult($"{http.Request.PathBase}{http.Request.Path}?tooLarge=true"),
            UploadLimit.Outcome.Unreadable => new ContentResult { StatusCode = StatusCodes.Status400BadRequest, Content = UploadLimit.UnreadableMessage, ContentType = "text/plain; charset=utf-8" },
            _ => null,
        };
    }
}
