using System.Security.Claims;
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
/// The posts and pages of the Admin API. Every write goes through <see cref="PostWriter.SaveAsync"/>, as the
/// editor's do (render, sanitise, slugs, redirects for moved permalinks, a revision, cache eviction).
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

        group.MapPost("/{id:int}/publish", (int id, int? version, ClaimsPrincipal user, Writes writes, CancellationToken ct) =>
                writes.ChangeAsync(user, id, version, new PostChange(kind) { PublishNow = true }, ct))
            .WithName($"Publish{prefix}").WithSummary($"Publishes a {noun} now (a scheduled one is brought forward).")
            .Produces<AdminPost>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/{id:int}/unpublish", (int id, int? version, ClaimsPrincipal user, Writes writes, CancellationToken ct) =>
                writes.ChangeAsync(user, id, version, new PostChange(kind) { Status = PostStatus.Draft }, ct))
            .WithName($"Unpublish{prefix}").WithSummary($"Takes a {noun} off the public site (back to draft).")
            .Produces<AdminPost>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/{id:int}/schedule", async (int id, HttpRequest request, Writes writes, TimeProvider clock, CancellationToken ct) =>
            {
                var (input, error) = await ApiJson.ReadAsync<ScheduleInput>(request);
                if (input is null) return error!;
                if (input.PublishAt is not { } at) return ApiResults.Invalid("publishAt", "Say when to publish (an ISO 8601 date and time with offset).");
                if (at.UtcDateTime <= Now(clock)) return ApiResults.Invalid("publishAt", "The time to publish must be in the future; to publish now, use publish.");
                return await writes.ChangeAsync(request.HttpContext.User, id, input.Version, new PostChange(kind) { Status = PostStatus.Scheduled, PublishedAt = at.UtcDateTime }, ct);
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
            case "scheduled": query = query.Upcoming(now); break;
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
        var items = rows.Select(p => new AdminPostSummary(p.Id, p.Kind, p.Title, p.Slug, p.StatusAsOf(now), p.Pinned, p.PublishedAt,
            p.UpdatedAt, p.Version, p.Permalink, [.. p.Tags.Select(t => t.Name).Order(StringComparer.Ordinal)])).ToList();
        return TypedResults.Ok(new Paged<AdminPostSummary>(items, number, size, total));
    }

    internal static Task<Post?> LoadAsync(BroadsheetDb db, PostKind kind, int id, CancellationToken ct) =>
        db.Posts.Include(p => p.Tags).Include(p => p.Authors).ThenInclude(a => a.Author)
            .AsSplitQuery().FirstOrDefaultAsync(p => p.Id == id && p.Kind == kind, ct);

    internal static AdminPost ToAdmin(Post p, DateTime now) => new(
        p.Id, p.Kind, p.Title, p.Slug, p.StatusAsOf(now), p.Body, p.BodyFormat, p.BodyHtml, p.Excerpt, p.Pinned, p.PublishedAt,
        p.CreatedAt, p.UpdatedAt, p.Version, p.Permalink,
        [.. p.Tags.Select(t => t.Name).Order(StringComparer.Ordinal)],
        [.. p.Authors.OrderBy(a => a.Position).Select(a => a.Author?.DisplayName ?? "")]);

    /// <summary>The write side, one per request: reads what the client sent, hands it to <see cref="PostWriter"/>, answers.</summary>
    public sealed class Writes(PostWriter writer, TimeProvider clock)
    {
        public async Task<IResult> CreateAsync(HttpRequest request, PostKind kind, CancellationToken ct)
        {
            var (input, error) = await ApiJson.ReadAsync<PostInput>(request);
            if (input is null) return error!;
            return await SaveAsync(Change(kind, null, input), request.HttpContext.User, created: true, ct);
        }

        public async Task<IResult> UpdateAsync(HttpRequest request, PostKind kind, int id, CancellationToken ct)
        {
            var (input, error) = await ApiJson.ReadAsync<PostInput>(request);
            if (input is null) return error!;
            if (input.Version is null) return ApiResults.Invalid("version", "Send the version you last read, so a newer edit is never overwritten.");
            return await SaveAsync(Change(kind, id, input), request.HttpContext.User, created: false, ct);
        }

        /// <summary>A status change (publish, unpublish, schedule) of post <paramref name="id"/>.</summary>
        public Task<IResult> ChangeAsync(ClaimsPrincipal user, int id, int? version, PostChange change, CancellationToken ct) =>
            SaveAsync(change with { Id = id, ExpectedVersion = version }, user, created: false, ct);

        public async Task<IResult> DeleteAsync(PostKind kind, int id, int? version, CancellationToken ct)
        {
            var deleted = await writer.DeleteAsync(kind, id, version, ct);
            return Failure(kind, id, deleted) ?? TypedResults.NoContent();
        }

        private static PostChange Change(PostKind kind, int? id, PostInput input) => new(kind)
        {
            Id = id,
            ExpectedVersion = input.Version,
            Title = input.Title,
            Slug = input.Slug,
            Body = input.Body,
            Format = input.Format,
            Excerpt = input.Excerpt,
            Pinned = input.Pinned,
            Tags = input.Tags,
            Authors = input.Authors,
            Status = input.Status,
            PublishedAt = input.PublishedAt is { } at ? at.UtcDateTime : null,
        };

        private async Task<IResult> SaveAsync(PostChange change, ClaimsPrincipal user, bool created, CancellationToken ct)
        {
            var saved = await writer.SaveAsync(change, PostActor.Of(user), ct);
            if (Failure(change.Kind, change.Id, saved) is { } failure) return failure;
            var post = saved.Post!;
            var body = ToAdmin(post, clock.GetUtcNow().UtcDateTime) with { Notice = saved.Notice };
            return created
                ? TypedResults.Created($"/api/admin/{(post.Kind == PostKind.Page ? "pages" : "posts")}/{post.Id}", body)
                : TypedResults.Ok(body);
        }

        private static IResult? Failure(PostKind kind, int? id, PostSaveResult result) => result.Outcome switch
        {
            PostSaveOutcome.NotFound => ApiResults.NotFound($"There is no {Noun(kind)} {id}."),
            PostSaveOutcome.Stale => ApiResults.Stale(Noun(kind), result.CurrentVersion),
            PostSaveOutcome.Invalid => ApiResults.Invalid(result.Errors),
            _ => null,
        };

        private static string Noun(PostKind kind) => kind == PostKind.Page ? "page" : "post";
    }
}
