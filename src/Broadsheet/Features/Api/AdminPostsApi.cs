using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Settings;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Api;

/// <summary>
/// A post or page as the Admin API shows it. <see cref="Status"/> is what the public sees now. <see cref="Notice"/>,
/// only in the answer to a write, says what was done differently from what was asked (another slug than the one sent).
/// </summary>
public sealed record AdminPost(
    int Id, PostKind Kind, string Title, string Slug, PostStatus Status, string Body, BodyFormat Format, string BodyHtml,
    string? Excerpt, bool Pinned, DateTime? PublishedAt, DateTime CreatedAt, DateTime UpdatedAt, int Version,
    string? Permalink, IReadOnlyList<string> Tags, IReadOnlyList<string> Authors, string? Notice = null);

/// <summary>A row of the list; the body is left out (fetch one to get it).</summary>
public sealed record AdminPostSummary(
    int Id, PostKind Kind, string Title, string Slug, PostStatus Status, bool Pinned, DateTime? PublishedAt,
    DateTime UpdatedAt, int Version, string? Permalink, IReadOnlyList<string> Tags);

/// <summary>
/// What a client sends to create or update a post or page. On update, fields left out (null) keep
/// their value, and <see cref="Version"/> is required: the version the client last read.
/// </summary>
public sealed record PostInput(
    string? Title = null, string? Slug = null, string? Body = null, BodyFormat? Format = null, string? Excerpt = null,
    bool? Pinned = null, string[]? Tags = null, string[]? Authors = null, PostStatus? Status = null,
    DateTimeOffset? PublishedAt = null, int? Version = null);

/// <summary>When to publish a scheduled post; <see cref="Version"/> guards against a stale write when given.</summary>
public sealed record ScheduleInput(DateTimeOffset? PublishAt, int? Version = null);

public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

/// <summary>
/// The posts and pages of the Admin API. Every write goes through <see cref="PostWriter"/> (render,
/// sanitise, slugs, redirects for moved permalinks) and then <see cref="ContentChanges.PublishedAsync"/>.
/// Stale writes are refused with 409: the client's version is compared first, and it is also the
/// concurrency token of the UPDATE, so a write racing another is refused too.
/// </summary>
public static class AdminPostsApi
{
    public const int MaxPageSize = 100;

