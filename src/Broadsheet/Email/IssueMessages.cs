using Broadsheet.Data;
using MimeKit;

namespace Broadsheet.Email;

/// <summary>One recipient of an issue, as the delivery engine reads it from the delivery and subscriber rows.</summary>
public sealed record IssueRecipient(long DeliveryId, int SubscriberId, string Address, string? Name, string LinkSecret);

/// <summary>What is the same in every message of one issue, worked out once per batch (template, headers, key).</summary>
public sealed class PreparedIssue
{
    public required int IssueId { get; init; }
    public required int NewsletterId { get; init; }
}

/// <summary>
/// Makes an issue's message for one recipient. LEAD'S CONTRACT: helper C implements it (HTML with inline CSS beside a
/// plain-text part, the web link at the top, personal unsubscribe and preference links, List-Unsubscribe,
/// List-Unsubscribe-Post, List-Id, a unique Message-ID); the engine (helper B) calls it per message.
/// </summary>
public sealed class IssueMessages
{
    public Task<PreparedIssue> PrepareAsync(BroadsheetDb db, int issueId, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Fast and synchronous: called thousands of times a second.</summary>
    public MimeMessage Build(PreparedIssue issue, IssueRecipient recipient) => throw new NotImplementedException();
}

/// <summary>
/// DKIM-signs messages whose From: domain has an active <see cref="DkimKey"/>, with .NET's own RSA. LEAD'S CONTRACT:
/// helper C implements it; the engine (helper B) calls <see cref="Sign"/> on every message, transactional ones too,
/// after every header is set.
/// </summary>
public sealed class MessageSigning
{
    /// <summary>Reads the active keys (call once per batch).</summary>
    public Task LoadAsync(BroadsheetDb db, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Signs in place when a key for the From: domain is loaded; does nothing otherwise.</summary>
    public void Sign(MimeMessage message) { }

    /// <summary>Whether mail from <paramref name="fromDomain"/> would be signed (the admin warns when not).</summary>
    public bool HasKeyFor(string fromDomain) => false;
}
