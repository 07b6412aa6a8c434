using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Broadsheet.Data;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Subscribers;

/// <summary>
/// The antiforgery check of the public subscribe forms (the site's sidebar, /newsletters, a newsletter's page and the
/// embed), which cannot be ASP.NET's cookie-paired token:
/// <list type="bullet">
/// <item>The embed lives in a partner's page, a third-party iframe. Browsers send no SameSite=Strict or Lax cookie
/// with a POST from a cross-site frame, and Safari and Firefox partition or block third-party cookies outright, so a
/// cookie-paired token would fail there for most readers.</item>
/// <item>The sidebar form is on every public page, which the output cache shares between readers. A cookie-paired
/// token sets a cookie and is per reader, so the pages could no longer be cached.</item>
/// </list>
/// So the form carries a token that needs no cookie: the minute it was made and an HMAC of it under the site's
/// <see cref="MailLinkKey"/> (valid for <see cref="ValidFor"/>, so a cached page's form keeps working). It proves the
/// post came from a form this site served, not a script that never fetched one. What antiforgery is for, refusing a
/// post that another site's page makes a reader's browser send, is done by the <c>Origin</c> header, which every
/// browser sends with a cross-origin POST: a post whose Origin is not this site is refused. (A subscribe form carries no
/// ambient authority, and double opt-in means nobody is subscribed by a forged post anyway; the check keeps the
/// form from being driven by other sites.)
/// </summary>
public sealed class SubscribeFormToken(BroadsheetDb db, MailLinkKeyCache keys, TimeProvider clock)
{
    public const string FieldName = "formToken";
    public static readonly TimeSpan ValidFor = TimeSpan.FromDays(2);

    public async Task<string> MakeAsync(CancellationToken cancellationToken = default)
    {
        var minute = Minute();
        return minute.ToString(CultureInfo.InvariantCulture) + "." + Mac(await keys.GetAsync(db, cancellationToken), minute);
    }

    public async Task<bool> IsValidAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100) return false;
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !long.TryParse(token.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var minute)) return false;
        var age = Minute() - minute;
        // A few minutes into the future for another node's clock.
        if (age < -5 || age > (long)ValidFor.TotalMinutes) return false;
        var expected = Mac(await keys.GetAsync(db, cancellationToken), minute);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(token[(dot + 1)..]));
    }

    /// <summary>
    /// False when the browser said the post came from another origin than this site's (its address, or the one the
    /// request was made at). A request without an Origin header (an old browser, a script) is left to the token.
    /// </summary>
    public static bool OriginIsOurs(HttpRequest request, Site site)
    {
        if (request.Headers.Origin is not { Count: > 0 } origins) return true;
        var origin = origins.ToString();
        var own = $"{request.Scheme}://{request.Host}";
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
               || (site.HasAddress && Uri.TryCreate(site.BaseUrl, UriKind.Absolute, out var address)
                   && string.Equals(origin, address.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase));
    }

    private long Minute() => clock.GetUtcNow().ToUnixTimeSeconds() / 60;

    private static string Mac(byte[] key, long minute)
    {
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"broadsheet-subscribe-form\n{minute}")));
        return Convert.ToBase64String(mac.AsSpan(0, 16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}

/// <summary>
/// Subscribe requests per client address (<see cref="ClientAddress.KeyOf(HttpContext)"/>), for every node together:
/// <c>Subscribers:MaxRequestsPerAddress</c> per <c>Subscribers:RequestWindow</c> (20 an hour: a stall at a rally
/// signs people up from one network). Past it the form answers 429 with Retry-After.
/// </summary>
public sealed class SubscribeThrottle(AddressLimits limits, BroadsheetDb db, TimeProvider clock, IConfiguration configuration)
{
    private readonly AddressBudget requests = new("subscribe",
        configuration.GetValue("Subscribers:MaxRequestsPerAddress", 20),
        configuration.GetValue("Subscribers:RequestWindow", TimeSpan.FromHours(1)));

    /// <summary>Counts this request; null when it may go ahead, else how long until the address may try again.</summary>
    public async Task<TimeSpan?> WaitAsync(HttpContext context)
    {
        var address = ClientAddress.KeyOf(context);
        if (await limits.CountAsync(requests, address, context.RequestAborted) <= requests.Limit) return null;
        var ends = await db.AddressCounters.Where(c => c.Budget == requests.Name && c.Address == address).Select(c => (DateTime?)c.WindowEndsAt).FirstOrDefaultAsync(context.RequestAborted);
        var wait = (ends ?? clock.GetUtcNow().UtcDateTime + requests.Window) - clock.GetUtcNow().UtcDateTime;
        return wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
    }
}

/// <summary>
/// The public subscriber forms are a few short fields: their body is read under a small limit
/// (<see cref="UploadLimit.FormOverheadBytes"/>, 64 KB) before anything else reads it, so an oversized post gets a
/// plain 413 and a malformed one a 400, never the server's 30 MB read or a bare error.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SmallFormAttribute : Attribute, IAsyncAuthorizationFilter, IOrderedFilter
{
    /// <summary>Before the antiforgery filter (1000), as <see cref="UploadLimitAttribute"/>.</summary>
    public int Order => 900;

    public async Task OnAuthorizationAsync(AuthorizationFilterContext context)
    {
        var http = context.HttpContext;
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.HasFormContentType) return;
        var (outcome, _) = await UploadLimit.ReadFormAsync(http, 0, http.RequestAborted);
        context.Result = outcome switch
        {
            UploadLimit.Outcome.TooLarge => Plain(StatusCodes.Status413PayloadTooLarge, "That form was far too large. A subscribe form needs only an email address, a name and a few newsletters."),
            UploadLimit.Outcome.Unreadable => Plain(StatusCodes.Status400BadRequest, "The form could not be read (it was malformed or cut off). Go back and try again."),
            _ => null,
        };
    }

    private static ContentResult Plain(int status, string text) => new() { StatusCode = status, Content = text, ContentType = "text/plain; charset=utf-8" };
}
