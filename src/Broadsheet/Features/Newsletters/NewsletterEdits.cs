using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Shared;
using Broadsheet.Features.Subscribers;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Broadsheet.Features.Newsletters;

/// <summary>A change to a newsletter: fields left null keep their value (on create, the required ones must be there).</summary>
public sealed record NewsletterInput(
    string? Slug = null,
    string? Name = null,
    string? Description = null,
    string? FromName = null,
    string? FromAddress = null,
    string? ReplyTo = null,
    bool? OpenForSubscription = null,
    string? TitlePattern = null,
    int? Version = null);

/// <summary>
/// The rules of a newsletter's fields, for every door that makes or changes one (the Admin API, <c>broadsheet newsletter
/// add</c>): a valid unique slug, a name, a sender address mail can be sent from. Errors are keyed by the input's field
/// names, as the API reports them.
/// </summary>
public static class NewsletterEdits
{
    /// <summary>Applies <paramref name="input"/> to <paramref name="newsletter"/>, or returns what is wrong (and changes nothing).</summary>
    public static async Task<Dictionary<string, string[]>> ApplyAsync(BroadsheetDb db, Newsletter newsletter, NewsletterInput input, bool creating, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var name = input.Name is null ? null : XmlSafeText.Clean(input.Name).Trim();
        if (creating && string.IsNullOrWhiteSpace(name)) errors["name"] = ["A newsletter needs a name."];
        else if (name is { } n && (n.Length == 0 || n.Length > 300)) errors["name"] = ["A name is 1 to 300 characters."];

        var slug = input.Slug is { Length: > 0 } given ? given.Trim() : creating && name is { Length: > 0 } ? Slugs.From(name) : null;
        if (slug is not null)
        {
            if (!Slugs.IsValid(slug) || slug.Length > 200) errors["slug"] = ["Lower-case letters, digits and hyphens only (at most 200), not starting or ending with a hyphen."];
            else if (await db.Newsletters.AnyAsync(x => x.Slug == slug && x.Id != newsletter.Id, cancellationToken)) errors["slug"] = [$"Another newsletter already has the slug '{slug}'."];
        }

        string? from = null;
        if (input.FromAddress is not null)
        {
            from = EmailAddresses.Clean(input.FromAddress);
            if (from is null) errors["fromAddress"] = [$"'{input.FromAddress}' is not an email address mail can be sent from."];
        }
        else if (creating) errors["fromAddress"] = ["A newsletter needs a sender address (fromAddress)."];
        if (input.FromName is { Length: > 300 }) errors["fromName"] = ["At most 300 characters."];
        string? replyTo = null;
        if (input.ReplyTo is { Length: > 0 })
        {
            replyTo = EmailAddresses.Clean(input.ReplyTo);
            if (replyTo is null) errors["replyTo"] = [$"'{input.ReplyTo}' is not an email address."];
        }
        if (input.Description is { Length: > 2000 }) errors["description"] = ["At most 2000 characters."];
        if (input.TitlePattern is { } pattern && (pattern.Trim().Length == 0 || pattern.Length > 300)) errors["titlePattern"] = ["A title pattern is 1 to 300 characters, e.g. '{name} No {number}'."];
        if (errors.Count > 0) return errors;

        if (name is not null) newsletter.Name = name;
        if (slug is not null) newsletter.Slug = slug;
        if (from is not null) newsletter.FromAddress = from;
        if (input.FromName is not null) newsletter.FromName = XmlSafeText.Clean(input.FromName).Trim();
        else if (creating) newsletter.FromName = newsletter.Name;
        if (input.ReplyTo is not null) newsletter.ReplyTo = replyTo;
        if (input.Description is not null) newsletter.Description = XmlSafeText.Clean(input.Description);
        if (input.OpenForSubscription is { } open) newsletter.OpenForSubscription = open;
        if (input.TitlePattern is not null) newsletter.TitlePattern = input.TitlePattern.Trim();
        return errors;
    }

    /// <summary>"Name &lt;address&gt;" or a bare address, as <c>--from</c> takes it; null when it is neither.</summary>
    public static (string? Name, string Address)? ParseFrom(string text)
    {
        if (!MailboxAddress.TryParse(text, out var mailbox) || EmailAddresses.Clean(mailbox.Address) is not { } address) return null;
        return (string.IsNullOrWhiteSpace(mailbox.Name) ? null : mailbox.Name.Trim(), address);
    }
}
