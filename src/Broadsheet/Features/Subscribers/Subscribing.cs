using Broadsheet.Data;
using Broadsheet.Email;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Shared;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Broadsheet.Features.Subscribers;

/// <summary>One request to subscribe, from whichever door (site form, embedded form, API, a statement's box).</summary>
public sealed record SubscribeRequest(string? Address, string? Name, IReadOnlyCollection<int> NewsletterIds, ConsentSource Source)
{
    /// <summary>Which form, key or file ("home page form", "embed on partner.example").</summary>
    public string? Detail { get; init; }

    /// <summary>The client address the request came from (<see cref="ClientAddress.Of"/>), kept in the consent record.</summary>
    public string? IpAddress { get; init; }
}

public enum SubscribeOutcome
{
    /// <summary>
    /// The request was taken. A confirmation (or "you are already subscribed") mail went out, or was held back by the
    /// per-address cap; the caller says "check your email" in every one of these cases, so nobody learns who is on the list.
    /// </summary>
    Accepted,

    /// <summary>The address is not one a newsletter could be sent to.</summary>
    InvalidAddress,

    /// <summary>None of the newsletters asked for exists and is open for subscription.</summary>
    NoNewsletter,

    /// <summary>The site cannot mail links yet (no site address set): nothing was recorded.</summary>
    CannotMail,
}

/// <summary>What a confirmation link's POST did.</summary>
public enum ConfirmOutcome
{
    Confirmed,

    /// <summary>Nothing was pending and something is confirmed: the link was used before (or the person confirmed another way).</summary>
    AlreadyConfirmed,

    /// <summary>Nothing pending and nothing confirmed (they left since).</summary>
    NothingToConfirm,
}

