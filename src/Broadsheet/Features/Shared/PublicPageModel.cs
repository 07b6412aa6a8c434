using Broadsheet.Features.Settings;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Broadsheet.Features.Shared;

/// <summary>What the layout writes into &lt;head&gt; for one public page.</summary>
public sealed class PageMeta
{
    /// <summary>The page's own title; the layout appends the site title.</summary>
    public string? Title { get; set; }
    public string? Description { get; set; }
    /// <summary>Site path of the canonical address of this page.</summary>
    public string? CanonicalPath { get; set; }
    /// <summary>OpenGraph type: "website" or "article".</summary>
    public string OpenGraphType { get; set; } = "website";
    public DateTime? PublishedUtc { get; set; }
    public DateTime? ModifiedUtc { get; set; }
    public IReadOnlyList<string> ArticleTags { get; set; } = [];
    /// <summary>schema.org JSON-LD for this page, already serialised.</summary>
    public string? JsonLd { get; set; }
    /// <summary>Extra feeds this page advertises besides the site's (a tag's own feeds).</summary>
    public List<(string Title, string Href, string Type)> Feeds { get; } = [];
    /// <summary>True for pages search engines should not index (search results, 404).</summary>
    public bool NoIndex { get; set; }
}

/// <summary>What the public layout (<c>_Layout.cshtml</c>) reads from a page's model: every public page, and the admin's preview.</summary>
public interface IPublicLayoutModel
{
    Site Site { get; }
    PageMeta Meta { get; }
}

/// <summary>Base for every public Razor Page: the site settings and the page's head metadata.</summary>
public abstract class PublicPageModel : PageModel, IPublicLayoutModel
{
    public Site Site { get; private set; } = null!;
    public PageMeta Meta { get; } = new();

    public override async Task OnPageHandlerExecutionAsync(Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutingContext context, Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutionDelegate next)
    {
        Site = await HttpContext.RequestServices.GetRequiredService<SiteSettingsCache>().GetAsync(HttpContext.RequestAborted);
        await next();
    }

    public DateTime NowUtc => HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;

    public string Absolute(string path) => Site.Absolute(path);
}
