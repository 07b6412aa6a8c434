using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Data.WorkQueue;

/// <summary>
/// Wakes this node's <see cref="WorkQueueRunner"/> when another node queues work, so that it need not wait for
/// its next poll: PostgreSQL's LISTEN on a connection of its own, through the dialect
/// (<see cref="IDatabaseDialect.ListenForWorkAsync"/>). The poll stays, for what is queued while the connection is
/// down; a dropped connection is opened again after a second, backing off to a minute. On SQLite (one process,
/// whose queue wakes its own runner) the loop ends at once.
/// </summary>
public sealed class WorkQueueListener(IDatabaseDialect dialect, IServiceScopeFactory scopes, WorkQueue queue, TimeProvider time, ILogger<WorkQueueListener> logger)
    : NodeLoop(time, logger)
{
    protected override string What => "listen for work queued on other nodes";
    protected override TimeSpan Interval => TimeSpan.FromSeconds(1);
    protected override TimeSpan MaxBackoff => TimeSpan.FromMinutes(1);

    protected override Task<bool> RunOnceAsync(CancellationToken stoppingToken) =>
        dialect.ListenForWorkAsync(ConnectionString, queue.Wake, stoppingToken);

    private string ConnectionString()
    {
        using var scope = scopes.CreateScope();
        return scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Database.GetConnectionString()!;
    }
}
