using Broadsheet.Data;
using Broadsheet.Data.WorkQueue;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Broadsheet.Email;

/// <summary>
/// Queues one transactional message on the delivery engine (<see cref="EngineEmailSender"/>): a delivery row and a work
/// item ahead of every newsletter batch, sent over the same connection pool. It returns once the message is queued.
/// </summary>
public interface IEmailSender
{
    /// <summary>
    /// True when an SMTP host is configured. When false the engine still "sends", into the pickup folder
    /// (<see cref="MailConnections.PickupFolder"/>), and nobody receives it: account mail says email is not set up.
    /// </summary>
    bool IsConfigured { get; }

    Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default);
}

/// <summary>
/// One transactional message (account mail, a confirmation). <see cref="Class"/> decides its place in the delivery
/// engine's queue: account mail first, then confirmations, then newsletters. <see cref="HtmlBody"/>, when given, is
/// sent beside the text as multipart/alternative.
/// </summary>
public sealed record EmailMessage(string To, string Subject, string TextBody, string? ToName = null)
{
    public MailClass Class { get; init; } = MailClass.Account;
    public string? HtmlBody { get; init; }

    /// <summary>From: when not the site's own sender (a newsletter's confirmation comes from that newsletter's sender).</summary>
    public string? From { get; init; }
    public string? ReplyTo { get; init; }
}

/// <summary>Configuration section <c>Email:Smtp</c>.</summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 587;
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "broadsheet@localhost";

    /// <summary>Auto (TLS on 465, STARTTLS when offered elsewhere), None, StartTls or SslOnConnect.</summary>
    public string Security { get; set; } = "Auto";

    /// <summary>Connections this node keeps open to the server and sends over at once.</summary>
    public int Connections { get; set; } = 4;

    /// <summary>Limits shared by every node (null or 0: none); relays such as Google Workspace cap a day.</summary>
    public int? PerSecond { get; set; }
    public int? PerHour { get; set; }
    public int? PerDay { get; set; }

    /// <summary>The envelope sender (MAIL FROM), where bounces go; by default the message's From: address.</summary>
    public string? ReturnPath { get; set; }

    /// <summary>How long one SMTP command or connect may take before the connection counts as stalled.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Transactional mail through the engine: the message is rendered now (it holds one-use links), kept encrypted with the
/// site's data protection keys in its delivery row until it is sent, and queued at its class's priority, so a reset
/// link is claimed before any newsletter batch. The delivery and its work item commit together.
/// </summary>
public sealed class EngineEmailSender(
    IServiceScopeFactory scopes, Microsoft.Extensions.Options.IOptions<SmtpOptions> options, Microsoft.Extensions.Options.IOptions<DeliveryOptions> deliveryOptions,
    IDataProtectionProvider protection, TimeProvider clock, ILogger<EngineEmailSender> logger) : IEmailSender
{
    private readonly SmtpOptions smtp = options.Value;
    private readonly DeliveryOptions delivery = deliveryOptions.Value;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(smtp.Host);

    /// <summary>The purpose the delivery rows' messages are protected under.</summary>
    internal const string Purpose = "Broadsheet.Email.Delivery.v1";

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        var mime = Render(message);
        using var buffer = new MemoryStream();
        await mime.WriteToAsync(buffer, cancellationToken);
        var protectedMessage = protection.CreateProtector(Purpose).Protect(Convert.ToBase64String(buffer.GetBuffer(), 0, (int)buffer.Length));

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var queue = scope.ServiceProvider.GetRequiredService<WorkQueue>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var row = new Delivery
        {
            Class = message.Class,
            ToAddress = message.To,
            ToName = message.ToName,
            Status = DeliveryStatus.Queued,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            ProtectedMessage = protectedMessage,
        };
        db.Deliveries.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        await queue.EnqueueAsync(db, DeliverWork.Kind, new DeliverWork.Payload(null, row.Id), priority: PriorityOf(message.Class), cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        queue.Wake();
        logger.Queued(message.Subject, message.Class, row.Id);
        if (message.Class == MailClass.Account) await WaitForOutcomeAsync(db, row.Id, cancellationToken);
    }

    /// <summary>
    /// Account mail has a person at the screen who asked for it, and the page tells them if it could not go: wait (a
    /// little) for the engine's first attempt. A refusal or an unreachable server cancels the delivery, so a link the
    /// page called unsent never arrives later, and throws <see cref="MailNotSentException"/>. Still waiting after
    /// <see cref="DeliveryOptions.AccountMailWait"/> returns: it is queued and will go.
    /// </summary>
    private async Task WaitForOutcomeAsync(BroadsheetDb db, long id, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + delivery.AccountMailWait;
        while (DateTime.UtcNow < until)
        {
            await Task.Delay(50, cancellationToken);
            var row = await db.Deliveries.AsNoTracking().Where(d => d.Id == id).Select(d => new { d.Status, d.LastReply }).FirstAsync(cancellationToken);
            if (row.Status == DeliveryStatus.Sent) return;
            if (row.Status is DeliveryStatus.Failed or DeliveryStatus.Deferred || row.Status == DeliveryStatus.Queued && row.LastReply is not null)
            {
                await db.Deliveries.Where(d => d.Id == id && d.Status != DeliveryStatus.Sent && d.Status != DeliveryStatus.InFlight)
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Cancelled).SetProperty(d => d.ProtectedMessage, (string?)null)
                        .SetProperty(d => d.NextAttemptAt, (DateTime?)null), CancellationToken.None);
                throw new MailNotSentException($"The message could not be sent: {row.LastReply}");
            }
        }
    }

    public static int PriorityOf(MailClass mailClass) => mailClass switch
    {
        MailClass.Account => WorkPriority.AccountMail,
        MailClass.Confirmation => WorkPriority.ConfirmationMail,
        _ => WorkPriority.BulkMail,
    };

    private MimeMessage Render(EmailMessage message)
    {
        var mime = new MimeMessage();
        var from = MailboxAddress.Parse(message.From ?? smtp.From);
        mime.From.Add(from);
        if (message.ReplyTo is { Length: > 0 } replyTo) mime.ReplyTo.Add(MailboxAddress.Parse(replyTo));
        mime.To.Add(new MailboxAddress(message.ToName ?? "", message.To));
        mime.Subject = message.Subject;
        mime.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(from.Domain);
        var text = new TextPart("plain") { Text = message.TextBody };
        mime.Body = message.HtmlBody is { Length: > 0 } html
            ? new MultipartAlternative { text, new TextPart("html") { Text = html } }
            : text;
        return mime;
    }
}

/// <summary>The engine's first attempt at an account mail was refused, or could not reach the server; the delivery is cancelled.</summary>
public sealed class MailNotSentException(string message) : Exception(message);

public static class EmailSetup
{
    public static IServiceCollection AddBroadsheetEmail(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SmtpOptions>(configuration.GetSection("Email:Smtp"));
        services.Configure<DeliveryOptions>(configuration.GetSection("Email:Delivery"));
        services.AddSingleton<MailConnections>();
        services.AddSingleton<DeliveryRecovery>();
        services.AddSingleton<IEmailSender, EngineEmailSender>();
        services.AddScoped<DeliveryEngine>();
        services.AddScoped<SendRate>();
        services.AddWork<DeliverWork>(DeliverWork.Kind);
        return services;
    }
}

/// <summary>The log lines above, source-generated so a disabled level costs nothing (CA1848).</summary>
internal static partial class EmailSenderLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Queued \"{Subject}\" ({Class}) as delivery {Id}")]
    public static partial void Queued(this ILogger logger, string subject, MailClass @class, long id);
}
