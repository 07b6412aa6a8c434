using System.Diagnostics;
using Broadsheet.Features.Posts;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Data;

/// <summary>
/// What a process does to its database before it serves or runs a verb, as one sequence:
/// <list type="number">
/// <item>wait for the database: a node that cannot reach it (a refused connection, a database not created yet,
/// a file that cannot be opened) says so in one line and tries again with backoff for <c>Database:StartupTimeout</c>
/// (default 60 s; containers often start before their database), then stops with <see cref="DatabaseUnreachableException"/>;</item>
/// <item>take the first-start lock (<see cref="DatabaseLocks.FirstStart"/>), so that of several nodes started together
/// on one database one does the rest while the others wait, then find it done;</item>
/// <item>apply pending migrations and make the singleton rows;</item>
/// <item>for <c>serve</c>, make the demo site on a database that never had content.</item>
/// </list>
/// The search fill that follows in the background takes its own lock through the same helper (<see cref="Features.Search.SearchIndexCheck"/>).
/// </summary>
public static class FirstStart
{
    public const string TimeoutKey = "Database:StartupTimeout";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(IServiceProvider services, bool demoContent, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FirstStart).FullName!);
        var timeout = scope.ServiceProvider.GetRequiredService<IConfiguration>().GetValue(TimeoutKey, DefaultTimeout);
        await using (await LockWhenReachableAsync(db, timeout, logger, cancellationToken))
        {
            await MigrateAsync(db, scope.ServiceProvider, cancellationToken);
            // Broadsheet:DemoContent=false turns the first-run demo off (the test host does).
            if (demoContent && scope.ServiceProvider.GetRequiredService<IConfiguration>().GetValue("Broadsheet:DemoContent", true)
                && await scope.ServiceProvider.GetRequiredService<DemoContent>().CreateIfNewAsync(cancellationToken))
                logger.CreatedDemoSite();
        }
    }

    /// <summary>The first-start lock, taken as soon as the database answers; each failed try is one line in the log.</summary>
    private static async Task<IAsyncDisposable> LockWhenReachableAsync(BroadsheetDb db, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken)
    {
        var dialect = db.Dialect;
        var where = dialect.Describe(db.Database.GetConnectionString()!);
        var started = Stopwatch.GetTimestamp();
        var retry = FirstRetry;
        while (true)
        {
            try
            {
                return await dialect.LockAsync(db, DatabaseLocks.FirstStart, cancellationToken);
            }
            catch (Exception e) when (dialect.Unreachable(e) is { } reason)
            {
                var waited = Stopwatch.GetElapsedTime(started);
                var left = timeout - waited;
                if (left <= TimeSpan.Zero)
                    throw new DatabaseUnreachableException($"cannot reach {where}: {reason} (waited {waited.TotalSeconds:0} s, {TimeoutKey} is {timeout})");
                if (retry > left) retry = left;
                logger.CannotReachDatabase(where, reason, retry.TotalSeconds);
                await Task.Delay(retry, cancellationToken);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LongestRetry.Ticks));
            }
        }
    }

    private static async Task MigrateAsync(BroadsheetDb db, IServiceProvider services, CancellationToken cancellationToken)
    {
        // Migrate() also rebuilds the model of the last migration's snapshot and compares it with the code's
        // model (EF's check for model changes without a migration), which on every start of an up-to-date
        // database built a second, design-time model and kept ~4-5 MB of it. Asking first which migrations are
        // pending is one read of the history table; a database with nothing to apply is left alone, and one
        // that needs migrating (a new site, an upgrade, every test's fresh database) gets the full Migrate().
        if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any())
            await db.Database.MigrateAsync(cancellationToken);
        if (!await db.SiteSettings.AnyAsync(cancellationToken))
            db.SiteSettings.Add(new Features.Settings.SiteSettings());
        if (!await db.ContentState.AnyAsync(cancellationToken))
            db.ContentState.Add(new ContentState { ChangedAt = (services.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(cancellationToken);
    }
}

/// <summary>
/// The database could not be reached within <c>Database:StartupTimeout</c>. The command line prints its message, which
/// names the database (never its password), and exits <see cref="ExitCode"/>, instead of an unhandled exception.
/// </summary>
public sealed class DatabaseUnreachableException(string message) : Exception(message)
{
    /// <summary>Not 2 (a setting that cannot be used): the settings may be right and the database late, so a supervisor may try again.</summary>
    public const int ExitCode = 3;
}

/// <summary>First start's log lines, source-generated so a disabled level costs nothing (CA1848).</summary>
internal static partial class FirstStartLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Created a small demo site; import or write your own content to replace it")]
    public static partial void CreatedDemoSite(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot reach {Database}: {Reason}; trying again in {Retry:0.#} s")]
    public static partial void CannotReachDatabase(this ILogger logger, string database, string reason, double retry);
}
