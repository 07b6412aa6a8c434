using Broadsheet.Features.Shared;
using Broadsheet.Features.Subscribers;

namespace Broadsheet.Features.Newsletters;

/// <summary>/newsletters: every newsletter open for subscription, with a form to take any of them.</summary>
public sealed class IndexModel(OpenNewsletters open, SubscribeFormToken tokens) : PublicPageModel
{
    public IReadOnlyList<NewsletterChoice> Newsletters { get; private set; } = [];
    public SubscribeForm? Form { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Meta.Title = "Newsletters";
        Meta.CanonicalPath = "/newsletters";
        Newsletters = await open.GetAsync(cancellationToken);
        if (Newsletters.Count > 0) Form = new SubscribeForm("/subscribe", Newsletters, await tokens.MakeAsync(cancellationToken), "newsletters page", "newsletters");
    }
}
