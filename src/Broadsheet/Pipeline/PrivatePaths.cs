namespace Broadsheet.Pipeline;

/// <summary>
/// The addresses that are not public pages, the one list both the public-page cache (<see cref="OutputCaching"/>)
/// and the conditional GET (<see cref="ConditionalGetMiddleware"/>) leave alone. Everything else the site
/// answers (the home page, posts, standalone pages at <c>/{slug}</c>, archives, tags, feeds, search) is
/// the same for every reader and gets both.
/// <list type="bullet">
/// <item><c>/admin</c>: the admin pages (preview, the account pages and the admin's own assets included), rendered
/// for one person; they carry <c>Cache-Control: no-store</c> (<see cref="SecurityHeaders"/>).</item>
/// <item><c>/api</c>: the Admin API answers per key; the Content API is public but brings its own cache
/// policy (it varies by query: <c>Features/Api/ContentApi.cs</c>).</item>
/// <item><c>/media</c> and <c>/css</c>: files at content-hashed, immutable addresses with their own ETags; buffering
/// them to hash them again, or copying uploads into the page cache, would only cost memory.</item>
/// <item><c>/error</c>: the error page stands in for another request's failure and is never a page of its own.</item>
/// <item><c>/subscribe</c>, <c>/unsubscribe</c> and <c>/preferences</c>: a subscriber's emailed links (their addresses
/// hold tokens, and their pages answer one person) and the subscribe form's answers.</item>
/// </list>
/// The two lists this replaces also held <c>/account</c> (the cache's) and <c>/js</c> and <c>/health</c> (the
/// conditional GET's). Nothing in the app answers those addresses (the account pages live under
/// <c>/admin/account</c>, there is no script folder or health endpoint), so all three only ever reached a
/// standalone page with that slug, a public page like any other: it is now cached and validated like any other.
/// </summary>
public static class PrivatePaths
{
    public static readonly IReadOnlyList<PathString> Prefixes = ["/admin", "/api", "/media", "/css", "/error", "/subscribe", "/unsubscribe", "/preferences"];

    /// <summary>True when <paramref name="path"/> is one of <see cref="Prefixes"/> or below one (by whole segments: <c>/administration</c> is public).</summary>
    public static bool Contains(PathString path)
    {
        foreach (var prefix in Prefixes)
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
