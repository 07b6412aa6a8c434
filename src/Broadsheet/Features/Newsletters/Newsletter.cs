using Broadsheet.Features.Posts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Features.Newsletters;

/// <summary>
/// A list that supporters subscribe to and that issues are sent on ("Weekly News"). A site has several; a
/// subscriber takes any of them (<see cref="Subscribers.Subscription"/>). Each has its own sender, so a campaign's
/// weekly digest and its occasional action alerts can come from different addresses.
/// </summary>
public sealed class Newsletter
{
    public int Id { get; set; }

    /// <summary>Unique; the newsletter's public address is <c>/newsletters/{slug}</c>, its issues' <c>/newsletters/{slug}/{number}</c>.</summary>
    public required string Slug { get; set; }

    public required string Name { get; set; }

    /// <summary>Plain text shown beside the subscribe form.</summary>
    public string Description { get; set; } = "";

    /// <summary>The From: header's display name and address.</summary>
    public required string FromName { get; set; }
    public required string FromAddress { get; set; }

    /// <summary>Where replies go, when not to <see cref="FromAddress"/>.</summary>
    public string? ReplyTo { get; set; }

    /// <summary>Whether the public forms offer it. A closed newsletter keeps its subscribers and can still be sent.</summary>
    public bool OpenForSubscription { get; set; } = true;

    /// <summary>How an issue's title is made from its number ("{name} No {number}"); the digest composer uses it.</summary>
    public string TitlePattern { get; set; } = "{name} No {number}";

    public DateTime CreatedAt { get; set; }

    /// <summary>Bumped on every admin edit (optimistic concurrency, as posts do).</summary>
    public int Version { get; set; }
}

/// <summary>Where an issue is in its life as mail. Its life on the web is its <see cref="NewsletterIssue.Post"/>'s.</summary>
public enum IssueSendStatus
{
    /// <summary>Not sent (it may already be published on the web).</summary>
    NotSent = 0,

    /// <summary>Its deliveries are written and the engine is working through them.</summary>
    Sending = 1,

    /// <summary>Stopped by an admin, or by the engine on a connection or account error (<see cref="NewsletterIssue.PausedReason"/>); resumable.</summary>
    Paused = 2,

    /// <summary>Every delivery reached an end (sent, failed or skipped).</summary>
    Sent = 3,

    /// <summary>Stopped for good by an admin; deliveries not yet sent were cancelled.</summary>
    Cancelled = 4,
}

/// <summary>
/// One numbered issue of a newsletter ("Weekly News No 287"). Its words live in its <see cref="Post"/>, written through
/// <see cref="PostWriter"/> like every post, so an issue is on the home page, in feeds, search and the archive, and has a
/// revision history. This row adds what makes it mail: the number, the subject and the sending state.
/// </summary>
public sealed class NewsletterIssue
{
    public int Id { get; set; }
    public int NewsletterId { get; set; }
    public Newsletter? Newsletter { get; set; }

    /// <summary>1, 2, 3 … per newsletter (an import can set them); unique per newsletter.</summary>
    public int Number { get; set; }

    /// <summary>The post that holds the issue's title and body; its page is the issue's web page.</summary>
    public int PostId { get; set; }
    public Post? Post { get; set; }

    /// <summary>The email's Subject: line (by default the post's title).</summary>
    public required string Subject { get; set; }

    public IssueSendStatus SendStatus { get; set; }

    /// <summary>When an admin (or the CLI, or the API) asked for it to be sent; its deliveries were written in that same transaction.</summary>
    public DateTime? SendRequestedAt { get; set; }
    public DateTime? SendFinishedAt { get; set; }

    /// <summary>Why sending is paused, in words for the admin ("The SMTP server refused the password (535 …)").</summary>
    public string? PausedReason { get; set; }

    /// <summary>The account (or "cli", "api:KEY") that asked for the send.</summary>
    public string? SentBy { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Bumped on every change of sending state, so two admins' pause and resume do not cross.</summary>
    public int Version { get; set; }
}

internal sealed class NewsletterConfiguration : IEntityTypeConfiguration<Newsletter>
{
    public void Configure(EntityTypeBuilder<Newsletter> newsletter)
    {
        newsletter.Property(n => n.Slug).HasMaxLength(200);
        newsletter.HasIndex(n => n.Slug).IsUnique();
        newsletter.Property(n => n.Name).HasMaxLength(300);
        newsletter.Property(n => n.Description).HasMaxLength(2000);
        newsletter.Property(n => n.FromName).HasMaxLength(300);
        newsletter.Property(n => n.FromAddress).HasMaxLength(320);
        newsletter.Property(n => n.ReplyTo).HasMaxLength(320);
        newsletter.Property(n => n.TitlePattern).HasMaxLength(300);
        newsletter.Property(n => n.Version).IsConcurrencyToken();
    }
}

internal sealed class NewsletterIssueConfiguration : IEntityTypeConfiguration<NewsletterIssue>
{
    public void Configure(EntityTypeBuilder<NewsletterIssue> issue)
    {
        issue.HasIndex(i => new { i.NewsletterId, i.Number }).IsUnique();
        issue.HasIndex(i => i.PostId).IsUnique();
        issue.HasOne(i => i.Newsletter).WithMany().HasForeignKey(i => i.NewsletterId).OnDelete(DeleteBehavior.Restrict);
        issue.HasOne(i => i.Post).WithMany().HasForeignKey(i => i.PostId).OnDelete(DeleteBehavior.Restrict);
        issue.Property(i => i.Subject).HasMaxLength(500);
        issue.Property(i => i.PausedReason).HasMaxLength(2000);
        issue.Property(i => i.SentBy).HasMaxLength(300);
        issue.Property(i => i.Version).IsConcurrencyToken();
        issue.HasIndex(i => i.SendStatus);
    }
}
