using Broadsheet.Data.WorkQueue;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Authors;
using Broadsheet.Features.Import;
using Broadsheet.Features.Media;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Redirects;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Shared;
using Broadsheet.Features.Tags;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Data;

/// <summary>
/// The one database of a Broadsheet site. Handlers take it directly (no repository layer).
/// Each provider has its own subclass only so that each can own a migrations set
/// (EF Core: "Migrations with multiple providers", one context type per provider).
/// </summary>
public class BroadsheetDb : IdentityDbContext<User>, IDataProtectionKeyContext
{
    protected BroadsheetDb(DbContextOptions options) : base(options) { }

    public DbSet<Post> Posts => Set<Post>();
    public DbSet<PostAuthor> PostAuthors => Set<PostAuthor>();
    public DbSet<PostRevision> PostRevisions => Set<PostRevision>();
    public DbSet<Comment> Comments => Set<Comment>();
    public DbSet<Author> Authors => Set<Author>();
    public DbSet<Tag> Tags => Set<Tag>();
    public DbSet<Redirect> Redirects => Set<Redirect>();
    public DbSet<SiteSettings> SiteSettings => Set<SiteSettings>();
    public DbSet<MediaFile> Media => Set<MediaFile>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<ContentState> ContentState => Set<ContentState>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<ImportJob> ImportJobs => Set<ImportJob>();
    public DbSet<AddressCounter> AddressCounters => Set<AddressCounter>();
    public DbSet<SignInSession> SignInSessions => Set<SignInSession>();
    public DbSet<WorkItem> WorkItems => Set<WorkItem>();

    /// <summary>Which database engine this context talks to; the one place that may branch on it is search.</summary>
    public virtual DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(BroadsheetDb).Assembly);
    }
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>The SQLite flavour of <see cref="BroadsheetDb"/>; owns Data/Migrations/Sqlite.</summary>
public sealed class SqliteBroadsheetDb(DbContextOptions<SqliteBroadsheetDb> options) : BroadsheetDb(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override void ConfigureConventions(ModelConfigurationBuilder configuration)
    {
        // SQLite stores DateTime as ISO text (which sorts correctly) but forgets its Kind;
        // everything Broadsheet stores is UTC, so say so on the way back.
        configuration.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configuration.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }
}

/// <summary>The PostgreSQL flavour of <see cref="BroadsheetDb"/>; owns Data/Migrations/Postgres.</summary>
public sealed class PostgresBroadsheetDb(DbContextOptions<PostgresBroadsheetDb> options) : BroadsheetDb(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.Postgres;
}

internal sealed class UtcDateTimeConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
