using Broadsheet.Data;
using Broadsheet.Features.Subscribers;
using Broadsheet.Pipeline;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Newsletters;

/// <summary>
/// /newsletters/{slug}/embed: a newsletter's subscribe form alone, for partner sites to show in an iframe
/// (<c>&lt;iframe src="https://our.site/newsletters/weekly/embed"&gt;</c>). It posts to itself, on this site's
/// origin, and answers inside the frame. Other sites may frame it (<see cref="AllowFramingAttribute"/>); its form's
/// antiforgery needs no cookie (<see cref="SubscribeFormToken"/>), since a third-party frame gets none.
/// </summary>
[AllowFraming]
public sealed class EmbedModel(BroadsheetDb db, SubscribeFormToken tokens) : SubscribeFormPageModel
{
    public Newsletter Newsletter { get; private set; } = null!;
    public SubscribeForm? Form { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken) =>
        await LoadAsync(slug, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(string slug, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(slug, cancellationToken)) return NotFound();
        // Only this newsletter, whatever the post says.
        NewsletterIds = [Newsletter.Id];
        return await SubscribeAsync(ConsentSource.EmbeddedForm, $"embed: {Newsletter.Slug}");
    }

    private async Task<bool> LoadAsync(string slug, CancellationToken cancellationToken)
    {
        var newsletter = await db.Newsletters.AsNoTracking().FirstOrDefaultAsync(n => n.Slug == slug, cancellationToken);
        if (newsletter is null) return false;
        Newsletter = newsletter;
        Meta.Title = newsletter.Name;
        Meta.NoIndex = true;
        if (newsletter.OpenForSubscription)
            Form = new SubscribeForm($"/newsletters/{newsletter.Slug}/embed", [new NewsletterChoice(newsletter.Id, newsletter.Slug, newsletter.Name, newsletter.Description)],
                await tokens.MakeAsync(cancellationToken), "embed", "embed");
        return true;
    }
}
