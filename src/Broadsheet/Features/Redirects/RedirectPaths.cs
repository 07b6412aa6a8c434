using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Redirects;

/// <summary>The redirects' data side: the one form old paths are kept in, and the one lookup the pipeline's two redirect steps make.</summary>
public static class RedirectPaths
{
    /// <summary>
    /// The form old paths are stored and looked up in: decoded, with one leading slash, no trailing
    /// slash, no query (Blogger's <c>?m=1</c> mobile variants then match their desktop page).
    /// </summary>
    public static string Normalise(string path)
    {
        var q = path.IndexOfAny(['?', '#']);
        if (q >= 0) path = path[..q];
        if (Uri.TryCreate(path, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
            path = absolute.AbsolutePath;
        path = Uri.UnescapeDataString(path);
        path = "/" + path.Trim('/');
        return path;
    }

    /// <summary>Where an old address (already in its stored form) now leads, or null when it is no old address.</summary>
    public static Task<string?> TargetOfAsync(BroadsheetDb db, string fromPath, CancellationToken cancellationToken) =>
        db.Redirects.AsNoTracking().Where(r => r.FromPath == fromPath).Select(r => r.ToPath).FirstOrDefaultAsync(cancellationToken);
}
