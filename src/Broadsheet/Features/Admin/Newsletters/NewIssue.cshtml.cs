using System.ComponentModel.DataAnnotations;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Newsletters;

/// <summary>
/// A new issue: title, subject, Markdown body and the number proposed as the next one. Made only through
/// <see cref="NewsletterIssues.CreateAsync"/> (its post and its row together); later changes to its words go through
/// the post editor, as every post's do.
/// </summary>
[Authorize(Policy = Policies.EditAll)]
public sealed class NewIssueModel(BroadsheetDb db, NewsletterIssues issues) : AdminPageModel
{
    [BindProperty] public InputModel Input { get; set; } = new();

    public Newsletter Newsletter { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(int id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken)) return NotFound();
        Input.Number = await issues.NextNumberAsync(id, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(int id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken)) return NotFound();
        if (!ModelState.IsValid) return Invalid();
        var result = await issues.CreateAsync(new NewIssue(id, Input.Title!, Input.Body ?? "")
        {
            Number = Input.Number,
            Subject = Input.Subject,
            Publish = Input.Publish,
        }, PostActor.Of(User), cancellationToken);
        switch (result.Outcome)
        {
            case IssueCreateOutcome.Created:
                Notice = $"Made issue No {result.Issue!.Number}.";
                return Redirect($"/admin/newsletters/issues/{result.Issue.Id}");
            case IssueCreateOutcome.NumberTaken:
                ModelState.AddModelError("Input.Number", $"Issue No {Input.Number} exists already; the next free number is {await issues.NextNumberAsync(id, cancellationToken)}.");
                return Invalid();
            case IssueCreateOutcome.Invalid:
                foreach (var (field, messages) in result.Errors ?? new Dictionary<string, string[]>())
                    foreach (var message in messages) ModelState.AddModelError(field is "title" or "body" ? "Input." + char.ToUpperInvariant(field[0]) + field[1..] : "", message);
                if (ModelState.IsValid) ModelState.AddModelError("", "The issue's post was refused.");
                return Invalid();
            default:
                return NotFound();
        }
    }

    private Microsoft.AspNetCore.Mvc.RazorPages.PageResult Invalid()
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task<bool> LoadAsync(int id, CancellationToken cancellationToken)
    {
        var newsletter = await db.Newsletters.AsNoTracking().FirstOrDefaultAsync(n => n.Id == id, cancellationToken);
        if (newsletter is null) return false;
        Newsletter = newsletter;
        return true;
    }

    public sealed class InputModel
    {
        [Required, StringLength(300)] public string? Title { get; set; }
        [StringLength(500), Display(Name = "Subject line")] public string? Subject { get; set; }
        [StringLength(1_000_000)] public string? Body { get; set; }
        [Range(1, 1_000_000)] public int? Number { get; set; }
        [Display(Name = "Publish its web page now")] public bool Publish { get; set; } = true;
    }
}
