using System.Text.Json;

namespace Broadsheet.Data.WorkQueue;

/// <summary>
/// Does one kind of work (<c>services.AddWork&lt;ImportWork&gt;("import")</c>). A handler is resolved in a
/// scope of its own for each attempt. It may run more than once for one item (a node that dies after the
/// work but before the item is marked done, a lease that expired under a stalled node), so it must be
/// idempotent: see README.md beside this file.
/// Returning finishes the item; throwing retries it after a back-off, until its attempts are spent;
/// <see cref="WorkFailedException"/> fails it at once (the work can never succeed, retrying is pointless).
/// </summary>
public interface IWorkHandler
{
    Task RunAsync(WorkContext work, CancellationToken cancellationToken);
}

/// <summary>The work cannot succeed however often it is tried (a bad file, a refused address): fail the item now.</summary>
public sealed class WorkFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The item a handler is running, and its way to save progress.</summary>
public sealed class WorkContext
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Func<string, CancellationToken, Task<bool>> saveCheckpoint;

    internal WorkContext(WorkItem item, Func<string, CancellationToken, Task<bool>> saveCheckpoint)
    {
        Id = item.Id;
        Kind = item.Kind;
        Payload = item.Payload;
        Attempt = item.Attempts;
        MaxAttempts = item.MaxAttempts;
        Checkpoint = item.Checkpoint;
        this.saveCheckpoint = saveCheckpoint;
    }

    public long Id { get; }
    public string Kind { get; }
    public string Payload { get; }

    /// <summary>This attempt's number, from 1.</summary>
    public int Attempt { get; }
    public int MaxAttempts { get; }

    /// <summary>If this attempt throws, the item fails for good (a handler records that on its own rows too).</summary>
    public bool IsLastAttempt => Attempt >= MaxAttempts;

    /// <summary>What an earlier attempt saved with <see cref="SaveCheckpointAsync"/> (null: start from the beginning).</summary>
    public string? Checkpoint { get; private set; }

    public T Read<T>() => JsonSerializer.Deserialize<T>(Payload, Json) ?? throw new WorkFailedException($"Work item {Id} ({Kind}) has an empty payload.");

    internal static string Write<T>(T payload) => JsonSerializer.Serialize(payload, Json);

    /// <summary>
    /// Saves how far the work got, so an attempt after this one (on any node) starts from there. Save it
    /// after the work it describes is committed. Throws <see cref="OperationCanceledException"/> when this
    /// node no longer holds the item (its lease expired and another node claimed it): stop, the other runs it.
    /// </summary>
    public async Task SaveCheckpointAsync(string checkpoint, CancellationToken cancellationToken)
    {
        if (!await saveCheckpoint(checkpoint, cancellationToken))
            throw new OperationCanceledException($"Work item {Id} was claimed by another node; this attempt stops.");
        Checkpoint = checkpoint;
    }
}
