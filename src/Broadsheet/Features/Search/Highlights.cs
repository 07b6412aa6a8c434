using System.Text;
using System.Net;

namespace Broadsheet.Features.Search;

/// <summary>
/// Both databases mark matched words with two control characters (which indexed text never holds,
/// see <see cref="SearchSources.Clean"/>); this turns such text into HTML by encoding everything and
/// only then putting our own &lt;mark&gt; tags where the markers were. Nothing from a post's text can
/// become markup.
/// </summary>
public static class Highlights
{
    public const char Start = '\u0001';
    public const char Stop = '\u0002';

    public static string ToHtml(string? marked)
    {
        if (string.IsNullOrEmpty(marked)) return "";
        var html = new StringBuilder(marked.Length + 32);
        var open = false;
        var segmentStart = 0;
        for (var i = 0; i <= marked.Length; i++)
        {
            if (i < marked.Length && marked[i] != Start && marked[i] != Stop) continue;
            html.Append(WebUtility.HtmlEncode(marked[segmentStart..i]));
            if (i < marked.Length)
            {
                if (marked[i] == Start && !open) html.Append("<mark>");
                else if (marked[i] == Stop && open) html.Append("</mark>");
                open = marked[i] == Start;
            }
            segmentStart = i + 1;
        }
        if (open) html.Append("</mark>");
        return html.ToString();
    }
}
