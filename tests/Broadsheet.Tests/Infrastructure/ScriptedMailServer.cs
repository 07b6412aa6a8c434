using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>
/// A real SMTP server on a loopback port, in process, that answers as a test scripts it: a rule per recipient at RCPT TO
/// (accept, or any reply: 451, 550 5.1.1 …), and optionally a password it insists on. Tests read what it accepted.
/// </summary>
public sealed class ScriptedMailServer : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task running;

    /// <param name="password">When given, AUTH is required (without TLS, as a test allows) and only this password passes.</param>
    public ScriptedMailServer(string? password = null)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var options = new SmtpServerOptionsBuilder().ServerName("localhost")
            .Endpoint(e =>
            {
                e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port));
                if (password is not null) e.AllowUnsecureAuthentication().AuthenticationRequired();
            }).Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        services.Add(new Filter(this));
        if (password is not null) services.Add(new Passwords(password));
        running = new SmtpServer.SmtpServer(options, services).StartAsync(stop.Token);
    }

    public int Port { get; }

    /// <summary>Decides the RCPT TO answer for an address: null accepts; otherwise the reply (code and text) to refuse with.</summary>
    public Func<string, (int Code, string Text)?> Recipients { get; set; } = _ => null;

    /// <summary>What was accepted, in order, with the session it came over.</summary>
    public ConcurrentQueue<(Guid Session, MimeMessage Message)> Accepted { get; } = new();

    /// <summary>Every RCPT TO seen, accepted or not.</summary>
    public ConcurrentQueue<string> Asked { get; } = new();

    public int CopiesTo(string address) => Accepted.Count(a => a.Message.To.Mailboxes.Any(m => m.Address == address));

    public BroadsheetFactory Configure(BroadsheetFactory app, string? username = null, string? password = null)
    {
        app.With("Email:Smtp:Host", "127.0.0.1")
            .With("Email:Smtp:Port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .With("Email:Smtp:From", "Campaign <site@example.org>")
            .With("Email:Smtp:Security", "None");
        if (username is not null) app.With("Email:Smtp:Username", username).With("Email:Smtp:Password", password);
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try { await running; } catch (OperationCanceledException) { }
        stop.Dispose();
    }

    private static string AddressOf(IMailbox mailbox) => $"{mailbox.User}@{mailbox.Host}";

    private sealed class Store(ScriptedMailServer server) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            server.Accepted.Enqueue((context.SessionId, await MimeMessage.LoadAsync(stream, cancellationToken)));
            return SmtpResponse.Ok;
        }
    }

    private sealed class Filter(ScriptedMailServer server) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
        {
            var address = AddressOf(to);
            server.Asked.Enqueue(address);
            if (server.Recipients(address) is { } refusal)
                throw new SmtpResponseException(new SmtpResponse((SmtpReplyCode)refusal.Code, refusal.Text));
            return Task.FromResult(true);
        }
    }

    private sealed class Passwords(string password) : IUserAuthenticator
    {
        public Task<bool> AuthenticateAsync(ISessionContext context, string user, string given, CancellationToken cancellationToken) =>
            Task.FromResult(given == password);
    }
}
