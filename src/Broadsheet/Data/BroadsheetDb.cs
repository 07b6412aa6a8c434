using Broadsheet.Data.WorkQueue;
using Broadsheet.Email;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Authors;
using Broadsheet.Features.Import;
using Broadsheet.Features.Media;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Redirects;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Shared;
using Broadsheet.Features.Statements;
using Broadsheet.Features.Subscribers;
using Broadsheet.Features.Tags;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Data;

/// <summary>
/// The one database of a Broadsheet site. Handlers take it directly (no repository layer).
/// Each provider has its own subclass (Data/Sqlite, Data/Postgres) so that each can own a migrations set
/// (EF Core: "Migrations with multiple providers", one context type per provider) and name its dialect.
/// </summary>
public abstract class BroadsheetDb : IdentityDbContext<User>, IDataProtectionKeyContext
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
    public DbSet<Newsletter> Newsletters => Set<Newsletter>();
    public DbSet<NewsletterIssue> NewsletterIssues => Set<NewsletterIssue>();
    public DbSet<Subscriber> Subscribers => Set<Subscriber>();
    public DbSet<Subscription> Subscriptions => Set<Subscription>();
    public DbSet<ConsentRecord> ConsentRecords => Set<ConsentRecord>();
    public DbSet<Suppression> Suppressions => Set<Suppression>();
    public DbSet<Delivery> Deliveries => Set<Delivery>();
    public DbSet<DkimKey> DkimKeys => Set<DkimKey>();
    public DbSet<MailLinkKey> MailLinkKeys => Set<MailLinkKey>();
    public DbSet<Statement> Statements => Set<Statement>();
    public DbSet<Signature> Signatures => Set<Signature>();
    public DbSet<ConsentWording> ConsentWordings => Set<ConsentWording>();
    public DbSet<SigningRule> SigningRules => Set<SigningRule>();
    public DbSet<DataExportRecord> DataExportRecords => Set<DataExportRecord>();

    /// <summary>What differs on this context's database engine (<see cref="IDatabaseDialect"/>): ask it, not which engine it is.</summary>
    public abstract IDatabaseDialect Dialect { get; }

    /// <summary>Which database engine this context talks to, for the few callers that still branch on it.</summary>
    public DatabaseProvider Provider => Dialect.Provider;

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
