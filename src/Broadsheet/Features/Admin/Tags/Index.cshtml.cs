using System.ComponentModel.DataAnnotations;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Tags;

/// <summary>Tags (Editors and up): rename (the old tag address redirects), describe, delete.</summary>
[Authorize(Policy = Policies.EditAll)]
public sealed class IndexModel(BroadsheetDb db, PostWriter writer, ContentChanges changes) : AdminPageModel
{
    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public List<string> Errors { get; } = [];

    public sealed record Row(int Id, string Name, string Slug, string? Description, int Posts);

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostSaveAsync(int id, [Required, StringLength(200)] string name, string? slug, [StringLength(2000)] string? description, CancellationToken cancellationToken)
    {
        var tag = await db.Tags.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (tag is null) return NotFound();
        var wanted = string.IsNullOrWhiteSpace(slug) ? Slugs.From(name ?? "") : slug.Trim();
        if (!ModelState.IsValid || !Slugs.IsValid(wanted)) Errors.Add("A tag needs a name, and a slug of lower-case letters, digits and hyphens.");
        else if (wanted != tag.Slug && await db.Tags.AnyAsync(t => t.Slug == wanted && t.Id != id, cancellationToken)) Errors.Add($"Another tag already has the slug “{wanted}”.");
        if (Errors.Count > 0)
        {
            await LoadAsync(cancellationToken);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        if (wanted != tag.Slug) await writer.AddRedirectAsync(db, PostPaths.Tag(tag.Slug), PostPaths.Tag(wanted), cancellationToken);
        tag.Name = XmlSafeText.Clean(name!).Trim();
        tag.Slug = wanted;
        tag.Description = string.IsNullOrWhiteSpace(description) ? null : XmlSafeText.Clean(description).Trim();
        await db.SaveChangesAsync(cancellationToken);
        await changes.PublishedAsync(db, cancellationToken);
        Notice = $"Saved the tag “{tag.Name}”.";
        return Redirect("/admin/tags");
    }

    public async Task<IActionResult> OnPostDeleteAsync(int id, CancellationToken cancellationToken)
    {
        var tag = await db.Tags.Include(t => t.Posts).FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (tag is null) return NotFound();
        db.Tags.Remove(tag);
        await db.SaveChangesAsync(cancellationToken);
        await changes.PublishedAsync(db, cancellationToken);
        Notice = $"Deleted the tag “{tag.Name}”; its posts keep their other tags.";
        return Redirect("/admin/tags");
    }

    private async Task LoadAsync(CancellationToken cancellationToken) =>
        Rows = await db.Tags.AsNoTracking().OrderBy(t => t.Name)
            .Select(t => new Row(t.Id, t.Name, t.Slug, t.Description, t.Posts.Count)).ToListAsync(cancellationToken);
}