    public static void MapPosts(RouteGroupBuilder group, PostKind kind)
    {
        var noun = kind == PostKind.Page ? "page" : "post";
        var tag = kind == PostKind.Page ? "Admin: pages" : "Admin: posts";
        var prefix = kind == PostKind.Page ? "Page" : "Post";
        group.WithTags(tag);

        group.MapGet("/", (BroadsheetDb db, TimeProvider clock, string? status, string? tag, string? q, int? page, int? pageSize, CancellationToken ct) =>
                ListAsync(db, clock, kind, status, tag, q, page, pageSize, ct))
            .WithName($"List{prefix}s").WithSummary($"Lists {noun}s, most recently updated first; filter by status (draft, scheduled, published), tag slug or words in the title.")
            .Produces<Paged<AdminPostSummary>>().ProducesValidationProblem();

        group.MapGet("/{id:int}", async Task<IResult> (int id, BroadsheetDb db, TimeProvider clock, CancellationToken ct) =>
                await LoadAsync(db, kind, id, ct) is { } post ? TypedResults.Ok(ToAdmin(post, Now(clock))) : ApiResults.NotFound($"There is no {noun} {id}."))
            .WithName($"Get{prefix}").WithSummary($"Gets one {noun}, with its source body and version.")
            .Produces<AdminPost>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/", (HttpRequest request, Writes writes, CancellationToken ct) => writes.CreateAsync(request, kind, ct))
            .WithName($"Create{prefix}").WithSummary($"Creates a {noun}: a draft unless status says published or scheduled.")
            .Accepts<PostInput>("application/json").Produces<AdminPost>(StatusCodes.Status201Created).ProducesValidationProblem();

        group.MapPut("/{id:int}", (int id, HttpRequest request, Writes writes, CancellationToken ct) => writes.UpdateAsync(request, kind, id, ct))
            .WithName($"Update{prefix}").WithSummary($"Updates a {noun}. Send the version you read; fields left out keep their value. 409 if someone saved in between.")
            .Accepts<PostInput>("application/json").Produces<AdminPost>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/{id:int}/publish", (int id, int? version, Writes writes, CancellationToken ct) =>
                writes.ChangeAsync(kind, id, version, (post, now) =>
                {
                    post.Status = PostStatus.Published;
                    if (post.PublishedAt is not { } at || at > now) post.PublishedAt = now;
                    return null;
                }, ct))
            .WithName($"Publish{prefix}").WithSummary($"Publishes a {noun} now (a scheduled one is brought forward).")
            .Produces<AdminPost>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/{id:int}/unpublish", (int id, int? version, Writes writes, CancellationToken ct) =>
                writes.ChangeAsync(kind, id, version, (post, _) =>
                {
                    post.Status = PostStatus.Draft;
                    return null;
                }, ct))
            .WithName($"Unpublish{prefix}").WithSummary($"Takes a {noun} off the public site (back to draft).")
            .Produces<AdminPost>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/{id:int}/schedule", async (int id, HttpRequest request, Writes writes, CancellationToken ct) =>
            {
                var (input, error) = await ApiJson.ReadAsync<ScheduleInput>(request);
                if (input is null) return error!;
                return await writes.ChangeAsync(kind, id, input.Version, (post, now) =>
                {
                    if (input.PublishAt is not { } at) return ApiResults.Invalid("publishAt", "Say when to publish (an ISO 8601 date and time with offset).");
                    if (at.UtcDateTime <= now) return ApiResults.Invalid("publishAt", "The time to publish must be in the future; to publish now, use publish.");
                    post.Status = PostStatus.Scheduled;
                    post.PublishedAt = at.UtcDateTime;
                    return null;
                }, ct);
            })
            .WithName($"Schedule{prefix}").WithSummary($"Schedules a {noun} to appear at a future time.")
            .Accepts<ScheduleInput>("application/json").Produces<AdminPost>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        group.MapDelete("/{id:int}", (int id, int? version, Writes writes, CancellationToken ct) => writes.DeleteAsync(kind, id, version, ct))
            .WithName($"Delete{prefix}").WithSummary($"Deletes a {noun} for good (its comments and revisions too).")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static DateTime Now(TimeProvider clock) => clock.GetUtcNow().UtcDateTime;

    private static async Task<Results<Ok<Paged<AdminPostSummary>>, ValidationProblem>> ListAsync(
        BroadsheetDb db, TimeProvider clock, PostKind kind, string? status, string? tag, string? q, int? page, int? pageSize, CancellationToken ct)
    {
        var now = Now(clock);
        var size = pageSize ?? 20;
        var number = page ?? 1;
        if (size is < 1 or > MaxPageSize) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageSize"] = [$"Between 1 and {MaxPageSize}."] });
        if (number is < 1 or > PageNumbers.Max) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["page"] = [$"Pages are 1 to {PageNumbers.Max}."] });
        var query = db.Posts.AsNoTracking().Where(p => p.Kind == kind);
        switch (status?.ToLowerInvariant())
        {
            case null or "": break;
            case "draft": query = query.Where(p => p.Status == PostStatus.Draft); break;
            case "published": query = query.Visible(now); break;
            case "scheduled": query = query.Where(p => p.Status != PostStatus.Draft && p.PublishedAt > now); break;
            default: return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["One of: draft, scheduled, published."] });
        }
        if (!string.IsNullOrWhiteSpace(tag)) query = query.Where(p => p.Tags.Any(t => t.Slug == tag));
        if (!string.IsNullOrWhiteSpace(q))
        {
            var words = q.Trim().ToLowerInvariant();
#pragma warning disable CA1862, CA1304, CA1311 // EF translates ToLower().Contains to LOWER(...) LIKE on both databases (no .NET culture applies); the StringComparison and culture overloads it cannot.
            query = query.Where(p => p.Title.ToLower().Contains(words));
#pragma warning restore CA1862, CA1304, CA1311
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(p => p.UpdatedAt).ThenByDescending(p => p.Id)
            .Skip((number - 1) * size).Take(size).Include(p => p.Tags).ToListAsync(ct);
        var items = rows.Select(p => new AdminPostSummary(p.Id, p.Kind, p.Title, p.Slug, StatusAt(p, now), p.Pinned, p.PublishedAt,
            p.UpdatedAt, p.Version, p.Permalink, [.. p.Tags.Select(t => t.Name).Order(StringComparer.Ordinal)])).ToList();
        return TypedResults.Ok(new Paged<AdminPostSummary>(items, number, size, total));
    }

    internal static Task<Post?> LoadAsync(BroadsheetDb db, PostKind kind, int id, CancellationToken ct) =>
        db.Posts.Include(p => p.Tags).Include(p => p.Authors).ThenInclude(a => a.Author)
            .AsSplitQuery().FirstOrDefaultAsync(p => p.Id == id && p.Kind == kind, ct);

    /// <summary>What the public sees now: a scheduled post whose time has passed is published.</summary>
    private static PostStatus StatusAt(Post post, DateTime now) =>
        post.Status == PostStatus.Draft ? PostStatus.Draft : post.IsVisible(now) ? PostStatus.Published : PostStatus.Scheduled;

    internal static AdminPost ToAdmin(Post p, DateTime now) => new(
        p.Id, p.Kind, p.Title, p.Slug, StatusAt(p, now), p.Body, p.BodyFormat, p.BodyHtml, p.Excerpt, p.Pinned, p.PublishedAt,
        p.CreatedAt, p.UpdatedAt, p.Version, p.Permalink,
        [.. p.Tags.Select(t => t.Name).Order(StringComparer.Ordinal)],
        [.. p.Authors.OrderBy(a => a.Position).Select(a => a.Author?.DisplayName ?? "")]);

    /// <summary>The write side, one per request: validation, the writer's rules, saving, cache eviction.</summary>
    public sealed class Writes(BroadsheetDb db, PostWriter writer, SiteSettingsCache settings, ContentChanges changes, TimeProvider clock)
    {
        private string? notice;

        public async Task<IResult> CreateAsync(HttpRequest request, PostKind kind, CancellationToken ct)
        {
            var (input, error) = await ApiJson.ReadAsync<PostInput>(request);
            if (input is null) return error!;
            if (string.IsNullOrWhiteSpace(input.Title)) return ApiResults.Invalid("title", "A title is needed.");
            var post = new Post { Kind = kind, Title = "", Slug = "" };
            if (await ApplyAsync(post, input, ct) is { } invalid) return invalid;
            return await SaveAsync(post, oldPermalink: null, created: true, ct);
        }

        public async Task<IResult> UpdateAsync(HttpRequest request, PostKind kind, int id, CancellationToken ct)
        {
            var (input, error) = await ApiJson.ReadAsync<PostInput>(request);
            if (input is null) return error!;
            if (input.Version is null) return ApiResults.Invalid("version", "Send the version you last read, so a newer edit is never overwritten.");
            var post = await LoadAsync(db, kind, id, ct);
            if (post is null) return ApiResults.NotFound($"There is no {Noun(kind)} {id}.");
            if (post.Version != input.Version) return ApiResults.Stale(Noun(kind), post.Version);
            var oldPermalink = PublicPermalink(post);
            if (await ApplyAsync(post, input, ct) is { } invalid) return invalid;
            return await SaveAsync(post, oldPermalink, created: false, ct);
        }

        /// <summary>A status change; <paramref name="change"/> answers a validation problem or null to go on.</summary>
        public async Task<IResult> ChangeAsync(PostKind kind, int id, int? version, Func<Post, DateTime, IResult?> change, CancellationToken ct)
        {
            var post = await LoadAsync(db, kind, id, ct);
            if (post is null) return ApiResults.NotFound($"There is no {Noun(kind)} {id}.");
            if (version is { } v && post.Version != v) return ApiResults.Stale(Noun(kind), post.Version);
            var oldPermalink = PublicPermalink(post);
            if (change(post, Now(clock)) is { } invalid) return invalid;
            return await SaveAsync(post, oldPermalink, created: false, ct);
        }

        public async Task<IResult> DeleteAsync(PostKind kind, int id, int? version, CancellationToken ct)
        {
            var post = await db.Posts.FirstOrDefaultAsync(p => p.Id == id && p.Kind == kind, ct);
            if (post is null) return ApiResults.NotFound($"There is no {Noun(kind)} {id}.");
            if (version is { } v && post.Version != v) return ApiResults.Stale(Noun(kind), post.Version);
            db.Posts.Remove(post);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                return ApiResults.Stale(Noun(kind), post.Version);
            }
            await changes.PublishedAsync(db, ct);
            return TypedResults.NoContent();
        }

        private static string Noun(PostKind kind) => kind == PostKind.Page ? "page" : "post";

        private string? PublicPermalink(Post post) => post.IsVisible(Now(clock)) ? post.Permalink : null;

        private async Task<IResult?> ApplyAsync(Post post, PostInput input, CancellationToken ct)
        {
            var errors = new Dictionary<string, string[]>();
            if (input.Title is { } title && (title.Trim().Length == 0 || title.Length > 500)) errors["title"] = ["A title is needed, at most 500 characters."];
            if (input.Excerpt is { Length: > 2000 }) errors["excerpt"] = ["At most 2000 characters."];
            if (input.Slug is { Length: > 0 } slug && !Slugs.IsValid(slug)) errors["slug"] = ["Lower-case letters, digits and hyphens only, not starting or ending with a hyphen."];
            if (input.Tags?.Any(t => t is null || t.Length > 200) == true) errors["tags"] = ["Tag names are at most 200 characters."];
            if (input.Authors?.Any(a => string.IsNullOrWhiteSpace(a) || a.Length > 300) == true) errors["authors"] = ["Author names are 1 to 300 characters."];
            if (input.Status == PostStatus.Scheduled && !((input.PublishedAt?.UtcDateTime ?? post.PublishedAt) is { } when && when > Now(clock)))
                errors["publishedAt"] = ["A scheduled post needs a publishedAt in the future."];
            if (errors.Count > 0) return ApiResults.Invalid(errors);

            if (input.Title is not null) post.Title = input.Title.Trim();
            if (input.Body is not null) post.Body = input.Body;
            if (input.Format is { } format) post.BodyFormat = format;
            if (input.Excerpt is not null) post.Excerpt = input.Excerpt.Length == 0 ? null : input.Excerpt;
            if (input.Pinned is { } pinned) post.Pinned = pinned;
            if (input.PublishedAt is { } publishedAt) post.PublishedAt = publishedAt.UtcDateTime;
            if (input.Status is { } status) post.Status = status;
            var wantedSlug = input.Slug is { Length: > 0 } s ? s : post.Slug.Length == 0 ? Slugs.From(post.Title) : null;
            if (wantedSlug is not null && wantedSlug != post.Slug)
            {
                post.Slug = await PostWriter.UniqueSlugAsync(db, post.Kind, wantedSlug, post.Id == 0 ? null : post.Id, ct);
                notice = PostWriter.SlugNotice(wantedSlug, post.Slug);
            }
            if (input.Tags is not null)
            {
                var tags = await PostWriter.TagsAsync(db, input.Tags, ct);
                post.Tags.RemoveAll(t => !tags.Contains(t));
                post.Tags.AddRange(tags.Where(t => !post.Tags.Contains(t)));
            }
            if (input.Authors is not null)
            {
                var authors = new List<Authors.Author>();
                foreach (var name in input.Authors) authors.Add(await PostWriter.AuthorAsync(db, name.Trim(), ct));
                PostWriter.SetByline(post, authors);
            }
            return null;
        }

        private async Task<IResult> SaveAsync(Post post, string? oldPermalink, bool created, CancellationToken ct)
        {
            var site = await settings.GetAsync(ct);
            writer.Prepare(post, site);
            // One transaction: the redirect bookkeeping of a move is undone if the save is refused.
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (post.IsVisible(Now(clock))) await writer.MoveAsync(db, post, oldPermalink, ct);
            if (created) db.Posts.Add(post);
            try
            {
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                var current = await db.Posts.AsNoTracking().Where(p => p.Id == post.Id).Select(p => p.Version).FirstOrDefaultAsync(ct);
                return ApiResults.Stale(Noun(post.Kind), current);
            }
            await changes.PublishedAsync(db, ct);
            var body = ToAdmin(post, Now(clock)) with { Notice = notice };
            return created
                ? TypedResults.Created($"/api/admin/{(post.Kind == PostKind.Page ? "pages" : "posts")}/{post.Id}", body)
                : TypedResults.Ok(body);
        }
    }
}
