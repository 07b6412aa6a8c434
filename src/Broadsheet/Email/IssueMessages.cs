using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Broadsheet.Email;

/// <summary>One recipient of an issue, as the delivery engine reads it from the delivery and subscriber rows.</summary>
public sealed record IssueRecipient(long DeliveryId, int SubscriberId, string Address, string? Name, string LinkSecret);

/// <summary>What is the same in every message of one issue, worked out once per batch (template, headers, key).</summary>
public sealed class PreparedIssue
{
    public required int IssueId { get; init; }
    public required int NewsletterId { get; init; }

    // minimal: helper C's version replaces this at merge
    internal string Subject { get; init; } = "";
    internal string Text { get; init; } = "";
    internal MailboxAddress? From { get; init; }
}

/// <summary>
/// Makes an issue's message for one recipient. LEAD'S CONTRACT: helper C implements it (HTML with inline CSS beside a
/// plain-text part, the web link at the top, personal unsubscribe and preference links, List-Unsubscribe,
/// List-Unsubscribe-Post, List-Id, a unique Message-ID); the engine (helper B) calls it per message.
/// </summary>
public sealed class IssueMessages
{
    // minimal: helper C's version replaces this at merge
    public async Task<PreparedIssue> PrepareAsync(BroadsheetDb db, int issueId, CancellationToken cancellationToken = default)
    {
        var row = await db.NewsletterIssues.AsNoTracking().Where(i => i.Id == issueId)
            .Select(i => new { i.Id, i.NewsletterId, i.Subject, i.Post!.Body, i.Newsletter!.FromName, i.Newsletter.FromAddress })
            .SingleAsync(cancellationToken);
        return new PreparedIssue
        {
            IssueId = row.Id, NewsletterId = row.NewsletterId, Subject = row.Subject, Text = row.Body,
            From = new MailboxAddress(row.FromName, row.FromAddress),
        };
    }

    /// <summary>Fast and synchronous: called thousands of times a second.</summary>
    // minimal: helper C's version replaces this at merge
    public MimeMessage Build(PreparedIssue issue, IssueRecipient recipient)
    {
        var message = new MimeMessage { Subject = issue.Subject, Body = new TextPart("plain") { Text = issue.Text } };
        message.From.Add(issue.From!);
        message.To.Add(new MailboxAddress(recipient.Name ?? "", recipient.Address));
        message.MessageId = $"{issue.IssueId}.{recipient.DeliveryId}.{Guid.NewGuid():N}@{issue.From!.Domain}";
        return message;
    }
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
