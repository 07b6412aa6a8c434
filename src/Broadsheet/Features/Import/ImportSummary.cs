using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace Broadsheet.Features.Import;

/// <summary>The formats <see cref="Importer"/> reads.</summary>
public enum ImportFormat
{
    Blogger,
    WordPress,
}

/// <summary>How far an import has got, for a progress bar: bytes of the file read so far, and items written.</summary>
public readonly record struct ImportProgress(long BytesRead, long? TotalBytes, int Items);

/// <summary>An item that was deliberately not imported, and why.</summary>
public sealed record SkippedItem(string What, string Why);

/// <summary>What an import did, for the CLI's closing lines and the admin page.</summary>
public sealed class ImportSummary
{
    public int Posts { get; set; }
    public int Pages { get; set; }
    /// <summary>Of <see cref="Posts"/> and <see cref="Pages"/>, how many are drafts (never public).</summary>
    public int Drafts { get; set; }
    /// <summary>
    /// Of <see cref="Drafts"/>, how many were password-protected in the source: Broadsheet has no per-post
    /// passwords, so they arrive as drafts rather than public.
    /// </summary>
    public int PasswordProtected { get; set; }
    public int Comments { get; set; }
    public int Tags { get; set; }
    public int Authors { get; set; }
    public int Redirects { get; set; }
    /// <summary>Posts, pages and comments whose HTML had something unsafe or unsupported removed.</summary>
    public int Sanitised { get; set; }
    /// <summary>Newsletters and subscribers restored from a backup (other imports bring none).</summary>
    public int Newsletters { get; set; }
    public int Subscribers { get; set; }
    /// <summary>Statements and their signatures restored from a backup.</summary>
    public int Statements { get; set; }
    public int Signatures { get; set; }
    /// <summary>Items already imported by an earlier run (matched by their source id) and left as they are.</summary>
    public int AlreadyImported { get; set; }
    [JsonObjectCreationHandling(JsonObjectCreationHandling.Populate)]
    public List<SkippedItem> Skipped { get; } = [];
    [JsonObjectCreationHandling(JsonObjectCreationHandling.Populate)]
    public List<string> Notes { get; } = [];

    public override string ToString()
    {
        var text = new StringBuilder();
        void Line(string label, int count) => text.AppendLine(CultureInfo.InvariantCulture, $"{label,-18}{count,8}");
        Line("posts", Posts);
        Line("pages", Pages);
        Line("  of them drafts", Drafts);
        Line("  with password", PasswordProtected);
        if (PasswordProtected > 0)
            text.AppendLine("    (password-protected posts are drafts here: publish them only if all may read them)");
        Line("comments", Comments);
        Line("tags", Tags);
        Line("authors", Authors);
        Line("redirects", Redirects);
        Line("sanitised", Sanitised);
        if (Newsletters > 0) Line("newsletters", Newsletters);
        if (Subscribers > 0) Line("subscribers", Subscribers);
        if (Statements > 0) Line("statements", Statements);
        if (Signatures > 0) Line("signatures", Signatures);
        Line("already imported", AlreadyImported);
        Line("skipped", Skipped.Count);
        foreach (var group in Skipped.GroupBy(s => s.Why).OrderByDescending(g => g.Count()))
        {
            var examples = string.Join(", ", group.Take(3).Select(s => s.What));
            var more = group.Count() > 3 ? $" and {group.Count() - 3} more" : "";
            text.AppendLine(CultureInfo.InvariantCulture, $"  {group.Count()} skipped because {group.Key}: {examples}{more}");
        }
        foreach (var note in Notes) text.AppendLine(CultureInfo.InvariantCulture, $"note: {note}");
        return text.ToString();
    }
}
