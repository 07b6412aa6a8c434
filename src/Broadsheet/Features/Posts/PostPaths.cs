using System.Globalization;
using System.Text;

namespace Broadsheet.Features.Posts;

/// <summary>The shape of public URLs, in one place so pages, feeds, sitemap and redirects agree.</summary>
public static class PostPaths
{
    public static string? Permalink(PostKind kind, string slug, int? archiveMonth) => kind switch
    {
        PostKind.Page => "/" + slug,
        _ when archiveMonth is { } month => string.Create(CultureInfo.InvariantCulture, $"/{month / 100:D4}/{month % 100:D2}/{slug}"),
        _ => null,
    };

    /// <summary>The slug in <paramref name="path"/> if it has the shape of a <paramref name="kind"/>'s <see cref="Permalink"/>, else null.</summary>
    public static string? SlugOf(PostKind kind, string path) => (kind, path.Split('/')) switch
    {
        (PostKind.Page, ["", var slug]) when Slugs.IsValid(slug) => slug,
        (PostKind.Post, ["", { Length: 4 } year, { Length: 2 } month, var slug]) when year.All(char.IsAsciiDigit) && month.All(char.IsAsciiDigit) && Slugs.IsValid(slug) => slug,
        _ => null,
    };

    /// <summary>201510 for a UTC instant in October 2015 in the given zone.</summary>
    public static int ArchiveMonth(DateTime utc, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);
        return local.Year * 100 + local.Month;
    }

    public static string Tag(string slug) => "/tag/" + slug;
    public static string Author(string slug) => "/author/" + slug;
    public static string Year(int year) => string.Create(CultureInfo.InvariantCulture, $"/{year:D4}");
    public static string Month(int year, int month) => string.Create(CultureInfo.InvariantCulture, $"/{year:D4}/{month:D2}");
}

/// <summary>Makes URL slugs: lower-case ASCII letters, digits and hyphens, where the language allows.</summary>
public static class Slugs
{
    public const int MaxLength = 80;

    public static string From(string text)
    {
        // Normalize throws on U+FFFE and unpaired surrogates; a title holding one must not fail the save.
        var normalised = Shared.XmlSafeText.Clean(text).Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(normalised.Length);
        var lastWasHyphen = true;
        foreach (var c in normalised)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category == UnicodeCategory.NonSpacingMark) continue;
            if (char.IsLetterOrDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
                lastWasHyphen = false;
            }
            else if (!lastWasHyphen)
            {
                builder.Append('-');
                lastWasHyphen = true;
            }
            if (builder.Length >= MaxLength) break;
        }
        var slug = builder.ToString().Trim('-');
        return slug.Length == 0 ? "untitled" : slug;
    }

    /// <summary>True for a slug that <see cref="From"/> could have made (editors may type their own).</summary>
    public static bool IsValid(string slug) =>
        slug.Length is > 0 and <= 200 && slug[0] != '-' && slug[^1] != '-' &&
        slug.All(c => c == '-' || char.IsLetterOrDigit(c) && !char.IsUpper(c));
}
