using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Api;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Admin;

/// <summary>
/// Uploads larger than their limit, over a real socket: Kestrel enforces its request-body limit (30 MB by
/// default) where TestServer does not, and that limit is what turned a 40 MB media upload or a chunked
/// 200 MB import into a bare 400. Every upload form and the media API must answer "too large" instead, with
/// or without a Content-Length, and store nothing.
/// </summary>
public abstract class OversizedUploadTests(TestProvider provider)
{
    private const int MB = 1024 * 1024;

    /// <summary>The app on Kestrel (127.0.0.1, a free port); its clients talk to it over the socket.</summary>
    private BroadsheetFactory App()
    {
        var app = new BroadsheetFactory(provider);
        app.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        app.StartServer();
        return app;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_40_MB_upload_on_the_media_page_is_told_the_limit(bool chunked)
    {
        await using var app = App();
        var (editor, cookies) = await SignedInAsync(app, Roles.Editor);
        var token = await editor.AntiforgeryTokenAsync("/admin/media");

        var response = await SendLikeABrowserAsync(editor, "/admin/media?handler=Upload", Form(token, ("file", "poster.png", 40L * MB)), chunked, ("Cookie", cookies()));

        await AssertToldTooLargeAsync(editor, response, "larger than the limit of 10 MB");
        await MediaApiTests.AssertNothingStoredAsync(app);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_200_MB_import_upload_is_told_the_limit(bool chunked)
    {
        await using var app = App();
        var (admin, cookies) = await SignedInAsync(app, Roles.Administrator);
        var token = await admin.AntiforgeryTokenAsync("/admin/import");

        var response = await SendLikeABrowserAsync(admin, "/admin/import", Form(token, ("Upload", "blog.xml", 200L * MB)), chunked, ("Cookie", cookies()));

        await AssertToldTooLargeAsync(admin, response, "larger than the upload limit of 100 MB");
        await using var scope = app.Scope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().ImportJobs.CountAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_40_MB_upload_to_the_media_API_is_a_413_problem(bool chunked)
    {
        await using var app = App();
        var (client, _) = await SignedInAsync(app, null);
        var key = await app.CreateKeyAsync();

        var response = await SendLikeABrowserAsync(client, "/api/admin/media", Form(null, ("file", "poster.png", 40L * MB)), chunked, ("Authorization", "Bearer " + key));

        Assert.Equal(413, response.Status);
        Assert.StartsWith("application/problem+json", response.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Contains("larger than the limit of 10 MB", response.Body, StringComparison.Ordinal);
        await MediaApiTests.AssertNothingStoredAsync(app);
    }

    /// <summary>A client of the Kestrel server keeping its cookies (signed in when a role is given), and the cookies as a header.</summary>
    private static async Task<(HttpClient Client, Func<string> Cookies)> SignedInAsync(BroadsheetFactory app, string? role)
    {
        var jar = new CookieContainer();
        var client = new HttpClient(new SocketsHttpHandler { CookieContainer = jar, AllowAutoRedirect = false }) { BaseAddress = app.ClientOptions.BaseAddress };
        if (role is not null)
        {
            var user = await app.AddUserAsync(role);
            var signIn = await client.SubmitAsync("/admin/login", new() { ["Input.Email"] = user.Email, ["Input.Password"] = AdminClient.Password });
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        }
        return (client, () => jar.GetCookieHeader(client.BaseAddress!));
    }

    private sealed record RawResponse(int Status, Dictionary<string, string> Headers, string Body);

    /// <summary>The page answers with the message, directly or after sending the browser back to the form.</summary>
    private static async Task AssertToldTooLargeAsync(HttpClient client, RawResponse response, string message)
    {
        if (response.Status is 302 or 303)
        {
            var page = await client.GetAsync(response.Headers["Location"]);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains(message, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            return;
        }
        Assert.True(response.Status == 413, $"the page answered {response.Status}");
        Assert.Contains(message, response.Body, StringComparison.Ordinal);
    }

    /// <summary>
    /// Sends a request as a browser does: the body is written while the response is awaited, and a failure to
    /// write it (the server answered early and closed the connection) does not stop the response being read.
    /// HttpClient gives up on the response when sending fails, which a browser does not.
    /// </summary>
    private static async Task<RawResponse> SendLikeABrowserAsync(HttpClient client, string path, HttpContent content, bool chunked, params (string Name, string Value)[] headers)
    {
        var server = client.BaseAddress!;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var network = tcp.GetStream();
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"POST {path} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Type: {content.Headers.ContentType}\r\n")
            .Append(chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {content.Headers.ContentLength}\r\n");
        foreach (var (name, value) in headers) head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        await network.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()));
        var sending = Task.Run(async () =>
        {
            try
            {
                await using var body = chunked ? new ChunkedWriteStream(network) : null;
                await content.CopyToAsync((Stream?)body ?? network);
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                // The server stopped reading: what it answered is read below.
            }
        });

        var received = new MemoryStream();
        try
        {
            await network.CopyToAsync(received);
        }
        catch (IOException)
        {
            // A reset after the answer: keep what arrived.
        }
        await sending;
        var text = Encoding.UTF8.GetString(received.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, $"no response arrived ({received.Length} bytes)");
        var lines = text[..split].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var fields = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var rest = text[(split + 4)..];
        return new RawResponse(status, fields, fields.GetValueOrDefault("Transfer-Encoding") == "chunked" ? Unchunk(rest) : rest);
    }

    private static string Unchunk(string body)
    {
        var result = new StringBuilder();
        var at = 0;
        while (at < body.Length)
        {
            var end = body.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = int.Parse(body[at..end], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0) break;
            result.Append(body, end + 2, size);
            at = end + 2 + size + 2;
        }
        return result.ToString();
    }

    /// <summary>A multipart form as a browser sends it: the token, then a file of <c>size</c> bytes made as it is sent.</summary>
    private static MultipartFormDataContent Form(string? token, (string Field, string FileName, long Size) file)
    {
        var form = new MultipartFormDataContent();
        if (token is not null) form.Add(new StringContent(token), "__RequestVerificationToken");
        var body = new StreamContent(new GeneratedStream(file.Size));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(body, file.Field, file.FileName);
        return form;
    }

    /// <summary>Writes what it is given in HTTP/1.1 chunks, and the last chunk when disposed.</summary>
    private sealed class ChunkedWriteStream(Stream inner) : Stream
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.Length == 0) return;
            await inner.WriteAsync(Encoding.ASCII.GetBytes(buffer.Length.ToString("X", CultureInfo.InvariantCulture) + "\r\n"), cancellationToken);
            await inner.WriteAsync(buffer, cancellationToken);
            await inner.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask DisposeAsync()
        {
            await inner.WriteAsync("0\r\n\r\n"u8.ToArray());
            await base.DisposeAsync();
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

public sealed class SqliteOversizedUploadTests() : OversizedUploadTests(TestProvider.Sqlite);

public sealed class PostgresOversizedUploadTests() : OversizedUploadTests(TestProvider.Postgres);
