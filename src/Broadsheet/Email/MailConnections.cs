using System.Net.Sockets;
using Broadsheet.Data;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Broadsheet.Email;

/// <summary>One open way out for mail: an SMTP connection kept open between messages, or the pickup folder.</summary>
public interface IMailConnection : IAsyncDisposable
{
    /// <summary>False once the connection broke; the pool then closes it rather than reuse it.</summary>
    bool IsUsable { get; }

    /// <summary>Sends one message to one recipient; returns the server's answer to DATA. Throws what MailKit throws.</summary>
    Task<string> SendAsync(MimeMessage message, MailboxAddress sender, MailboxAddress recipient, CancellationToken cancellationToken);
}

/// <summary>
/// This node's pool of SMTP connections (<c>Email:Smtp:Connections</c>), opened on demand, kept open and reused by every
/// batch and transactional message on the node, with TCP_NODELAY on the socket (without it each message waits out
/// Nagle's delay against the server's delayed ACK: ~25 messages/s instead of thousands). With no
/// <c>Email:Smtp:Host</c> every "connection" writes <c>.eml</c> files into <see cref="PickupFolder"/> instead.
/// </summary>
public sealed class MailConnections : IAsyncDisposable
{
    private readonly SmtpOptions smtp;
    private readonly SemaphoreSlim slots;
    private readonly Stack<IMailConnection> idle = new();

    public MailConnections(IOptions<SmtpOptions> options, IConfiguration configuration)
    {
        smtp = options.Value;
        Size = Math.Max(1, smtp.Connections);
        slots = new SemaphoreSlim(Size, Size);
        PickupFolder = Email.PickupFolder.From(configuration);
    }

    /// <summary>Connections at most, open at once, on this node.</summary>
    public int Size { get; }

    public bool UsesPickupFolder => string.IsNullOrWhiteSpace(smtp.Host);

    /// <summary>Where mail goes with no SMTP server configured (<see cref="Email.PickupFolder"/>). Nobody receives it.</summary>
    public string PickupFolder { get; }

    /// <summary>For the admin's pages: where mail goes, honestly.</summary>
    public string Destination => UsesPickupFolder
        ? $"No SMTP server is configured (Email:Smtp:Host): mail goes to the pickup folder {PickupFolder} as .eml files, and nobody will receive it."
        : $"Mail goes to the SMTP server {smtp.Host}:{smtp.Port}.";

    /// <summary>Waits for a free slot and returns an open connection (an idle one, or a new one). Give it back with <see cref="Return"/>.</summary>
    public async Task<IMailConnection> TakeAsync(CancellationToken cancellationToken)
    {
        await slots.WaitAsync(cancellationToken);
        try
        {
            lock (idle)
                if (idle.Count > 0) return idle.Pop();
            if (UsesPickupFolder) return new PickupConnection(PickupFolder);
            return await SmtpConnection.OpenAsync(smtp, cancellationToken);
        }
        catch
        {
            slots.Release();
            throw;
        }
    }

    /// <summary>Gives a connection back: kept open for the next message when still usable, closed otherwise.</summary>
    public async Task ReturnAsync(IMailConnection connection)
    {
        try
        {
            if (connection.IsUsable)
            {
                lock (idle) idle.Push(connection);
                return;
            }
            await connection.DisposeAsync();
        }
        finally
        {
            slots.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<IMailConnection> open;
        lock (idle)
        {
            open = [.. idle];
            idle.Clear();
        }
        foreach (var connection in open) await connection.DisposeAsync();
        slots.Dispose();
    }

    private sealed class SmtpConnection(SmtpClient client) : IMailConnection
    {
        private bool broken;

        public bool IsUsable => !broken && client.IsConnected;

        public static async Task<IMailConnection> OpenAsync(SmtpOptions smtp, CancellationToken cancellationToken)
        {
            var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    connecting.CancelAfter(smtp.Timeout);
                    try
                    {
                        await socket.ConnectAsync(smtp.Host!, smtp.Port, connecting.Token);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        throw new TimeoutException($"Connecting to {smtp.Host}:{smtp.Port} took longer than {smtp.Timeout.TotalSeconds:0} s.");
                    }
                }
                var security = smtp.Security.ToUpperInvariant() switch
                {
                    "NONE" => SecureSocketOptions.None,
                    "STARTTLS" => SecureSocketOptions.StartTls,
                    "SSLONCONNECT" => SecureSocketOptions.SslOnConnect,
                    _ => smtp.Port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable,
                };
                // MailKit takes the socket over (and closes it with the client).
                await client.ConnectAsync(socket, smtp.Host!, smtp.Port, security, cancellationToken);
                if (!string.IsNullOrEmpty(smtp.Username))
                    await client.AuthenticateAsync(smtp.Username, smtp.Password ?? "", cancellationToken);
                return new SmtpConnection(client);
            }
            catch
            {
                client.Dispose();
                socket.Dispose();
                throw;
            }
        }

        public async Task<string> SendAsync(MimeMessage message, MailboxAddress sender, MailboxAddress recipient, CancellationToken cancellationToken)
        {
            try
            {
                return await client.SendAsync(message, sender, [recipient], cancellationToken);
            }
            catch (SmtpCommandException) when (client.IsConnected)
            {
                // A refused sender, recipient or message: the connection itself is fine (MailKit has reset the transaction).
                throw;
            }
            catch
            {
                broken = true;
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (client.IsConnected)
                {
                    using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await client.DisconnectAsync(true, quit.Token);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or SmtpProtocolException or SmtpCommandException)
            {
                // Closing a connection that is already gone.
            }
            client.Dispose();
        }
    }

    /// <summary>Writes each message to its own .eml file (to a temporary name, then renamed, so a reader never sees half a file).</summary>
    private sealed class PickupConnection(string folder) : IMailConnection
    {
        public bool IsUsable => true;

        public async Task<string> SendAsync(MimeMessage message, MailboxAddress sender, MailboxAddress recipient, CancellationToken cancellationToken)
        {
            Directory.CreateDirectory(folder);
            var name = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid():N}.eml";
            var temporary = Path.Combine(folder, "." + name + ".tmp");
            await using (var file = File.Create(temporary))
                await message.WriteToAsync(file, cancellationToken);
            File.Move(temporary, Path.Combine(folder, name));
            return $"250 written to the pickup folder as {name}";
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
