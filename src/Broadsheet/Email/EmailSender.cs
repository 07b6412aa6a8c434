using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Broadsheet.Email;

/// <summary>
/// Sends one message now. The account mails (reset, invitation) use it directly; the newsletter
/// delivery engine (queueing, batching, retries) is a later subsystem of this folder.
/// </summary>
public interface IEmailSender
{
    /// <summary>True when an SMTP host is configured.</summary>
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
}

/// <summary>One connection per message over MailKit: the account mails are few. Never logs bodies (they hold links with tokens).</summary>
public sealed class SmtpEmailSender(Microsoft.Extensions.Options.IOptions<SmtpOptions> options, ILogger<SmtpEmailSender> logger) : IEmailSender
{
    private readonly SmtpOptions smtp = options.Value;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(smtp.Host);

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        if (!IsConfigured) throw new InvalidOperationException("Email is not set up: configure Email:Smtp:Host.");
        var mime = new MimeMessage();
        mime.From.Add(MailboxAddress.Parse(smtp.From));
        mime.To.Add(new MailboxAddress(message.ToName ?? "", message.To));
        mime.Subject = message.Subject;
        mime.Body = new TextPart("plain") { Text = message.TextBody };

        using var client = new SmtpClient();
        var security = smtp.Security.ToUpperInvariant() switch
        {
            "NONE" => SecureSocketOptions.None,
            "STARTTLS" => SecureSocketOptions.StartTls,
            "SSLONCONNECT" => SecureSocketOptions.SslOnConnect,
            _ => smtp.Port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable,
        };
        await client.ConnectAsync(smtp.Host!, smtp.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(smtp.Username))
            await client.AuthenticateAsync(smtp.Username, smtp.Password ?? "", cancellationToken);
        await client.SendAsync(mime, cancellationToken);
        await client.DisconnectAsync(true, cancellationToken);
        logger.Sent(message.Subject, smtp.Host);
    }
}

public static class EmailSetup
{
    public static IServiceCollection AddBroadsheetEmail(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SmtpOptions>(configuration.GetSection("Email:Smtp"));
        services.AddSingleton<IEmailSender, SmtpEmailSender>();
        return services;
    }
}

/// <summary>The log lines above, source-generated so a disabled level costs nothing (CA1848).</summary>
internal static partial class EmailSenderLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Sent \"{Subject}\" to one recipient via {Host}")]
    public static partial void Sent(this ILogger logger, string subject, string? host);
}
