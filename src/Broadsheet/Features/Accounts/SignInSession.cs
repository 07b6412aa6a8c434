using Broadsheet.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Features.Accounts;

/// <summary>
/// One signed-in browser. The sign-in cookie carries this record's id (in its authentication properties, which
/// survive Identity's refreshes of the cookie), and a cookie whose record is gone is refused. Signing out deletes
/// the record, so a copy of the cookie taken before then is worth nothing afterwards, on every node.
/// </summary>
public sealed class SignInSession
{
    public required string Id { get; set; }
    public required string UserId { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>When the cookie stops working unless it is renewed (sliding expiration moves both); expired records are pruned.</summary>
    public DateTime ExpiresAt { get; set; }
}

internal sealed class SignInSessionConfiguration : IEntityTypeConfiguration<SignInSession>
{
    public void Configure(EntityTypeBuilder<SignInSession> session)
    {
        session.Property(s => s.Id).HasMaxLength(64);
        session.HasIndex(s => s.UserId);
        session.HasOne<User>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>
/// Starts, checks and ends <see cref="SignInSession"/>s from the sign-in cookie's events (see
/// <see cref="AccountsSetup"/>). Every check reads the database: it is one lookup by key, only for requests that
/// carry a sign-in cookie, and it makes a sign-out hold on every node at once.
/// </summary>
public static class SignInSessions
{
    /// <summary>The key in the cookie's authentication properties that holds the session id.</summary>
    public const string PropertyKey = "broadsheet.session";

    /// <summary>OnSigningIn: a new sign-in gets a new record; a refresh of an existing session (new role, new stamp) keeps its own.</summary>
    public static async Task SigningInAsync(CookieSigningInContext context)
    {
        if (context.Properties.Items.ContainsKey(PropertyKey)) return;
        var userId = context.Principal?.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;
        if (userId is null) return;
        var (db, now) = Services(context.HttpContext);
        var cancel = context.HttpContext.RequestAborted;
        // Sign-in is the moment an account's expired records are tidied away.
        await db.SignInSessions.Where(s => s.UserId == userId && s.ExpiresAt < now).ExecuteDeleteAsync(cancel);
        var session = new SignInSession
        {
            Id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)),
            UserId = userId,
            CreatedAt = now,
            ExpiresAt = context.Properties.ExpiresUtc?.UtcDateTime ?? now + context.Options.ExpireTimeSpan,
        };
        db.Add(session);
        await db.SaveChangesAsync(cancel);
        context.Properties.Items[PropertyKey] = session.Id;
    }

    /// <summary>
    /// OnValidatePrincipal around Identity's security-stamp check: a cookie without a live record is refused
    /// (and removed); a cookie the stamp check renews keeps its record as long as the new cookie lives.
    /// </summary>
    public static Func<CookieValidatePrincipalContext, Task> Validating(Func<CookieValidatePrincipalContext, Task> stampCheck) => async context =>
    {
        var id = context.Properties.Items.TryGetValue(PropertyKey, out var value) ? value : null;
        var (db, now) = Services(context.HttpContext);
        if (id is null || !await db.SignInSessions.AnyAsync(s => s.Id == id, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(context.Scheme.Name);
            return;
        }
        await stampCheck(context);
        if (context.ShouldRenew && context.Principal is not null) await ExtendAsync(db, id, now + context.Options.ExpireTimeSpan, context.HttpContext.RequestAborted);
    };

    /// <summary>OnCheckSlidingExpiration: when the cookie slides, its record slides with it.</summary>
    public static async Task SlidingAsync(CookieSlidingExpirationContext context)
    {
        if (!context.ShouldRenew || !context.Properties.Items.TryGetValue(PropertyKey, out var id) || id is null) return;
        var (db, now) = Services(context.HttpContext);
        await ExtendAsync(db, id, now + context.Options.ExpireTimeSpan, context.HttpContext.RequestAborted);
    }

    /// <summary>Signs this browser out and deletes its session record, so the cookie stops working even where it was copied.</summary>
    public static async Task SignOutAsync(HttpContext http, SignInManager<User> signIn)
    {
        var current = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (current.Properties?.Items.TryGetValue(PropertyKey, out var id) == true && id is not null)
            await Services(http).Db.SignInSessions.Where(s => s.Id == id).ExecuteDeleteAsync(http.RequestAborted);
        await signIn.SignOutAsync();
    }

    /// <summary>Ends every session of an account at once, on every node (sign out everywhere).</summary>
    public static Task<int> EndAllAsync(HttpContext http, string userId) =>
        Services(http).Db.SignInSessions.Where(s => s.UserId == userId).ExecuteDeleteAsync(http.RequestAborted);

    private static Task<int> ExtendAsync(BroadsheetDb db, string id, DateTime expiresAt, CancellationToken cancellationToken) =>
        db.SignInSessions.Where(s => s.Id == id && s.ExpiresAt < expiresAt)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.ExpiresAt, expiresAt), cancellationToken);

    private static (BroadsheetDb Db, DateTime Now) Services(HttpContext http) =>
        (http.RequestServices.GetRequiredService<BroadsheetDb>(), http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
}
