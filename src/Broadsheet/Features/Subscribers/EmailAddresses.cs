using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Broadsheet.Features.Subscribers;

/// <summary>
/// The one rule for "is this the same address" that subscribers, suppressions and statement signatures all use, so a
/// person cannot sign twice or slip past a suppression by writing their address another way.
/// </summary>
public static class EmailAddresses
{
    /// <summary>Domains whose mailboxes ignore dots in the local part (Gmail's rule).</summary>
    private static readonly HashSet<string> DotsIgnored = new(StringComparer.Ordinal) { "gmail.com", "googlemail.com" };

    /// <summary>
    /// Domains known to deliver "name+anything@" to "name@" (sub-addressing, RFC 5233). Elsewhere a plus may be part of a
    /// real mailbox name, so it is kept.
    /// </summary>
    private static readonly HashSet<string> PlusTagsIgnored = new(StringComparer.Ordinal)
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com", "live.co.uk", "msn.com",
        "icloud.com", "me.com", "mac.com", "fastmail.com", "fastmail.fm", "protonmail.com", "proton.me", "pm.me",
        "yandex.com", "yandex.ru", "zoho.com", "gmx.com", "gmx.de", "gmx.net", "posteo.de", "mailbox.org", "tutanota.com",
    };

    /// <summary>
    /// The address checked and tidied for storing (trimmed; domain lower-cased and in its ASCII form), or null when it is
    /// not a single plain address a newsletter could be sent to.
    /// </summary>
    public static string? Clean(string? input)
    {
        if (string.IsNullOrWhiteSpace(input)) return null;
        var text = input.Trim();
        if (text.Length > 254 || text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or ',' or ';' or '"' or '(' or ')' or '[' or ']' or '\\'))
            return null;
        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1 || text.IndexOf('@') != at) return null;
        var local = text[..at];
        if (local.Length > 64 || local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal)) return null;
        string domain;
        try
        {
            domain = new IdnMapping().GetAscii(text[(at + 1)..].TrimEnd('.')).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }
        var labels = domain.Split('.');
        if (labels.Length < 2 || labels.Any(l => l.Length is 0 or > 63 || l.StartsWith('-') || l.EndsWith('-'))) return null;
        if (!labels[^1].All(char.IsAsciiLetter) && !labels[^1].StartsWith("xn--", StringComparison.Ordinal)) return null;
        return local + "@" + domain;
    }

    /// <summary>
    /// The comparable form of a clean address: lower case throughout (no mail provider of note treats case in the local
    /// part as significant, and people type it in any case), dots dropped and "+tag" cut where the domain ignores them.
    /// </summary>
    public static string Canonical(string cleanAddress)
    {
        var at = cleanAddress.LastIndexOf('@');
        var local = cleanAddress[..at].ToLowerInvariant();
        var domain = cleanAddress[(at + 1)..].ToLowerInvariant();
        if (domain == "googlemail.com") domain = "gmail.com";
        if (PlusTagsIgnored.Contains(domain))
        {
            var plus = local.IndexOf('+', StringComparison.Ordinal);
            if (plus > 0) local = local[..plus];
        }
        if (DotsIgnored.Contains(domain)) local = local.Replace(".", "", StringComparison.Ordinal);
        return local + "@" + domain;
    }

    /// <summary>What a <see cref="Suppression"/> keeps of an address: SHA-256 of its canonical form, lower-case hex.</summary>
    public static string Hash(string cleanAddress) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(cleanAddress))));
}
