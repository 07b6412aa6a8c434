using System.Globalization;
using System.Net;
using System.Text;
using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Subscribers;

/// <summary>One month's point: confirmed subscribers at the end of it.</summary>
public sealed record ChartMonth(DateOnly Month, int Confirmed)
{
    public string Label => Month.ToString("MMM yyyy", CultureInfo.InvariantCulture);
}

/// <summary>
/// Confirmed subscribers over the last 24 months (of one newsletter, or of any), drawn on the server as SVG: no script,
/// nothing for the CSP to refuse. A subscriber counts at a month's end when a subscription was confirmed before it
/// and not left before it; with every newsletter, a person on two counts once. Months are calendar months in UTC.
/// Erased subscribers leave the history with their data. Every drawing carries a title and a description, and the
/// page prints the same numbers as a table, for screen readers and for anyone who wants the figures.
/// </summary>
public static class SubscriberChart
{
    public const int Months = 24;

    public static async Task<IReadOnlyList<ChartMonth>> CountAsync(BroadsheetDb db, int? newsletterId, DateTime nowUtc, CancellationToken cancellationToken)
    {
        var thisMonth = new DateOnly(nowUtc.Year, nowUtc.Month, 1);
        var first = thisMonth.AddMonths(-(Months - 1));
        var from = first.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        // Only the dates are read: one small row per confirmed subscription that was still there when the window opened.
        var spans = await db.Subscriptions.AsNoTracking()
            .Where(s => s.ConfirmedAt != null && (newsletterId == null || s.NewsletterId == newsletterId) && (s.UnsubscribedAt == null || s.UnsubscribedAt >= from))
            .Select(s => new { s.SubscriberId, ConfirmedAt = s.ConfirmedAt!.Value, s.UnsubscribedAt })
            .ToListAsync(cancellationToken);
        var months = new List<ChartMonth>(Months);
        for (var i = 0; i < Months; i++)
        {
            var month = first.AddMonths(i);
            // The end of this month, or now for the month we are in.
            var end = i == Months - 1 ? nowUtc : month.AddMonths(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            var count = spans.Where(s => s.ConfirmedAt < end && (s.UnsubscribedAt is null || s.UnsubscribedAt >= end)).Select(s => s.SubscriberId).Distinct().Count();
            months.Add(new ChartMonth(month, count));
        }
        return months;
    }

    /// <summary>The bar chart as an inline SVG element, labelled by its own title and description.</summary>
    public static string Svg(IReadOnlyList<ChartMonth> months, string what)
    {
        const int width = 720, height = 260, left = 48, right = 8, top = 12, bottom = 40;
        var max = Math.Max(1, months.Count == 0 ? 1 : months.Max(m => m.Confirmed));
        var scale = NiceCeiling(max);
        var plotWidth = width - left - right;
        var plotHeight = height - top - bottom;
        var slot = plotWidth / (double)Math.Max(1, months.Count);
        var svg = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var first = months.Count > 0 ? months[0] : null;
        var last = months.Count > 0 ? months[^1] : null;
        var description = first is null || last is null ? "No data." :
            string.Create(inv, $"Bar chart of confirmed subscribers at the end of each month, {first.Label} to {last.Label}: {first.Confirmed} then, {last.Confirmed} now, at most {months.Max(m => m.Confirmed)}.");
        svg.Append(inv, $"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"chart-title chart-desc\">");
        svg.Append(inv, $"<title id=\"chart-title\">{E(what)}</title><desc id=\"chart-desc\">{E(description)}</desc>");
        // Grid lines at 0, a half and the top of the scale, labelled.
        foreach (var fraction in new[] { 0.0, 0.5, 1.0 })
        {
            var y = top + plotHeight - fraction * plotHeight;
            svg.Append(inv, $"<line class=\"grid\" x1=\"{left}\" x2=\"{width - right}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\"/>");
            svg.Append(inv, $"<text class=\"axis\" x=\"{left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{(int)(scale * fraction)}</text>");
        }
        for (var i = 0; i < months.Count; i++)
        {
            var m = months[i];
            var barHeight = m.Confirmed / (double)scale * plotHeight;
            var x = left + i * slot + slot * 0.15;
            svg.Append(inv, $"<rect class=\"bar\" x=\"{x:0.#}\" y=\"{top + plotHeight - barHeight:0.#}\" width=\"{slot * 0.7:0.#}\" height=\"{barHeight:0.#}\"><title>{E(m.Label)}: {m.Confirmed}</title></rect>");
            // Every third month labelled, so the labels never overlap.
            if (i % 3 == 0 || i == months.Count - 1)
                svg.Append(inv, $"<text class=\"axis\" x=\"{left + i * slot + slot / 2:0.#}\" y=\"{height - bottom + 16}\" text-anchor=\"middle\">{E(m.Month.ToString("MMM yy", inv))}</text>");
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>A round number at or above <paramref name="max"/> (1, 2 or 5 times a power of ten) for the scale's top.</summary>
    public static int NiceCeiling(int max)
    {
        var magnitude = 1;
        while (magnitude * 10 <= max) magnitude *= 10;
        foreach (var step in new[] { 1, 2, 5, 10 })
            if (step * magnitude >= max) return step * magnitude;
        return 10 * magnitude;
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
