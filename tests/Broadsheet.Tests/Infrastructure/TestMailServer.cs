using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>A real SMTP server on a loopback port, in process; tests read what the app sent to it.</summary>
public sealed class TestMailServer : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task running;
    private readonly Store store = new();

    public TestMailServer()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var options = new SmtpServerOptionsBuilder().ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port))).Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(store);
        running = new SmtpServer.SmtpServer(options, services).StartAsync(stop.Token);
    }

    public int Port { get; }

    /// <summary>Points the app's mail at this server.</summary>
    public BroadsheetFactory Configure(BroadsheetFactory app) => app
        .With("Email:Smtp:Host", "127.0.0.1")
        .With("Email:Smtp:Port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .With("Email:Smtp:From", "Campaign <site@example.org>")
        .With("Email:Smtp:Security", "None");

    public IReadOnlyCollection<MimeMessage> Messages => store.Messages;

    /// <summary>The single message sent to <paramref name="to"/> (waits a little for delivery).</summary>
    public async Task<MimeMessage> MessageToAsync(string to)
    {
        for (var i = 0; i < 100; i++)
        {
            var found = store.Messages.Where(m => m.To.Mailboxes.Any(b => b.Address == to)).ToList();
            if (found.Count > 0) return Assert.Single(found);
            await Task.Delay(50);
        }
        throw new InvalidOperationException($"No message reached {to}");
    }

    /// <summary>The first <paramref name="count"/> messages sent to <paramref name="to"/>, in the order they arrived.</summary>
    public async Task<IReadOnlyList<MimeMessage>> MessagesToAsync(string to, int count)
    {
        for (var i = 0; i < 100; i++)
        {
            var found = store.Messages.Where(m => m.To.Mailboxes.Any(b => b.Address == to)).ToList();
            if (found.Count >= count) return found;
            await Task.Delay(50);
        }
        throw new InvalidOperationException($"Fewer than {count} messages reached {to}");
    }

    /// <summary>The first link in a message's text that starts with <paramref name="prefix"/>, as a site path.</summary>
    public static string LinkIn(MimeMessage message, string prefix)
    {
        var text = message.TextBody ?? "";
        var start = text.IndexOf(prefix, StringComparison.Ordinal);
        Assert.True(start >= 0, $"no link containing {prefix} in: {text}");
        var end = text.IndexOfAny([' ', '\n', '\r'], start);
        var url = new Uri(end < 0 ? text[start..] : text[start..end], UriKind.RelativeOrAbsolute);
        return url.IsAbsoluteUri ? url.PathAndQuery : url.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try { await running; } catch (OperationCanceledException) { }
        stop.Dispose();
    }

    private sealed class Store : MessageStore
    {
        public ConcurrentQueue<MimeMessage> Messages { get; } = new();

        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            Messages.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }
}
