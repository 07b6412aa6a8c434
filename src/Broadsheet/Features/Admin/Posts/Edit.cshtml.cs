using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Authors;
using Broadsheet.Features.Posts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Posts;

/// <summary>
/// The editor for a post or page. Every save goes through <see cref="PostWriter"/> and then
/// <see cref="ContentChanges"/>, records a <see cref="PostRevision"/>, and is refused whole when the
/// form's <see cref="InputModel.Version"/> is older than the post's (someone saved in between).
/// Handlers: the form's buttons (save, publish, unpublish, preview), and Preview and Autosave for
/// the script, which posts the same form (with its antiforgery token).
/// </summary>
public sealed class EditModel(BroadsheetDb db, PostWriter writer, ContentRenderer renderer) : AdminPageModel
{
    public const string StaleMessage =
        "Someone else saved this post after you opened it, so your changes were NOT saved. Copy what you wrote, open the latest version, and apply your changes again.";

    [BindProperty] public InputModel Input { get; set; } = new();

    public Post? Post { get; private set; }
    public string? PreviewHtml { get; private set; }
    public List<string> Errors { get; } = [];
    public bool Stale { get; private set; }
    public bool CanPublish { get; private set; }
    public bool CanChooseAuthors => PostAccess.Has(User, Policies.EditAll);
    public PostRevision? NewerAutosave { get; private set; }

