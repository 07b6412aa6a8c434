using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Xml;

namespace Broadsheet.Features.Shared;

/// <summary>
/// Text without the characters no XML document may hold: C0 controls other than tab, line feed and
/// carriage return, U+FFFE and U+FFFF, and unpaired surrogates. Feeds and sitemaps are XML, and one such
/// character in a title or tag once made every feed answer 500; so each path where text enters
/// (<see cref="Posts.PostWriter"/>, <see cref="Posts.ContentRenderer"/>, the importers, tag and settings
/// forms and endpoints) cleans it here, and the feed writer cleans again for rows written before.
/// </summary>
public static class XmlSafeText
{
    /// <summary>
    /// The text with those characters left out; a vertical tab or form feed (Word's line and page breaks,
    /// which come along when text is pasted) becomes a space, so the words either side stay apart.
    /// </summary>
    [return: NotNullIfNotNull(nameof(text))]
    public static string? Clean(string? text)
    {
        if (text is null) return null;
        var first = FirstInvalid(text);
        if (first < 0) return text;
        var clean = new StringBuilder(text.Length).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (XmlConvert.IsXmlChar(c)) clean.Append(c);
            else if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], c)) clean.Append(c).Append(text[++i]);
            else if (c is '\v' or '\f') clean.Append(' ');
        }
        return clean.ToString();
    }

    private static int FirstInvalid(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (XmlConvert.IsXmlChar(text[i])) continue;
            if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], text[i])) { i++; continue; }
            return i;
        }
        return -1;
    }
}
