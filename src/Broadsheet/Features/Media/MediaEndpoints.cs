using Microsoft.Net.Http.Headers;

namespace Broadsheet.Features.Media;

/// <summary>
/// Serves uploaded files at <c>/media/{stored name}</c>. The name is the content hash, so the bytes
/// behind a URL never change: a year-long immutable cache lifetime and the hash as ETag are honest.
/// The type is the one sniffed at upload (never guessed by the browser: nosniff), and a sandbox CSP
/// keeps even a hostile PDF from scripting our origin. Word and OpenDocument files download.
/// </summary>
public static class MediaEndpoints
{
    public static IEndpointRouteBuilder MapMedia(this IEndpointRouteBuilder app)
    {
        app.MapGet("/media/{name}", (string name, HttpContext context, MediaStore store) =>
        {
            if (store.PathOf(name) is not { } path || !File.Exists(path)) return Results.NotFound();
            var extension = name[(name.LastIndexOf('.') + 1)..];
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.CacheControl = "public, max-age=31536000, immutable";
            headers.ContentSecurityPolicy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";
            if (extension is "docx" or "odt")
                headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = name }.ToString();
            var etag = new EntityTagHeaderValue("\"" + name[..name.IndexOf('.')] + "\"");
            return Results.File(path, MediaSniffer.ContentTypes[extension], entityTag: etag, enableRangeProcessing: true);
        })
        .WithName("GetMediaFile")
        .ExcludeFromDescription();
        return app;
    }
}
