using System.Globalization;
using System.Text;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Subscribers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Subscribers;

/// <summary>
/// /admin/subscribers/export: the subscribers the list's filter selects (all, without one), as CSV (Administrators:
/// it is the whole list's personal data). Streamed, one row per subscriber: address, name, since, and their newsletters
/// with each status. Every cell is made safe for spreadsheets (<see cref="Cell"/>).
/// </summary>
[Authorize(Policy = Policies.Administer)]
public sealed class ExportModel(BroadsheetDb db) : AdminPageModel
{
    public async Task<IActionResult> OnGetAsync(SubscriberFilter filter, CancellationToken cancellationToken)
    {
        var slugs = await db.Newsletters.AsNoTracking().ToDictionaryAsync(n => n.Id, n => n.Slug, cancellationToken);
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"subscribers-{NowUtc:yyyy-MM-dd}.csv\"";
        Response.Headers.CacheControl = "no-store";
        await using var writer = new StreamWriter(Response.Body, new UTF8Encoding(false), 64 * 1024);
        await writer.WriteAsync("email,name,subscribed_at,newsletters\r\n");
        var rows = filter.Apply(db).OrderBy(s => s.Id)
            .Select(s => new { s.Email, s.Name, s.CreatedAt, Subscriptions = s.Subscriptions.Select(x => new { x.NewsletterId, x.Status }).ToList() })
            .AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            var newsletters = string.Join(";", row.Subscriptions.OrderBy(x => x.NewsletterId)
                .Select(x => slugs.GetValueOrDefault(x.NewsletterId, "?") + "=" + IndexModel.StatusName(x.Status)));
            await writer.WriteAsync(string.Join(',', Cell(row.Email), Cell(row.Name), Cell(row.CreatedAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)), Cell(newsletters)));
            await writer.WriteAsync("\r\n");
        }
        await writer.FlushAsync(cancellationToken);
        return new EmptyResult();
    }

    /// <summary>
    /// One CSV cell (RFC 4180), safe against spreadsheet formula injection as OWASP advises: a value that starts with
    /// <c>= + - @</c>, a tab or a carriage return gets a leading apostrophe, so a spreadsheet shows it as text rather than
    /// running it ("=HYPERLINK(…)" in a name field). A cell holding a comma, quote or line break is quoted, quotes doubled.
    /// </summary>
    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
