using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Broadsheet.Data;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Subscribers;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using MimeKit.Utils;

namespace Broadsheet.Email;

/// <summary>One recipient of an issue, as the delivery engine reads it from the delivery and subscriber rows.</summary>
public sealed record IssueRecipient(long DeliveryId, int SubscriberId, string Address, string? Name, string LinkSecret);

/// <summary>
/// What is the same in every message of one issue, worked out once per batch by <see cref="IssueMessages.PrepareAsync"/>:
/// the rendered HTML and text cut at the per-recipient places (greeting, unsubscribe and preference links), the
/// headers, and the site's link key. <see cref="IssueMessages.Build"/> only joins the pieces.
/// </summary>
public sealed class PreparedIssue
{
    public required int IssueId { get; init; }
    public required int NewsletterId { get; init; }

    public required string Subject { get; init; }
    public required string FromName { get; init; }
    public required string FromAddress { get; init; }
    public string? ReplyTo { get; init; }

    /// <summary>The From: address's domain: the right-hand side of every Message-ID, and the domain DKIM signs for.</summary>
    public required string FromDomain { get; init; }

    /// <summary>The issue's web page (<c>/newsletters/{slug}/{number}</c>), the "View in your browser" link.</summary>
    public required string WebUrl { get; init; }

    /// <summary>The List-Id: header's value, <c>"Name" &lt;slug.site-host&gt;</c> (RFC 2919).</summary>
    public required string ListId { get; init; }

    /// <summary>The HTML body in four pieces: before the greeting, greeting to unsubscribe link, to preferences link, the rest.</summary>
    internal string[] Html { get; init; } = [];

    /// <summary>The plain-text body in the same four pieces.</summary>
    internal string[] Text { get; init; } = [];

    internal Site Site { get; init; } = null!;
    internal byte[] LinkKey { get; init; } = [];
}

/// <summary>
/// An issue cannot be mailed as it stands (the site has no address, so no link in it could work; the issue or its post
/// is gone). The message says what to do, in words for the admin: the engine pauses the send with it.
/// </summary>
public sealed class IssueNotReadyException(string message) : InvalidOperationException(message);

/// <summary>
/// Makes an issue's message for one recipient: the HTML with inline CSS beside a plain-text part, the web link at the
/// top, the greeting by name, personal unsubscribe and preference links in the footer, List-Unsubscribe (an https link
/// to the site, RFC 2369), List-Unsubscribe-Post (one-click, RFC 8058), List-Id (RFC 2919) and a Message-ID unique to
/// the recipient. The engine calls <see cref="PrepareAsync"/> once per batch and <see cref="Build"/> per message.
/// No Precedence: or Auto-Submitted: header: RFC 3834 (§3.1.7, §5) keeps Auto-Submitted for mail made by automatic
/// processes, not a newsletter written by a person, and auto-responders already stay quiet for list mail (List-Id).
/// </summary>
public sealed class IssueMessages(SiteSettingsCache sites, MailLinkKeyCache linkKeys, TimeProvider clock)
{
    private const string Font = "font-family:Georgia,'Times New Roman',serif;";
    private const string Small = "font-family:Helvetica,Arial,sans-serif;font-size:13px;line-height:1.5;color:#555555;";

