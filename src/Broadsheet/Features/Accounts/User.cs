using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Features.Accounts;

/// <summary>A person who can sign in to the admin. Roles: see <see cref="Roles"/>.</summary>
public sealed class User : IdentityUser
{
    public string DisplayName { get; set; } = "";
    public DateTime CreatedAt { get; set; }

    /// <summary>The last authenticator time step (Unix time / 30 s) a code was accepted for; that code and older ones are refused.</summary>
    public long? LastTotpTimeStep { get; set; }
}

/// <summary>The admin roles, from most to least powerful.</summary>
public static class Roles
{
    public const string Owner = "Owner";
    public const string Administrator = "Administrator";
    public const string Editor = "Editor";
    public const string Author = "Author";
    public const string Contributor = "Contributor";

    public static readonly string[] All = [Owner, Administrator, Editor, Author, Contributor];
}

/// <summary>A key an integration uses for the Admin API. Only a hash of the secret is stored.</summary>
public sealed class ApiKey
{
    public int Id { get; set; }
    public required string Name { get; set; }
    /// <summary>The first characters of the key, shown in the UI so people can tell keys apart.</summary>
    public required string Prefix { get; set; }
    public required string SecretHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public string? CreatedByUserId { get; set; }

    /// <summary>
    /// What the key may do, as one of <see cref="ApiKeyRoles.All"/>: an Editor key works on content (posts,
    /// pages, tags, media, search); an Administrator key may also change the site's settings. Keys made
    /// before roles existed are Administrator keys, which is what every key could do then.
    /// </summary>
    public string Role { get; set; } = Roles.Editor;
}

/// <summary>The roles an API key can be given. The Admin API has no "own posts", so no Author or Contributor keys.</summary>
public static class ApiKeyRoles
{
    public static readonly string[] All = [Roles.Editor, Roles.Administrator];
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> user) => user.Property(u => u.DisplayName).HasMaxLength(300);
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> key)
    {
        key.Property(k => k.Name).HasMaxLength(200);
        key.Property(k => k.Prefix).HasMaxLength(20);
        key.Property(k => k.Role).HasMaxLength(32);
        key.Property(k => k.SecretHash).HasMaxLength(100);
        key.HasIndex(k => k.Prefix).IsUnique();
    }
}
