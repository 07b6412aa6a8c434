using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Posts;

/// <summary>Posts or pages, newest change first, with a title/body search and filters by status, tag and author.</summary>
public sealed class IndexModel(BroadsheetDb db) : AdminPageModel
{
    public const int PageSize = 25;

    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? Tag { get; set; }
    [BindProperty(SupportsGet = true)] public string? Author { get; set; }
    [BindProperty(SupportsGet = true)] public string? Kind { get; set; }
    public int PageNumber { get; private set; } = 1;

    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public int Total { get; private set; }
    public IReadOnlyList<(string Slug, string Name)> Tags { get; private set; } = [];
    public IReadOnlyList<(string Slug, string Name)> Authors { get; private set; } = [];
    public bool IsPages => Kind == "page";

    public sealed record Row(int Id, string Title, PostStatus Status, DateTime? PublishedAt, DateTime UpdatedAt, string Authors);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        // As on the public listings (Razor Pages' own "page" route value would win over a model-bound ?page=).
        if (PageNumbers.Parse(Request.Query["page"]) is not { } pageNumber) return NotFound();
        PageNumber = pageNumber;
        var now = NowUtc;
        var kind = IsPages ? PostKind.Page : PostKind.Post;
        var posts = PostAccess.Visible(db.Posts.AsNoTracking().Where(p => p.Kind == kind), User, UserId);
        if (!string.IsNullOrWhiteSpace(Q))
        {
            // Plain LIKE on lower-cased text means the same on both databases (full-text search is the public search's job).
            var pattern = "%" + Q.Trim().ToLowerInvariant().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
#pragma warning disable CA1304, CA1311 // EF translates ToLower() to the database's LOWER(); no .NET culture applies.
            posts = posts.Where(p => EF.Functions.Like(p.Title.ToLower(), pattern, "\\") || EF.Functions.Like(p.Body.ToLower(), pattern, "\\"));
#pragma warning restore CA1304, CA1311
        }
        posts = Status switch
        {
            "draft" => posts.Where(p => p.Status == PostStatus.Draft),
            "scheduled" => posts.Upcoming(now),
            "published" => posts.Visible(now),
            _ => posts,
        };
        if (!string.IsNullOrWhiteSpace(Tag)) posts = posts.Where(p => p.Tags.Any(t => t.Slug == Tag));
        if (!string.IsNullOrWhiteSpace(Author)) posts = posts.Where(p => p.Authors.Any(a => a.Author!.Slug == Author));

        Total = await posts.CountAsync(cancellationToken);
        if (PageNumber > 1 && (PageNumber - 1) * PageSize >= Total) return NotFound();
        Rows = await posts.OrderByDescending(p => p.UpdatedAt).ThenByDescending(p => p.Id)
            .Skip((PageNumber - 1) * PageSize).Take(PageSize)
            .Select(p => new Row(p.Id, p.Title, p.Status, p.PublishedAt, p.UpdatedAt,
                string.Join(", ", p.Authors.OrderBy(a => a.Position).Select(a => a.Author!.DisplayName))))
            .ToListAsync(cancellationToken);
        Tags = (await db.Tags.OrderBy(t => t.Name).Select(t => new { t.Slug, t.Name }).ToListAsync(cancellationToken)).Select(t => (t.Slug, t.Name)).ToList();
        Authors = (await db.Authors.OrderBy(a => a.DisplayName).Select(a => new { a.Slug, a.DisplayName }).ToListAsync(cancellationToken)).Select(a => (a.Slug, a.DisplayName)).ToList();
        return Page();
    }

    public string StatusOf(Row row) => StatusName(PostQueries.StatusAsOf(row.Status, row.PublishedAt, NowUtc));

    /// <summary>A status as the admin writes it (and its filter asks for it).</summary>
    public static string StatusName(PostStatus status) => status switch
    {
        PostStatus.Draft => "draft",
        PostStatus.Scheduled => "scheduled",
        _ => "published",
    };

    public string PageLink(int page) => QueryString.Create(new Dictionary<string, string?>
    {
        ["q"] = Q, ["status"] = Status, ["tag"] = Tag, ["author"] = Author, ["kind"] = Kind, ["page"] = page.ToString(System.Globalization.CultureInfo.InvariantCulture),
    }.Where(p => !string.IsNullOrEmpty(p.Value))).ToUriComponent();
}
