using Broadsheet.Features.Newsletters;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Subscribers;

/// <summary>
/// /subscribe: where the site's own subscribe forms post (the sidebar on every page, /newsletters, a newsletter's page),
/// and a page of its own with the form for every open newsletter.
/// </summary>
public sealed class SubscribeModel(OpenNewsletters open, SubscribeFormToken tokens) : SubscribeFormPageModel
{
    public SubscribeForm? Form { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var place = PlaceWord("site form", "sidebar", "newsletters page", "newsletter page");
        var result = await SubscribeAsync(ConsentSource.SiteForm, place);
        if (!Accepted) await LoadAsync(cancellationToken);
        return result;
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Meta.Title = "Subscribe";
        Meta.CanonicalPath = "/subscribe";
        var newsletters = await open.GetAsync(cancellationToken);
        if (newsletters.Count > 0) Form = new SubscribeForm("/subscribe", newsletters, await tokens.MakeAsync(cancellationToken), "site form");
    }
}
