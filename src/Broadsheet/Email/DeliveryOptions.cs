namespace Broadsheet.Email;

/// <summary>The delivery engine's settings, section <c>Email:Delivery</c> (README.md beside this file says what each does).</summary>
public sealed class DeliveryOptions
{
    /// <summary>A delivery deferred (4xx) for longer than this since its first deferral fails ("deferred too long").</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromHours(72);

    /// <summary>The wait after a delivery's first 4xx; doubled after each later one, up to <see cref="MaxRetry"/>.</summary>
    public TimeSpan FirstRetry { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan MaxRetry { get; set; } = TimeSpan.FromHours(2);

    /// <summary>The wait after a connection failure (refused, dropped, timed out), doubled after each in a row, up to <see cref="MaxRetry"/>.</summary>
    public TimeSpan ConnectionRetry { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deliveries one SMTP connection claims at a time.</summary>
    public int ClaimSize { get; set; } = 100;

    /// <summary>
    /// How long one batch work item sends before it queues the rest as a new item and returns, so account mail and
    /// confirmations (claimed first by priority) wait at most this long behind a big send.
    /// </summary>
    public TimeSpan Slice { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Batch work items an issue's send keeps queued: on PostgreSQL that many nodes can share one send.</summary>
    public int ParallelBatches { get; set; } = 2;

    /// <summary>
    /// How long a claimed or in-flight delivery stays a node's: past it another node takes it (an in-flight one as
    /// uncertain). Longer than any SMTP answer takes (<c>Email:Smtp:Timeout</c>). A SQLite site takes its rows back at start.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>This many recipients in a row refused with the same 5xx answer pause the send rather than suppress them: that answer is about the account or server.</summary>
    public int SameRefusalsPause { get; set; } = 5;

    /// <summary>How long asking for account mail waits for the engine's first attempt, so the page can say it could not be sent.</summary>
    public TimeSpan AccountMailWait { get; set; } = TimeSpan.FromSeconds(20);
}
