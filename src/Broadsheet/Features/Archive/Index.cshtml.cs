using Broadsheet.Features.Shared;

namespace Broadsheet.Features.Archive;

/// <summary>The whole archive tree: every year and month with its count of posts.</summary>
public sealed class IndexModel(ArchiveCounts counts) : PublicPageModel
{
    public ArchiveTree Tree { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Tree = await counts.GetAsync(cancellationToken);
        Meta.Title = "Archive";
        Meta.CanonicalPath = "/archive";
    }
}
