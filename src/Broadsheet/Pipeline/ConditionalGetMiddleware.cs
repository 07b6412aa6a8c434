using System.IO.Hashing;
using Microsoft.Net.Http.Headers;

namespace Broadsheet.Pipeline;

/// <summary>
/// Gives public pages and feeds an ETag (a hash of the bytes) and Last-Modified (the site's last
/// content change), and answers 304 when the reader already has them; addresses that are no public page
/// (<see cref="PrivatePaths"/>) are passed through untouched. It sits inside the output
/// cache, so cached responses carry the same headers and the cache answers 304 on its own.
/// The hash is XxHash128, not a cryptographic one: an ETag only has to change when the page does (a
/// reader cannot choose a page's bytes), and SHA-256 was the only thing a public page used from OpenSSL,
/// whose libcrypto (~4 MB resident) it loaded into every process that served a page.
/// </summary>
public sealed class ConditionalGetMiddleware(RequestDelegate next, Data.ContentChanges changes)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)) || PrivatePaths.Contains(context.Request.Path))
        {
            await next(context);
            return;
        }

        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        var response = context.Response;
        if (response.StatusCode == StatusCodes.Status200OK && !response.Headers.ContainsKey(HeaderNames.SetCookie))
        {
            var hash = XxHash128.Hash(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            var etag = new EntityTagHeaderValue("\"" + Convert.ToBase64String(hash, 0, 12).Replace('+', '-').Replace('/', '_') + "\"");
            response.Headers.ETag = etag.ToString();
            var lastModified = changes.LastModifiedUtc;
            response.Headers.LastModified = lastModified.ToString("R");
            response.Headers.CacheControl = "public, max-age=0, must-revalidate";
            if (IsNotModified(context.Request, etag, lastModified))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                response.ContentLength = null;
                response.Headers.ContentType = default;
                return;
            }
        }
        // An empty error response keeps no Content-Length, so the status-code pages can still write the helpful 404.
        if (!response.HasStarted && response.StatusCode != StatusCodes.Status304NotModified && (buffer.Length > 0 || response.StatusCode < 400))
            response.ContentLength = buffer.Length;
        buffer.Position = 0;
        if (!HttpMethods.IsHead(context.Request.Method)) await buffer.CopyToAsync(original, context.RequestAborted);
    }

    private static bool IsNotModified(HttpRequest request, EntityTagHeaderValue etag, DateTimeOffset lastModified)
    {
        var headers = request.GetTypedHeaders();
        // If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 §13.2.2).
        if (headers.IfNoneMatch is { Count: > 0 } candidates)
            return candidates.Any(c => c.Equals(EntityTagHeaderValue.Any) || c.Compare(etag, useStrongComparison: false));
        return headers.IfModifiedSince is { } since && lastModified <= since;
    }
}
