using System.ComponentModel.DataAnnotations;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Shared;
using Broadsheet.Features.Subscribers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Newsletters;

/// <summary>
/// Makes a newsletter, or changes one: its name, slug, description, sender and reply-to, and whether the public forms
/// offer it. Addresses pass the one address rule (<see cref="EmailAddresses.Clean"/>) that subscribers' do; a stale
/// form (another admin saved in between) is refused rather than overwriting their change.
/// </summary>
[Authorize(Policy = Policies.EditAll)]
public sealed class EditModel(BroadsheetDb db, TimeProvider clock) : AdminPageModel
{
    [BindProperty] public InputModel Input { get; set; } = new();

    public int? Id { get; private set; }

    public async Task<IActionResult> OnGetAsync(int? id, CancellationToken cancellationToken)
    {
        Id = id;
        if (id is null) return Page();
        var newsletter = await db.Newsletters.AsNoTracking().FirstOrDefaultAsync(n => n.Id == id, cancellationToken);
        if (newsletter is null) return NotFound();
        Input = new InputModel
        {
            Name = newsletter.Name, Slug = newsletter.Slug, Description = newsletter.Description, FromName = newsletter.FromName,
            FromAddress = newsletter.FromAddress, ReplyTo = newsletter.ReplyTo, OpenForSubscription = newsletter.OpenForSubscription,
            Version = newsletter.Version,
        };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(int? id, CancellationToken cancellationToken)
    {
        Id = id;
        var newsletter = id is null ? null : await db.Newsletters.FirstOrDefaultAsync(n => n.Id == id, cancellationToken);
        if (id is not null && newsletter is null) return NotFound();

        var slug = string.IsNullOrWhiteSpace(Input.Slug) ? Slugs.From(Input.Name ?? "") : Input.Slug.Trim();
        if (!Slugs.IsValid(slug)) ModelState.AddModelError("Input.Slug", "A slug is lower-case letters, digits and hyphens, such as weekly-news.");
        else if (await db.Newsletters.AnyAsync(n => n.Slug == slug && n.Id != (id ?? 0), cancellationToken))
            ModelState.AddModelError("Input.Slug", $"Another newsletter already has the slug “{slug}”.");
        var from = EmailAddresses.Clean(Input.FromAddress);
        if (from is null) ModelState.AddModelError("Input.FromAddress", "The sender address must be one plain address, such as news@campaign.example.org.");
        var replyTo = string.IsNullOrWhiteSpace(Input.ReplyTo) ? null : EmailAddresses.Clean(Input.ReplyTo);
        if (!string.IsNullOrWhiteSpace(Input.ReplyTo) && replyTo is null)
            ModelState.AddModelError("Input.ReplyTo", "The reply-to address must be one plain address, or empty to take replies at the sender address.");
        if (newsletter is not null && newsletter.Version != Input.Version)
            ModelState.AddModelError("", "Someone else changed this newsletter since you opened it. Reload the page to see their change, then make yours again.");
        if (!ModelState.IsValid)
        {
            Response.StatusCode = newsletter is not null && newsletter.Version != Input.Version ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
            return Page();
        }

        if (newsletter is null)
        {
            newsletter = new Newsletter { Slug = slug, Name = "", FromName = "", FromAddress = "", CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.Newsletters.Add(newsletter);
        }
        newsletter.Slug = slug;
        newsletter.Name = OneLine(Input.Name);
        newsletter.Description = XmlSafeText.Clean(Input.Description ?? "").Trim();
        newsletter.FromName = OneLine(Input.FromName);
        newsletter.FromAddress = from!;
        newsletter.ReplyTo = replyTo;
        newsletter.OpenForSubscription = Input.OpenForSubscription;
        newsletter.Version++;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another save took the slug between the check and this one, or changed the row (its version moved on).
            ModelState.AddModelError("", "Someone else saved a newsletter at the same moment. Reload the page and try again.");
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }
        Notice = $"Saved the newsletter “{newsletter.Name}”.";
        return Redirect($"/admin/newsletters/{newsletter.Id}/issues");
    }

    /// <summary>Names go into mail headers: one line of ordinary text.</summary>
    private static string OneLine(string? text) =>
        string.Join(' ', XmlSafeText.Clean(text ?? "").Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    public sealed class InputModel
    {
        [Required, StringLength(300)] public string? Name { get; set; }
        [StringLength(200)] public string? Slug { get; set; }
        [StringLength(2000)] public string? Description { get; set; }
        [Required, StringLength(300), Display(Name = "Sender name")] public string? FromName { get; set; }
        [Required, StringLength(320), Display(Name = "Sender address")] public string? FromAddress { get; set; }
        [StringLength(320), Display(Name = "Reply-to address")] public string? ReplyTo { get; set; }
        [Display(Name = "Open for subscription")] public bool OpenForSubscription { get; set; } = true;
        public int Version { get; set; }
    }
}
