namespace Broadsheet.Pipeline;

/// <summary>
/// Strict headers on every response, public or admin. The CSP allows no inline script or style
/// anywhere (JSON-LD data blocks are not scripts), images from anywhere over HTTPS (posts embed
/// them), and video frames only from the embed hosts the sanitiser lets through. Admin pages are
/// never stored by the browser or a proxy. A response that already carries its own CSP (uploaded
/// files, <c>MediaEndpoints</c>) keeps it. No page may be framed, except one marked <see cref="AllowFramingAttribute"/>
/// (a newsletter's embeddable form), which other sites may frame: <c>Newsletters:EmbedFrameAncestors</c>, a CSP
/// source list, default <c>*</c> (any site), and no X-Frame-Options, which can only say DENY or SAMEORIGIN.
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next, IConfiguration configuration)
{
    private readonly string framablePolicy = ContentSecurityPolicy.Replace("frame-ancestors 'none'",
        "frame-ancestors " + configuration.GetValue("Newsletters:EmbedFrameAncestors", "*"), StringComparison.Ordinal);

    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
        "frame-src https://www.youtube-nocookie.com https://www.youtube.com https://player.vimeo.com; " +
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    /// <summary>No page here needs the camera, microphone, location, payments or USB; embedded frames may not ask either.</summary>
    public const string PermissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            var framable = http.GetEndpoint()?.Metadata.GetMetadata<AllowFramingAttribute>() is not null;
            // A response that set its own policy keeps it: /media/* sends a stricter sandboxing one, which
            // this site-wide policy (it allows our scripts) must not replace.
            if (string.IsNullOrEmpty(headers.ContentSecurityPolicy)) headers.ContentSecurityPolicy = framable ? framablePolicy : ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            if (!framable) headers.XFrameOptions = "DENY";
            headers["Permissions-Policy"] = PermissionsPolicy;
            if (http.Request.Path.StartsWithSegments("/admin"))
                headers.CacheControl = "no-store";
            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}

/// <summary>Marks a page other sites may show in a frame (see <see cref="SecurityHeaders"/>): the newsletter embed only.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class AllowFramingAttribute : Attribute;
