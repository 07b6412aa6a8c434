namespace Broadsheet.Data.WorkQueue;

/// <summary>
/// The queue's settings, from the <c>WorkQueue</c> configuration section. Every time is short enough for
/// a test to set it low (<c>--WorkQueue:LeaseTime=00:00:03</c>) and long enough by default for a busy node.
/// </summary>
public sealed class WorkQueueOptions
{
    /// <summary>This node's name on the leases it holds; unique per process (host name and process id) unless configured.</summary>
    public string NodeId { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>How long a claim holds an item without a heartbeat; a node killed mid-work loses the item this long after its last beat.</summary>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often another node's new work is looked for (work queued on this node wakes its runner at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The first retry's wait; each later one waits twice as long, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan FirstBackoff { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Claims an item gets before it is marked failed, unless its kind or the enqueue says otherwise.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Items this node runs at once.</summary>
    public int Concurrency { get; set; } = 1;

    /// <summary>The heartbeat renews the lease this often: three beats per lease, so one missed beat loses nothing.</summary>
    internal TimeSpan HeartbeatInterval => LeaseTime / 3;

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1, after attempt <paramref name="attempt"/> failed.</summary>
    public TimeSpan BackoffAfter(int attempt)
    {
        var ticks = FirstBackoff.Ticks * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        return ticks >= MaxBackoff.Ticks ? MaxBackoff : TimeSpan.FromTicks((long)ticks);
    }
}