    public async Task<PreparedIssue> PrepareAsync(BroadsheetDb db, int issueId, CancellationToken cancellationToken = default)
    {
        var issue = await db.NewsletterIssues.AsNoTracking()
            .Where(i => i.Id == issueId)
            .Select(i => new { i.Id, i.NewsletterId, i.Number, i.Subject, i.Newsletter, Title = i.Post!.Title, i.Post.BodyHtml })
            .FirstOrDefaultAsync(cancellationToken)
            ?? throw new IssueNotReadyException($"Issue {issueId} no longer exists.");
        var newsletter = issue.Newsletter ?? throw new IssueNotReadyException($"Issue {issueId} has no newsletter.");
        var site = await sites.GetAsync(cancellationToken);
        if (!site.HasAddress) throw new IssueNotReadyException(Site.AddressNotSet);
        var key = await linkKeys.GetAsync(db, cancellationToken);

        if (!MailboxAddress.TryParse(newsletter.FromAddress, out var from) || from.Domain.Length == 0)
            throw new IssueNotReadyException($"The newsletter's sender address \"{newsletter.FromAddress}\" is not an email address: correct it in the newsletter's settings.");
        var webUrl = site.MailLink(FormattableString.Invariant($"/newsletters/{Uri.EscapeDataString(newsletter.Slug)}/{issue.Number}"));
        var (bodyHtml, bodyText) = MailHtml.Render(issue.BodyHtml, site.MailLink);
        var host = new Uri(site.BaseUrl).IdnHost;
        var siteName = string.IsNullOrWhiteSpace(site.Title) ? host : site.Title;
        var why = $"You are receiving this because you subscribed to {newsletter.Name} from {siteName}.";

        var lang = MailHtml.Escape(site.Culture.Name.Length > 0 ? site.Culture.Name : "en");
        var html = new StringBuilder(bodyHtml.Length + 2048)
            .Append("<!DOCTYPE html>\n<html lang=\"").Append(lang).Append("\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(MailHtml.Escape(issue.Subject)).Append("</title>\n</head>\n")
            .Append("<body style=\"margin:0;padding:0;background-color:#f4f4f4;\">\n")
            .Append("<div style=\"max-width:640px;margin:0 auto;padding:24px;background-color:#ffffff;color:#222222;").Append(Font)
            .Append("font-size:17px;line-height:1.55;\">\n")
            .Append("<p style=\"margin:0 0 20px;").Append(Small).Append("\"><a href=\"").Append(MailHtml.Escape(webUrl))
            .Append("\" style=\"color:#555555;text-decoration:underline;\">View in your browser</a></p>\n")
            .Append("<h1 style=\"font-size:28px;line-height:1.2;margin:0 0 20px;").Append(Font).Append("\">")
            .Append(MailHtml.Escape(issue.Title)).Append("</h1>\n")
            .Append("<p style=\"margin:0 0 16px;\">");
        var htmlStart = html.ToString();
        html.Clear()
            .Append("</p>\n").Append(bodyHtml).Append('\n')
            .Append("<hr style=\"border:0;border-top:1px solid #dddddd;margin:32px 0 16px;\">\n")
            .Append("<p style=\"margin:0 0 8px;").Append(Small).Append("\">").Append(MailHtml.Escape(why)).Append("</p>\n")
            .Append("<p style=\"margin:0;").Append(Small).Append("\"><a href=\"");
        var htmlToUnsubscribe = html.ToString();
        var linkStyle = "\" style=\"color:#555555;text-decoration:underline;\">";
        var htmlToPreferences = linkStyle + "Unsubscribe</a> &middot; <a href=\"";
        var htmlEnd = linkStyle + "Your preferences</a></p>\n</div>\n</body>\n</html>\n";

        var text = new StringBuilder(bodyText.Length + 1024)
            .Append("View in your browser: ").Append(webUrl).Append("\n\n")
            .Append(issue.Title).Append('\n').Append('=', Math.Min(issue.Title.Length, 72)).Append("\n\n");
        var textStart = text.ToString();
        text.Clear()
            .Append("\n\n").Append(bodyText)
            .Append("\n-- \n").Append(why).Append("\nUnsubscribe: ");
        var textToUnsubscribe = text.ToString();

        return new PreparedIssue
        {
            IssueId = issue.Id,
            NewsletterId = issue.NewsletterId,
            Subject = issue.Subject,
            FromName = newsletter.FromName,
            FromAddress = from.Address,
            ReplyTo = string.IsNullOrWhiteSpace(newsletter.ReplyTo) ? null : newsletter.ReplyTo.Trim(),
            FromDomain = MessageSigning.AsciiDomain(from.Domain) ?? from.Domain,
            WebUrl = webUrl,
            ListId = ListId(newsletter.Name, newsletter.Slug, host),
            Html = [htmlStart, htmlToUnsubscribe, htmlToPreferences, htmlEnd],
            Text = [textStart, textToUnsubscribe, "\nYour preferences: ", "\n"],
            Site = site,
            LinkKey = key,
        };
    }

    /// <summary>Fast and synchronous: called thousands of times a second.</summary>
    public MimeMessage Build(PreparedIssue issue, IssueRecipient recipient)
    {
        var unsubscribe = SubscriberLinks.UnsubscribeUrl(issue.Site, issue.LinkKey, recipient.SubscriberId, recipient.LinkSecret, issue.NewsletterId);
        var preferences = SubscriberLinks.PreferencesUrl(issue.Site, issue.LinkKey, recipient.SubscriberId, recipient.LinkSecret);
        var name = CleanName(recipient.Name);
        var greeting = name is null ? "Hello," : "Hello " + name + ",";

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(issue.FromName, issue.FromAddress));
        if (issue.ReplyTo is { } replyTo && MailboxAddress.TryParse(replyTo, out var replyAddress)) message.ReplyTo.Add(replyAddress);
        message.To.Add(new MailboxAddress(name ?? "", recipient.Address));
        message.Subject = issue.Subject;
        message.Date = clock.GetUtcNow();
        message.MessageId = string.Create(CultureInfo.InvariantCulture, $"{recipient.DeliveryId}.{RandomNumberGenerator.GetHexString(16, lowercase: true)}@{issue.FromDomain}");
        message.Headers.Add(HeaderId.ListId, issue.ListId);
        message.Headers.Add(HeaderId.ListUnsubscribe, "<" + unsubscribe + ">");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");

        var text = string.Concat(issue.Text[0], greeting, issue.Text[1], unsubscribe, issue.Text[2], preferences, issue.Text[3]);
        var html = string.Concat(
            issue.Html[0], MailHtml.Escape(greeting), issue.Html[1], MailHtml.Escape(unsubscribe), issue.Html[2], MailHtml.Escape(preferences), issue.Html[3]);
        message.Body = new MultipartAlternative
        {
            // Quoted-printable fixed here, so no transport re-encodes the body after it is DKIM-signed.
            new TextPart("plain") { Text = text, ContentTransferEncoding = ContentEncoding.QuotedPrintable },
            new TextPart("html") { Text = html, ContentTransferEncoding = ContentEncoding.QuotedPrintable },
        };
        return message;
    }

    /// <summary>A name fit for a greeting and a To: header: one line, no control characters; null when there is none.</summary>
    private static string? CleanName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        var clean = new string([.. name.Where(c => !char.IsControl(c))]).Trim();
        return clean.Length == 0 ? null : clean.Length > 100 ? clean[..100] : clean;
    }

    /// <summary>
    /// RFC 2919: a phrase, then the list's identifier in angle brackets, a label under a domain its owner controls: the
    /// newsletter's slug under the site's host. The phrase is quoted, or RFC 2047-encoded when not plain ASCII.
    /// </summary>
    internal static string ListId(string name, string slug, string host)
    {
        var phrase = Encoding.ASCII.GetString(Rfc2047.EncodePhrase(Encoding.UTF8, name.Replace('\r', ' ').Replace('\n', ' ')));
        var label = new string([.. slug.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-')]);
        return $"{phrase} <{label}.{host.ToLowerInvariant()}>";
    }
}