/// <summary>
/// The one way a person joins, confirms and leaves newsletters, whatever door they come through (forms now; the API,
/// imports and statements call the same). Double opt-in: a request makes <see cref="SubscriptionStatus.Pending"/>
/// subscriptions and a <see cref="ConsentRecord"/>, and mails one confirmation link; nothing else is sent to the address
/// until its owner confirms. An address that already has every newsletter asked for gets a "you are already
/// subscribed" mail instead, with its preferences link, so the form's answer is the same for everyone. Mail to one
/// address is capped per day (<c>Subscribers:MaxMailsPerAddress</c> per <c>Subscribers:MailWindow</c>, counted
/// by the address's hash through <see cref="AddressLimits"/>), so the form cannot be used to fill someone's inbox.
/// A suppressed address (left, bounced, complained) is mailed nothing but a confirmation it asked for again;
/// confirming lifts the suppression for the newsletters confirmed.
/// </summary>
public sealed class Subscribing(
    BroadsheetDb db,
    SubscriberLinks links,
    AddressLimits limits,
    IEmailSender email,
    TimeProvider clock,
    IConfiguration configuration,
    ILogger<Subscribing> logger)
{
    /// <summary>Mails (confirmations and "already subscribed") to one canonical address, counted by its hash.</summary>
    private readonly AddressBudget mailsPerAddress = new("subscriber-mail",
        configuration.GetValue("Subscribers:MaxMailsPerAddress", 3),
        configuration.GetValue("Subscribers:MailWindow", TimeSpan.FromDays(1)));

    public async Task<SubscribeOutcome> SubscribeAsync(SubscribeRequest request, Site site, CancellationToken cancellationToken = default)
    {
        if (EmailAddresses.Clean(request.Address) is not { } address) return SubscribeOutcome.InvalidAddress;
        if (!site.HasAddress) return SubscribeOutcome.CannotMail;
        var ids = request.NewsletterIds.Distinct().ToList();
        var newsletters = await db.Newsletters.AsNoTracking()
            .Where(n => ids.Contains(n.Id) && n.OpenForSubscription).OrderBy(n => n.Name).ToListAsync(cancellationToken);
        if (newsletters.Count == 0) return SubscribeOutcome.NoNewsletter;

        var canonical = EmailAddresses.Canonical(address);
        var hash = EmailAddresses.Hash(address);
        var now = Now();
        var name = Tidy(request.Name, 300);

        var subscriber = await FindOrAddAsync(address, canonical, hash, name, now, cancellationToken);
        var suppressed = await db.Suppressions.Where(s => s.AddressHash == hash).Select(s => s.NewsletterId).ToListAsync(cancellationToken);
        var existing = await db.Subscriptions.Where(s => s.SubscriberId == subscriber.Id).ToDictionaryAsync(s => s.NewsletterId, cancellationToken);

        var toConfirm = new List<Newsletter>();
        foreach (var newsletter in newsletters)
        {
            var isSuppressed = suppressed.Contains(newsletter.Id) || suppressed.Contains(Suppression.EveryNewsletter);
            if (existing.TryGetValue(newsletter.Id, out var subscription))
            {
                // Confirmed and still mailed: nothing to ask. Confirmed but suppressed (a bounce, say) needs a new
                // opt-in, which is what lifts the suppression, so it goes back to pending like a left one.
                if (subscription.Status == SubscriptionStatus.Confirmed && !isSuppressed) continue;
                subscription.Status = SubscriptionStatus.Pending;
            }
            else
            {
                db.Subscriptions.Add(new Subscription { SubscriberId = subscriber.Id, NewsletterId = newsletter.Id, Status = SubscriptionStatus.Pending, CreatedAt = now });
            }
            toConfirm.Add(newsletter);
            db.ConsentRecords.Add(new ConsentRecord
            {
                SubscriberId = subscriber.Id,
                NewsletterId = newsletter.Id,
                Action = ConsentAction.Requested,
                Source = request.Source,
                Detail = Tidy(request.Detail, 500),
                IpAddress = request.IpAddress,
                At = now,
            });
        }

        // Every mail the form causes counts against the address, the "already subscribed" one too, or a flood of
        // requests for a confirmed address would bomb its inbox just as well.
        var mayMail = await limits.CountAsync(mailsPerAddress, hash, cancellationToken) <= mailsPerAddress.Limit;
        if (mayMail) subscriber.ConfirmationSentAt = now;
        await db.SaveChangesAsync(cancellationToken);
        if (!mayMail)
        {
            logger.MailCapReached();
            return SubscribeOutcome.Accepted;
        }

        var message = await MessageAsync(site, subscriber, toConfirm.Count > 0 ? toConfirm : newsletters, toConfirm.Count > 0, cancellationToken);
        try
        {
            await email.SendAsync(message, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The request is recorded; the person can ask again. The page still says "check your email", as it must.
            logger.MailFailed(e);
        }
        return SubscribeOutcome.Accepted;
    }

    /// <summary>
    /// The POST behind a confirmation link: every pending subscription of the subscriber becomes confirmed, with a
    /// consent record (from <paramref name="ipAddress"/>), and the address's suppressions for those newsletters are lifted.
    /// </summary>
    public async Task<ConfirmOutcome> ConfirmAsync(Subscriber subscriber, string? ipAddress, CancellationToken cancellationToken = default)
    {
        var subscriptions = await db.Subscriptions.Where(s => s.SubscriberId == subscriber.Id).ToListAsync(cancellationToken);
        var pending = subscriptions.Where(s => s.Status == SubscriptionStatus.Pending).ToList();
        if (pending.Count == 0)
            return subscriptions.Any(s => s.Status == SubscriptionStatus.Confirmed) ? ConfirmOutcome.AlreadyConfirmed : ConfirmOutcome.NothingToConfirm;
        var now = Now();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var subscription in pending)
        {
            subscription.Status = SubscriptionStatus.Confirmed;
            subscription.ConfirmedAt = now;
            subscription.UnsubscribedAt = null;
            db.ConsentRecords.Add(new ConsentRecord
            {
                SubscriberId = subscriber.Id,
                NewsletterId = subscription.NewsletterId,
                Action = ConsentAction.Confirmed,
                Source = ConsentSource.Email,
                Detail = "confirmation link",
                IpAddress = ipAddress,
                At = now,
            });
        }
        await LiftSuppressionsAsync(subscriber.AddressHash, [.. pending.Select(p => p.NewsletterId)], now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ConfirmOutcome.Confirmed;
    }

    /// <summary>
    /// Leaves one newsletter, or every one (<see cref="Suppression.EveryNewsletter"/>): the subscriptions become
    /// unsubscribed and a suppression of the address's hash is written, so the address stays left even after the
    /// subscriber is erased. Doing it again changes nothing and succeeds (RFC 8058 clients may POST twice).
    /// </summary>
    public async Task UnsubscribeAsync(Subscriber subscriber, int newsletterId, ConsentSource source, string? detail, string? ipAddress, CancellationToken cancellationToken = default)
    {
        var now = Now();
        var subscriptions = await db.Subscriptions
            .Where(s => s.SubscriberId == subscriber.Id && (newsletterId == Suppression.EveryNewsletter || s.NewsletterId == newsletterId))
            .ToListAsync(cancellationToken);
        var changed = false;
        foreach (var subscription in subscriptions.Where(s => s.Status != SubscriptionStatus.Unsubscribed))
        {
            subscription.Status = SubscriptionStatus.Unsubscribed;
            subscription.UnsubscribedAt = now;
            changed = true;
        }
        var alreadySuppressed = await db.Suppressions.AnyAsync(s => s.AddressHash == subscriber.AddressHash && s.NewsletterId == newsletterId, cancellationToken);
        if (!alreadySuppressed)
        {
            db.Suppressions.Add(new Suppression { AddressHash = subscriber.AddressHash, NewsletterId = newsletterId, Reason = SuppressionReason.Unsubscribed, Detail = detail, At = now });
            changed = true;
        }
        if (!changed) return;
        db.ConsentRecords.Add(new ConsentRecord
        {
            SubscriberId = subscriber.Id,
            NewsletterId = newsletterId == Suppression.EveryNewsletter ? null : newsletterId,
            Action = ConsentAction.Unsubscribed,
            Source = source,
            Detail = detail,
            IpAddress = ipAddress,
            At = now,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException) when (!alreadySuppressed)
        {
            // A second POST of the same link (mail clients send it more than once) wrote the suppression first: it is
            // left, which is all either request wanted. Try once more without the suppression row.
            db.ChangeTracker.Clear();
            await UnsubscribeAsync(subscriber, newsletterId, source, detail, ipAddress, cancellationToken);
        }
    }

    /// <summary>
    /// The preferences page's save: the newsletters ticked are joined (the person holds a link mailed to the address,
    /// so this is consent from the address's owner, and it lifts their suppressions), the others left; the name changed.
    /// Only open newsletters can be joined; a closed one the person has can be left.
    /// </summary>
    public async Task SavePreferencesAsync(Subscriber subscriber, string? name, IReadOnlyCollection<int> wanted, string? ipAddress, CancellationToken cancellationToken = default)
    {
        var now = Now();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var tidyName = Tidy(name, 300);
        if (tidyName != subscriber.Name)
        {
            subscriber.Name = tidyName;
            subscriber.UpdatedAt = now;
            Record(subscriber.Id, null, ConsentAction.PreferencesChanged, "name changed", ipAddress, now);
        }
        var subscriptions = await db.Subscriptions.Where(s => s.SubscriberId == subscriber.Id).ToDictionaryAsync(s => s.NewsletterId, cancellationToken);
        var open = await db.Newsletters.Where(n => n.OpenForSubscription).Select(n => n.Id).ToListAsync(cancellationToken);
        var joined = new List<int>();
        foreach (var id in wanted.Distinct())
        {
            if (subscriptions.TryGetValue(id, out var subscription))
            {
                if (subscription.Status == SubscriptionStatus.Confirmed) continue;
                if (subscription.Status == SubscriptionStatus.Unsubscribed && !open.Contains(id)) continue;
                subscription.Status = SubscriptionStatus.Confirmed;
                subscription.ConfirmedAt = now;
                subscription.UnsubscribedAt = null;
            }
            else if (open.Contains(id))
            {
                db.Subscriptions.Add(new Subscription { SubscriberId = subscriber.Id, NewsletterId = id, Status = SubscriptionStatus.Confirmed, CreatedAt = now, ConfirmedAt = now });
            }
            else
            {
                continue;
            }
            joined.Add(id);
            Record(subscriber.Id, id, ConsentAction.Confirmed, "preferences page", ipAddress, now);
        }
        await LiftSuppressionsAsync(subscriber.AddressHash, joined, now, cancellationToken);
        var left = subscriptions.Values.Where(s => s.Status != SubscriptionStatus.Unsubscribed && !wanted.Contains(s.NewsletterId)).Select(s => s.NewsletterId).ToList();
        await db.SaveChangesAsync(cancellationToken);
        foreach (var id in left)
            await UnsubscribeAsync(subscriber, id, ConsentSource.Email, "preferences page", ipAddress, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private void Record(int subscriberId, int? newsletterId, ConsentAction action, string detail, string? ipAddress, DateTime now) =>
        db.ConsentRecords.Add(new ConsentRecord { SubscriberId = subscriberId, NewsletterId = newsletterId, Action = action, Source = ConsentSource.Email, Detail = detail, IpAddress = ipAddress, At = now });

    /// <summary>
    /// A confirmed opt-in lifts the address's suppressions for those newsletters. A suppression of every newsletter
    /// becomes one per other newsletter, so joining one list again does not quietly rejoin the rest.
    /// </summary>
    private async Task LiftSuppressionsAsync(string hash, List<int> newsletterIds, DateTime now, CancellationToken cancellationToken)
    {
        if (newsletterIds.Count == 0) return;
        await db.Suppressions.Where(s => s.AddressHash == hash && newsletterIds.Contains(s.NewsletterId)).ExecuteDeleteAsync(cancellationToken);
        var every = await db.Suppressions.FirstOrDefaultAsync(s => s.AddressHash == hash && s.NewsletterId == Suppression.EveryNewsletter, cancellationToken);
        if (every is null) return;
        var others = await db.Newsletters.Where(n => !newsletterIds.Contains(n.Id)).Select(n => n.Id).ToListAsync(cancellationToken);
        var kept = await db.Suppressions.Where(s => s.AddressHash == hash).Select(s => s.NewsletterId).ToListAsync(cancellationToken);
        foreach (var id in others.Except(kept))
            db.Suppressions.Add(new Suppression { AddressHash = hash, NewsletterId = id, Reason = every.Reason, Detail = every.Detail, At = every.At });
        db.Suppressions.Remove(every);
    }

    private async Task<Subscriber> FindOrAddAsync(string address, string canonical, string hash, string? name, DateTime now, CancellationToken cancellationToken)
    {
        if (await db.Subscribers.FirstOrDefaultAsync(s => s.CanonicalEmail == canonical, cancellationToken) is { } found) return found;
        var subscriber = new Subscriber
        {
            Email = address,
            CanonicalEmail = canonical,
            AddressHash = hash,
            Name = name,
            LinkSecret = SubscriberLinks.NewLinkSecret(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Subscribers.Add(subscriber);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return subscriber;
        }
        catch (DbUpdateException)
        {
            // Two requests for one address at once: the unique canonical address let one in; use that one.
            db.ChangeTracker.Clear();
            return await db.Subscribers.FirstAsync(s => s.CanonicalEmail == canonical, cancellationToken);
        }
    }

    /// <summary>
    /// The one mail a request causes: the confirmation link when something is to be confirmed, else the preferences
    /// link with "you are already subscribed". From the newsletter's own sender when there is one newsletter.
    /// </summary>
    private async Task<EmailMessage> MessageAsync(Site site, Subscriber subscriber, List<Newsletter> newsletters, bool toConfirm, CancellationToken cancellationToken, bool onImportedList = false)
    {
        var names = string.Join(", ", newsletters.Select(n => n.Name));
        var (subject, lead, link, close) = toConfirm
            ? ($"Confirm your subscription to {names}",
               $"To confirm, open this link and press the button on the page (the link works for {SubscriberLinks.ConfirmValidFor.Days} days):",
               await links.ConfirmUrlAsync(site, subscriber, cancellationToken),
               "If it was not you, ignore this message: nothing will be sent to you unless you confirm.")
            : ($"You are already subscribed to {names}",
               "You are already subscribed, so nothing has changed.\nTo choose your newsletters, change your name or leave, use your preferences page:",
               await links.PreferencesUrlAsync(site, subscriber, cancellationToken),
               "If it was not you, ignore this message.");
        var greeting = subscriber.Name is { Length: > 0 } n ? $"Hello {n}," : "Hello,";
        return new EmailMessage(subscriber.Email, subject,
            $"""
            {greeting}

            {(onImportedList
                ? $"This address is on the list for {names} from {site.Title}, but it has not been confirmed, so nothing has been sent to it."
                : $"Someone (we hope you) asked to receive {names} from {site.Title} at this address.")}
            {lead}

            {link}

            {close}
            """, subscriber.Name)
        {
            Class = MailClass.Confirmation,
            From = newsletters.Count == 1 ? Sender(newsletters[0]) : null,
        };
    }

    /// <summary>
    /// The confirmation request for a subscriber imported without consent (the admin's "send confirmation requests"):
    /// the same mail as the form's, saying why it came. The caller sends it and records <see cref="Subscriber.ConfirmationSentAt"/>.
    /// </summary>
    public Task<EmailMessage> ConfirmationRequestAsync(Site site, Subscriber subscriber, Newsletter newsletter, CancellationToken cancellationToken = default) =>
        MessageAsync(site, subscriber, [newsletter], toConfirm: true, cancellationToken, onImportedList: true);

    private static string Sender(Newsletter newsletter) => new MailboxAddress(newsletter.FromName, newsletter.FromAddress).ToString();

    private static string? Tidy(string? text, int max)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var clean = new string([.. text.Trim().Where(c => !char.IsControl(c))]);
        return clean.Length > max ? clean[..max] : clean;
    }

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;
}

/// <summary>The log lines above, source-generated so a disabled level costs nothing (CA1848). Never the address or a link.</summary>
internal static partial class SubscribingLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Sending a subscriber's confirmation mail failed")]
    public static partial void MailFailed(this ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "A subscribe request was recorded without mail: its address had reached its daily mail cap")]
    public static partial void MailCapReached(this ILogger logger);
}
