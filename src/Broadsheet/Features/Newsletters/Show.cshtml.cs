using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Shared;
using Broadsheet.Features.Subscribers;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Newsletters;

/// <summary>
/// A newsletter's page, /newsletters/{slug}: its name and description, a subscribe form while it is open, and its
/// published issues newest first, paged as every listing is.
/// </summary>
public sealed class ShowModel(BroadsheetDb db, SubscribeFormToken tokens) : PublicPageModel
{
    public Newsletter Newsletter { get; private set; } = null!;
    public PostPage Issues { get; private set; } = null!;
    public SubscribeForm? Form { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        if (PageNumbers.Parse(Request.Query["page"]) is not { } pageNumber) return NotFound();
        var newsletter = await db.Newsletters.AsNoTracking().FirstOrDefaultAsync(n => n.Slug == slug, cancellationToken);
        if (newsletter is null) return NotFound();
        Newsletter = newsletter;
        var issues = db.VisiblePosts(NowUtc).Where(p => db.NewsletterIssues.Any(i => i.PostId == p.Id && i.NewsletterId == newsletter.Id));
        Issues = await PostListing.PageAsync(db, issues, pageNumber, Site.PostsPerPage, cancellationToken);
        if (pageNumber > 1 && Issues.Posts.Count == 0) return NotFound();
        if (newsletter.OpenForSubscription)
            Form = new SubscribeForm("/subscribe", [new NewsletterChoice(newsletter.Id, newsletter.Slug, newsletter.Name, newsletter.Description)],
                await tokens.MakeAsync(cancellationToken), "newsletter page", "newsletter");
        Meta.Title = newsletter.Name;
        Meta.Description = newsletter.Description.Length > 0 ? newsletter.Description : null;
        Meta.CanonicalPath = $"/newsletters/{newsletter.Slug}" + (pageNumber > 1 ? $"?page={pageNumber}" : "");
        return Page();
    }
}
