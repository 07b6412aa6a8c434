using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Broadsheet.Features.Api;

/// <summary>
/// Admin API keys. A key reads <c>bs_&lt;prefix&gt;_&lt;secret&gt;</c>: the prefix (10 hex digits) is
/// stored in the clear to find the row and to tell keys apart in the UI; the secret (32 random
/// bytes, base64url) is shown once and only its SHA-256 is stored.
/// <para>
/// Why plain SHA-256 and not PBKDF2/bcrypt: those slow hashes exist to protect low-entropy
/// passwords against guessing. A 256-bit random secret cannot be guessed however fast the hash,
/// so a slow hash would only cost CPU on every API request. (An HMAC with a server pepper would add
/// nothing here either: the pepper would live in the same database as the hashes.) The stored and
/// computed hashes are compared in constant time.
/// </para>
/// </summary>
public sealed class ApiKeyService(BroadsheetDb db, TimeProvider clock)
{
    public const string KeyPrefix = "bs_";

    /// <summary>LastUsedAt is written at most this often per key, so a busy integration does not write on every call.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>The longest name a key may have (the column's size).</summary>
    public const int MaxNameLength = 200;

    /// <summary>Why <paramref name="name"/> cannot name a key, or null if it can.</summary>
    public static string? NameProblem(string name) =>
        string.IsNullOrWhiteSpace(name) ? "Give the key a name, such as the integration that will use it."
        : name.Trim().Length > MaxNameLength ? $"A key's name is at most {MaxNameLength} characters."
        : null;

    public Task<List<ApiKey>> ListAsync(CancellationToken cancellationToken = default) =>
        db.ApiKeys.AsNoTracking().OrderBy(k => k.RevokedAt != null).ThenByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id).ToListAsync(cancellationToken);

    /// <summary>Creates a key; the returned full key is the only time the secret exists outside the caller.</summary>
    public async Task<(ApiKey Key, string FullKey)> CreateAsync(string name, string role, string? userId, CancellationToken cancellationToken = default)
    {
        if (!ApiKeyRoles.All.Contains(role)) throw new ArgumentException($"An API key's role is one of {string.Join(", ", ApiKeyRoles.All)}.", nameof(role));
        if (NameProblem(name) is { } problem) throw new ArgumentException(problem, nameof(name));
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var key = new ApiKey
        {
            Name = name.Trim(),
            Prefix = prefix,
            SecretHash = Hash(secret),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            CreatedByUserId = userId,
            Role = role,
        };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        return (key, $"{KeyPrefix}{prefix}_{secret}");
    }

    /// <summary>Revokes a key for good; returns false if there is no such key.</summary>
    public async Task<bool> RevokeAsync(int id, CancellationToken cancellationToken = default)
    {
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, cancellationToken);
        if (key is null) return false;
        key.RevokedAt ??= clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>The key this presented string belongs to, or why it is refused.</summary>
    public async Task<(ApiKey? Key, string? Failure)> VerifyAsync(string presented, CancellationToken cancellationToken = default)
    {
        if (!TryParse(presented, out var prefix, out var secret))
            return (null, "The API key is malformed. Keys look like bs_<prefix>_<secret>.");
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Prefix == prefix, cancellationToken);
        // Hash even when no row matched, so timing does not tell which prefixes exist.
        var matches = CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Hash(secret)),
            Encoding.ASCII.GetBytes(key?.SecretHash ?? new string('0', 64)));
        if (key is null || !matches) return (null, "The API key is not valid.");
        if (key.RevokedAt is { } revoked)
            return (null, $"The API key \"{key.Name}\" was revoked on {revoked:yyyy-MM-dd HH:mm} UTC.");
        var now = clock.GetUtcNow().UtcDateTime;
        if (key.LastUsedAt is not { } last || now - last >= LastUsedResolution)
        {
            key.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }
        return (key, null);
    }

    internal static bool TryParse(string presented, out string prefix, out string secret)
    {
        prefix = secret = "";
        if (!presented.StartsWith(KeyPrefix, StringComparison.Ordinal)) return false;
        var rest = presented.AsSpan(KeyPrefix.Length);
        var separator = rest.IndexOf('_');
        if (separator != 10 || rest.Length - separator - 1 != 43) return false;
        prefix = rest[..separator].ToString();
        secret = rest[(separator + 1)..].ToString();
        return prefix.All(Uri.IsHexDigit);
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// The "ApiKey" authentication scheme: reads <c>Authorization: Bearer &lt;key&gt;</c> or
/// <c>X-Api-Key: &lt;key&gt;</c>. A valid key signs in as the integration, with the key's own role,
/// Editor or Administrator (<see cref="ApiKeyRoles"/>, <see cref="Policies"/>). Failures answer 401 problem details saying what is wrong,
/// never a login redirect, because the callers are programs.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    public const string ApiKeyIdClaim = "broadsheet:api-key-id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Presented(Request);
        if (presented is null) return AuthenticateResult.NoResult();
        var keys = Context.RequestServices.GetRequiredService<ApiKeyService>();
        var (key, failure) = await keys.VerifyAsync(presented, Context.RequestAborted);
        if (key is null) return AuthenticateResult.Fail(failure!);
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, "api-key:" + key.Prefix),
                new Claim(ClaimTypes.Name, key.Name),
                // A role the key cannot have (a hand-edited row) gets the lesser one, never more.
                new Claim(ClaimTypes.Role, ApiKeyRoles.All.Contains(key.Role) ? key.Role : Roles.Editor),
                new Claim(ApiKeyIdClaim, key.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var detail = result.Failure?.Message
                     ?? $"An API key is needed: send it as 'Authorization: Bearer <key>' or '{HeaderName}: <key>'. Administrators create keys at /admin/api-keys.";
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await WriteProblemAsync("Unauthorized", detail);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        var role = Context.User.FindFirstValue(ClaimTypes.Role);
        await WriteProblemAsync("Forbidden", $"This API key is an {role} key and may not do that. An Administrator can make a key with more rights at /admin/api-keys.");
    }

    private async Task WriteProblemAsync(string title, string detail) =>
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = Response.StatusCode, Title = title, Detail = detail },
        });

    private static string? Presented(HttpRequest request)
    {
        if (request.Headers[HeaderName] is [{ Length: > 0 } header]) return header.Trim();
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }
}
