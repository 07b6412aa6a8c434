using System.Globalization;
using System.Text;

namespace Broadsheet.Features.Search;

/// <summary>One thing the reader asked for: a word, a "quoted phrase" (several words in order) or a prefix (<c>campaign*</c>).</summary>
public sealed record SearchTerm(IReadOnlyList<string> Words, bool Prefix = false)
{
    public bool IsPhrase => Words.Count > 1;

    public override string ToString() =>
        IsPhrase ? "\"" + string.Join(' ', Words) + "\"" : Words[0] + (Prefix ? "*" : "");
}

/// <summary>
/// What a reader typed, reduced to words, phrases and prefixes by our own tokenizer. Nothing the
/// reader typed reaches FTS5's MATCH or PostgreSQL's tsquery parser as syntax: each index builds
/// its query from these terms only (words hold letters, digits and combining marks, nothing else),
/// so quotes, <c>*</c>, <c>NEAR</c>, <c>AND</c>, <c>-</c>, <c>:</c>, <c>^</c> and parentheses can
/// never make an SQL or FTS error. Every term must match (AND), as readers expect of a site search.
/// </summary>
public sealed class SearchQuery
{
    /// <summary>Longer input is cut here (the search box says so too with maxlength).</summary>
    public const int MaxLength = 200;
    public const int MaxTerms = 12;
    public const int MaxWordLength = 64;

    /// <summary>FTS operators a reader may type out of habit; as bare upper-case words they mean nothing to us (all terms are required anyway).</summary>
    private static readonly HashSet<string> Operators = new(StringComparer.Ordinal) { "AND", "OR", "NOT", "NEAR" };

    private SearchQuery(IReadOnlyList<SearchTerm> terms) => Terms = terms;

    public IReadOnlyList<SearchTerm> Terms { get; }

    public bool IsEmpty => Terms.Count == 0;

    public bool HasPhrase => Terms.Any(t => t.IsPhrase);

    public static SearchQuery Empty { get; } = new([]);

    /// <summary>The query in the normal form we show back and put in links.</summary>
    public override string ToString() => string.Join(' ', Terms);

    /// <summary>The same words with phrases loosened into separate words (a suggestion when a phrase finds nothing).</summary>
    public SearchQuery WithoutPhrases() =>
        new([.. Terms.SelectMany(t => t.IsPhrase ? t.Words.Select(w => new SearchTerm([w])) : [t]).DistinctBy(t => t.ToString()).Take(MaxTerms)]);

    public static SearchQuery Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Empty;
        if (text.Length > MaxLength) text = text[..MaxLength];
        var terms = new List<SearchTerm>();
        var i = 0;
        while (i < text.Length && terms.Count < MaxTerms)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (c == '"')
            {
                // A phrase runs to the next quote; an unbalanced quote runs to the end.
                var close = text.IndexOf('"', i + 1);
                var end = close < 0 ? text.Length : close;
                var words = Words(text[(i + 1)..end], dropOperators: false);
                if (words.Count > 0) terms.Add(new SearchTerm(words));
                i = end + 1;
                continue;
            }
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] != '"') i++;
            var token = text[start..i];
            var tokenWords = Words(token, dropOperators: true);
            // "campaign*" is a prefix search; a bare "*" or "a*" (too short to be useful) is not.
            var prefix = token.EndsWith('*') && tokenWords.Count == 1 && tokenWords[0].Length >= 2;
            if (prefix) terms.Add(new SearchTerm(tokenWords, Prefix: true));
            else terms.AddRange(tokenWords.Select(w => new SearchTerm([w])));
        }
        return new SearchQuery([.. terms.DistinctBy(t => t.ToString()).Take(MaxTerms)]);
    }

    /// <summary>Runs of letters, digits and combining marks (any script), lower-cased; everything else separates words.</summary>
    private static List<string> Words(string text, bool dropOperators)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsLetterOrDigit(rune) || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
            {
                current.Append(rune.ToString());
                continue;
            }
            Flush();
        }
        Flush();
        return words;

        void Flush()
        {
            if (current.Length == 0) return;
            var word = current.ToString();
            current.Clear();
            if (dropOperators && Operators.Contains(word)) return;
            if (word.Length > MaxWordLength) word = word[..(char.IsHighSurrogate(word[MaxWordLength - 1]) ? MaxWordLength - 1 : MaxWordLength)];
            words.Add(word.ToLower(CultureInfo.InvariantCulture));
        }
    }
}
