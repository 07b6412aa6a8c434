using Broadsheet.Email;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Posts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using MimeKit;

namespace Broadsheet.Features.Admin.Newsletters;

/// <summary>
/// /admin/mail-pickup: "what was sent" when no SMTP server is configured. The delivery engine writes each message to
/// the pickup folder (<see cref="PickupFolder"/>) as an .eml file; this lists them, newest first, with their To, Subject
/// and date, and shows one as text. A file is opened only by a name found in the folder's own listing, so no path
/// from the request ever reaches the file system.
/// </summary>
[Authorize(Policy = Policies.EditAll)]
public sealed class PickupModel(IConfiguration configuration) : AdminPageModel
{
    public const int PageSize = 50;

    public string Folder => PickupFolder.From(configuration);
    public int Total { get; private set; }
    public int PageNumber { get; private set; } = 1;
    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public Shown? Message { get; private set; }

    public sealed record Row(string File, DateTime WrittenAt, long Bytes, string To, string Subject);

    public sealed record Shown(string File, string From, string To, string Subject, string Date, IReadOnlyList<(string Name, string Value)> Headers, string Text);

    public async Task<IActionResult> OnGetAsync(string? file, CancellationToken cancellationToken)
    {
        if (PageNumbers.Parse(Request.Query["page"]) is not { } pageNumber) return NotFound();
        PageNumber = pageNumber;
        var files = Directory.Exists(Folder)
            ? new DirectoryInfo(Folder).EnumerateFiles("*.eml").OrderByDescending(f => f.LastWriteTimeUtc).ThenByDescending(f => f.Name, StringComparer.Ordinal).ToList()
            : [];
        Total = files.Count;
        if (file is not null)
        {
            var found = files.FirstOrDefault(f => string.Equals(f.Name, file, StringComparison.Ordinal));
            if (found is null) return NotFound();
            Message = await ShowAsync(found, cancellationToken);
            return Page();
        }
        if (PageNumber > 1 && (PageNumber - 1) * PageSize >= Total) return NotFound();
        var rows = new List<Row>();
        foreach (var f in files.Skip((PageNumber - 1) * PageSize).Take(PageSize))
        {
            var (to, subject) = await HeadersAsync(f, cancellationToken);
            rows.Add(new Row(f.Name, f.LastWriteTimeUtc, f.Length, to, subject));
        }
        Rows = rows;
        return Page();
    }

    private static async Task<(string To, string Subject)> HeadersAsync(FileInfo file, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = file.OpenRead();
            var headers = await HeaderList.LoadAsync(stream, cancellationToken);
            // HeaderList gives values decoded (RFC 2047) and unfolded.
            return (headers[HeaderId.To] ?? "", headers[HeaderId.Subject]?.Trim() ?? "");
        }
        catch (Exception e) when (e is IOException or FormatException or ParseException)
        {
            // Being written at this moment, or not a message: list it anyway.
            return ("", "(unreadable)");
        }
    }

    private static async Task<Shown> ShowAsync(FileInfo file, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = file.OpenRead();
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            return new Shown(file.Name, message.From.ToString(), message.To.ToString(), message.Subject ?? "",
                message.Date.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture),
                [.. message.Headers.Select(h => (h.Field, h.Value))],
                message.TextBody ?? "(no plain-text part)");
        }
        catch (Exception e) when (e is IOException or FormatException or ParseException)
        {
            return new Shown(file.Name, "", "", "(unreadable)", "", [], "This file could not be read as a message.");
        }
    }

    public string PageLink(int page) => "/admin/mail-pickup?page=" + page.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
