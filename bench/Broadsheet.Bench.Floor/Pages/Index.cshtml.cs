using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Bench.Floor.Pages;

public sealed class IndexModel(FloorVariant variant, IServiceProvider services) : PageModel
{
    public IReadOnlyList<FloorPost> Posts { get; private set; } = [];

    public async Task OnGetAsync()
    {
        Posts = variant.FromDatabase
            ? await services.GetRequiredService<FloorDb>().Posts.AsNoTracking().OrderByDescending(p => p.PublishedAt).Take(20).ToListAsync().ConfigureAwait(false)
            : Enumerable.Range(0, 20).Select(i => new FloorPost { Id = i, Title = $"Post number {i}", Body = Sample.Body(i), PublishedAt = new DateTime(2015, 10, 25, 12, 0, 0, DateTimeKind.Utc).AddHours(-7 * i) }).ToList();
    }
}