    public async Task<IActionResult> OnGetAsync(int? id, string? kind, CancellationToken cancellationToken)
    {
        if (id is null)
        {
            Input.Kind = kind == "page" ? PostKind.Page : PostKind.Post;
            var draft = new Post { Kind = Input.Kind, Title = "", Slug = "" };
            if (!PostAccess.CanEdit(User, draft, own: true)) return Forbid();
            CanPublish = PostAccess.CanPublish(User, draft, own: true);
            return Page();
        }
        var post = await LoadAsync(id.Value, cancellationToken);
        if (post is null) return NotFound();
        var own = await PostAccess.IsOwnAsync(db, post.Id, UserId, cancellationToken);
        if (!PostAccess.CanEdit(User, post, own)) return Forbid();
        Post = post;
        CanPublish = PostAccess.CanPublish(User, post, own);
        Input = InputModel.From(post, Site);
        NewerAutosave = await db.PostRevisions.AsNoTracking()
            .Where(r => r.PostId == post.Id && r.IsAutosave && r.CreatedByUserId == UserId && r.CreatedAt > post.UpdatedAt)
            .OrderByDescending(r => r.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(int? id, string? act, CancellationToken cancellationToken)
    {
        var isNew = id is null;
        var post = isNew ? new Post { Kind = Input.Kind, Title = "", Slug = "", Status = PostStatus.Draft } : await LoadAsync(id!.Value, cancellationToken);
        if (post is null) return NotFound();
        var own = isNew || await PostAccess.IsOwnAsync(db, post.Id, UserId, cancellationToken);
        if (!PostAccess.CanEdit(User, post, own)) return Forbid();
        Post = isNew ? null : post;
        CanPublish = PostAccess.CanPublish(User, post, own);
        if (!isNew && Input.Version != post.Version) return StalePage();

        if (act == "preview")
        {
            PreviewHtml = renderer.Render(Input.Body ?? "", isNew ? BodyFormat.Markdown : post.BodyFormat).BodyHtml;
            return Page();
        }
        if ((act == "publish" || act == "unpublish") && !CanPublish)
        {
            Errors.Add("Your role cannot publish or unpublish this. Save it as a draft and ask an editor.");
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }
        if (!ModelState.IsValid) return Page();
        DateTime? publishAt = null;
        if (!string.IsNullOrWhiteSpace(Input.PublishAt))
        {
            if (!DateTime.TryParseExact(Input.PublishAt, ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
                || Site.TimeZone.IsInvalidTime(local))
            {
                Errors.Add("The publication date is not a valid date and time.");
                return Page();
            }
            publishAt = TimeZoneInfo.ConvertTimeToUtc(local, Site.TimeZone);
        }
        var names = (Input.Authors ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var saved = await writer.SaveAsync(new PostChange(post.Kind)
        {
            Id = isNew ? null : post.Id,
            ExpectedVersion = isNew ? null : Input.Version,
            Title = Input.Title,
            // An emptied slug field asks for the title's slug again.
            Slug = string.IsNullOrWhiteSpace(Input.Slug) ? Slugs.From(Input.Title) : Input.Slug,
            Body = Input.Body ?? "",
            Excerpt = Input.Excerpt ?? "",
            Pinned = Input.Pinned,
            Tags = (Input.Tags ?? "").Split(','),
            // Only editors choose the byline; anyone else's post keeps its byline, or gets their own.
            Authors = CanChooseAuthors && names.Length > 0 ? names : null,
            // The form's date is the post's date, except that an empty field leaves a published post's date alone.
            PublishedAt = publishAt is not null || act == "unpublish" || post.Status == PostStatus.Draft ? new PublishDate(publishAt) : null,
            Status = act switch
            {
                "publish" => PostStatus.Published, // the writer makes it Scheduled when the date is ahead
                "unpublish" => PostStatus.Draft,
                _ => null,
            },
        }, PostActor.Of(User), cancellationToken);
        switch (saved.Outcome)
        {
            case PostSaveOutcome.NotFound: return NotFound();
            case PostSaveOutcome.Stale: return StalePage();
            case PostSaveOutcome.Invalid:
                Errors.AddRange(saved.Errors.Values.SelectMany(m => m));
                return Page();
        }
        post = saved.Post!;
        Notice = act switch
        {
            "publish" when post.Status == PostStatus.Scheduled => $"Scheduled for {Site.LongDate(post.PublishedAt!.Value)} {Site.Local(post.PublishedAt.Value):HH:mm}.",
            "publish" => "Published.",
            "unpublish" => "Unpublished: it is a draft again.",
            _ => "Saved.",
        };
        if (saved.Notice is not null) Notice += " " + saved.Notice;
        return Redirect($"/admin/posts/edit/{post.Id}");
    }

    /// <summary>The body rendered and sanitised, for the live preview beside the editor.</summary>
    public IActionResult OnPostPreview() =>
        Content(renderer.Render(Input.Body ?? "", Input.Format).BodyHtml, "text/html; charset=utf-8");

    /// <summary>Keeps what is typed in a draft as an autosave revision (one per person and post); the post itself is untouched.</summary>
    public async Task<IActionResult> OnPostAutosaveAsync(int? id, CancellationToken cancellationToken)
    {
        if (id is null) return BadRequest();
        var post = await db.Posts.FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (post is null) return NotFound();
        if (!PostAccess.CanEdit(User, post, await PostAccess.IsOwnAsync(db, post.Id, UserId, cancellationToken))) return Forbid();
        if (post.Status != PostStatus.Draft) return BadRequest();
        if (Input.Version != post.Version) return StatusCode(StatusCodes.Status409Conflict);
        await db.PostRevisions.Where(r => r.PostId == post.Id && r.IsAutosave && r.CreatedByUserId == UserId).ExecuteDeleteAsync(cancellationToken);
        var revision = PostRevision.Of(post, UserId, NowUtc, autosave: true);
        revision.Title = Input.Title ?? "";
        revision.Body = Input.Body ?? "";
        revision.Excerpt = Input.Excerpt;
        db.PostRevisions.Add(revision);
        await db.SaveChangesAsync(cancellationToken);
        return StatusCode(StatusCodes.Status204NoContent);
    }

    private PageResult StalePage()
    {
        Stale = true;
        Errors.Add(StaleMessage);
        Response.StatusCode = StatusCodes.Status409Conflict;
        return Page();
    }

    private Task<Post?> LoadAsync(int id, CancellationToken cancellationToken) =>
        db.Posts.Include(p => p.Tags).Include(p => p.Authors).ThenInclude(a => a.Author)
            .AsSplitQuery().FirstOrDefaultAsync(p => p.Id == id, cancellationToken);

    public sealed class InputModel
    {
        public PostKind Kind { get; set; }
        public BodyFormat Format { get; set; }
        [Required, StringLength(500)] public string Title { get; set; } = "";
        [StringLength(200)] public string? Slug { get; set; }
        public string? Body { get; set; }
        [StringLength(2000)] public string? Tags { get; set; }
        [StringLength(2000)] public string? Authors { get; set; }
        [StringLength(2000)] public string? Excerpt { get; set; }
        public bool Pinned { get; set; }
        [Display(Name = "Publication date and time")] public string? PublishAt { get; set; }
        public int Version { get; set; }

        public static InputModel From(Post post, Settings.Site site) => new()
        {
            Kind = post.Kind,
            Format = post.BodyFormat,
            Title = post.Title,
            Slug = post.Slug,
            Body = post.Body,
            Tags = string.Join(", ", post.Tags.OrderBy(t => t.Name).Select(t => t.Name)),
            Authors = string.Join(", ", post.Authors.OrderBy(a => a.Position).Select(a => a.Author!.DisplayName)),
            Excerpt = post.Excerpt,
            Pinned = post.Pinned,
            PublishAt = post.PublishedAt is { } at ? site.Local(at).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture) : null,
            Version = post.Version,
        };
    }
}
