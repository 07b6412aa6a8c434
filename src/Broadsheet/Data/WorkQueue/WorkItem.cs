using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Data.WorkQueue;

/// <summary>Where a <see cref="WorkItem"/> is in its life (see README.md beside this file).</summary>
public enum WorkState
{
    /// <summary>Waiting for a runner, from <see cref="WorkItem.RunAfter"/> on (a retry waits out its back-off here).</summary>
    Queued = 0,

    /// <summary>Claimed by the node named in <see cref="WorkItem.LeaseOwner"/> until <see cref="WorkItem.LeaseUntil"/>; an expired lease may be claimed again.</summary>
    Running = 1,

    /// <summary>The handler finished it.</summary>
    Done = 2,

    /// <summary>It failed <see cref="WorkItem.MaxAttempts"/> times; <see cref="WorkItem.LastError"/> says why. Never tried again.</summary>
    Failed = 3,
}

/// <summary>Common values of <see cref="WorkItem.Priority"/>; lower runs first.</summary>
public static class WorkPriority
{
    /// <summary>Account mail (invitations, password resets): a person is waiting at a screen.</summary>
    public const int AccountMail = 10;

    /// <summary>Subscribe confirmations and statement verifications: a person is waiting, but there may be floods of them.</summary>
    public const int ConfirmationMail = 20;

    /// <summary>Imports and other work started by an admin.</summary>
    public const int Normal = 50;

    /// <summary>Newsletter batches: many, and nobody waits for one in particular.</summary>
    public const int BulkMail = 70;

    /// <summary>Upkeep nobody waits for (link checks, snapshot fills).</summary>
    public const int Background = 90;
}

/// <summary>
/// One piece of background work that any node may do, once: an import today; deliveries, source fetches
/// and link checks later. The row is the whole state of the work, so a node that dies mid-way loses
/// nothing but its lease, and the next claim after the lease expires carries on from <see cref="Checkpoint"/>.
/// </summary>
public sealed class WorkItem
{
    public long Id { get; set; }

    /// <summary>Which <see cref="IWorkHandler"/> does it (<c>import</c>, …).</summary>
    public required string Kind { get; set; }

    /// <summary>What the handler needs, as JSON; written once at enqueue.</summary>
    public required string Payload { get; set; }

    /// <summary>At most one item of a kind with this key (null: no such rule), so the same work is never queued twice.</summary>
    public string? DedupeKey { get; set; }

    public WorkState State { get; set; }

    /// <summary>
    /// Lower runs first among due items (<see cref="WorkPriority"/>): an account mail is claimed before a newsletter
    /// batch that was queued earlier. Ties go by <see cref="RunAfter"/>.
    /// </summary>
    public int Priority { get; set; } = WorkPriority.Normal;

    /// <summary>Claims so far, the current one included.</summary>
    public int Attempts { get; set; }
    public int MaxAttempts { get; set; }

    /// <summary>Not claimed before this time: when it was queued, or the end of a retry's back-off.</summary>
    public DateTime RunAfter { get; set; }

    /// <summary>The node running it (<see cref="WorkQueueOptions.NodeId"/>), while <see cref="WorkState.Running"/>.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>The owner's lease; renewed by its heartbeat while the handler runs.</summary>
    public DateTime? LeaseUntil { get; set; }

    /// <summary>What the handler saved of its progress (its own JSON), so a reclaimed item resumes rather than restarts.</summary>
    public string? Checkpoint { get; set; }

    /// <summary>The last failure's message, kept while it is retried and when it has failed for good.</summary>
    public string? LastError { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
}

internal sealed class WorkItemConfiguration : IEntityTypeConfiguration<WorkItem>
{
    public void Configure(EntityTypeBuilder<WorkItem> item)
    {
        item.ToTable("WorkItems");
        item.Property(i => i.Kind).HasMaxLength(100);
        item.Property(i => i.DedupeKey).HasMaxLength(300);
        item.Property(i => i.LeaseOwner).HasMaxLength(200);
        item.Property(i => i.LastError).HasMaxLength(4000);
        // The claim's search: due items in order, and expired leases.
        item.HasIndex(i => new { i.State, i.RunAfter });
        item.HasIndex(i => new { i.Kind, i.DedupeKey }).IsUnique();
    }
}
