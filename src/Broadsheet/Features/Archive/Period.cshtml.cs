using System.Globalization;
using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Archive;

/// <summary>A year's or a month's posts: /2015 and /2015/10.</summary>
public sealed class PeriodModel(BroadsheetDb db) : PublicPageModel
{
    public PostPage Listing { get; private set; } = null!;
    public string Heading { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(int year, int? month, CancellationToken cancellationToken)
    {
        if (PageNumbers.Parse(Request.Query["page"]) is not { } pageNumber) return NotFound();
        var canonical = month is { } m ? PostPaths.Month(year, m) : PostPaths.Year(year);
        if (Request.Path.Value != canonical) return RedirectPermanent(canonical + Request.QueryString);
        var (from, to) = month is { } mm ? (year * 100 + mm, year * 100 + mm) : (year * 100 + 1, year * 100 + 12);
        var posts = db.VisiblePosts(NowUtc).Where(p => p.ArchiveMonth >= from && p.ArchiveMonth <= to);
        Listing = await PostListing.PageAsync(db, posts, pageNumber, Site.PostsPerPage, cancellationToken);
        if (Listing.Posts.Count == 0 && pageNumber > 1) return NotFound();
        Heading = month is { } name
            ? new DateTime(year, name, 1, 0, 0, 0, DateTimeKind.Unspecified).ToString("Y", Site.Culture)
            : year.ToString(CultureInfo.InvariantCulture);
        Meta.Title = Heading;
        Meta.CanonicalPath = canonical;
        return Page();
    }
}
