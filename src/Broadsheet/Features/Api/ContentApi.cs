using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Settings;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Api;

public sealed record ContentTag(string Name, string Slug, string? Description, int PostCount);
public sealed record ContentAuthor(string Name, string Slug, string? Bio, string? WebsiteUrl);
public sealed record ContentPost(
    string Title, string Slug, string Url, string Html, string? Excerpt, bool Pinned, DateTime PublishedAt, DateTime UpdatedAt,
    IReadOnlyList<ContentTagRef> Tags, IReadOnlyList<ContentAuthorRef> Authors);
public sealed record ContentTagRef(string Name, string Slug);
public sealed record ContentAuthorRef(string Name, string Slug);
public sealed record ContentSettings(string Title, string Description, string Culture, string TimeZone, string BaseUrl, IReadOnlyList<NavigationLink> Navigation, string? LogoUrl);

/// <summary>
/// The public, read-only Content API under <c>/api/content</c>: what the public site shows and
/// nothing more (<see cref="PostQueries.Visible"/>: never a draft, never a scheduled post early).
/// Anyone may call it from any origin (GET only, no credentials, so <c>*</c> is safe and no
/// preflight is needed). Answers are output-cached and evicted with the public pages on any change.
/// </summary>
public static class ContentApi
{
    public const int MaxPageSize = 100;

    public static IEndpointRouteBuilder MapContentApi(this IEndpointRouteBuilder app)
    {
        var cached = app.ServiceProvider.GetRequiredService<IConfiguration>().GetValue("OutputCache:Enabled", true);
        var content = app.MapGroup("/api/content").AllowAnonymous().WithTags("Content")
            .AddEndpointFilter(async (context, next) =>
            {
                context.HttpContext.Response.Headers.AccessControlAllowOrigin = "*";
                return await next(context);
            });
        // The output cache runs before authentication: the same request-based rule as the public pages decides who shares the copy.
        if (cached) content.CacheOutput(p => p.With(ctx => Pipeline.OutputCaching.IsAnonymousPublic(ctx.HttpContext))
            .Tag(ContentChanges.PublicTag).Expire(TimeSpan.FromMinutes(10)).SetVaryByQuery("*"));

        content.MapGet("/posts", (BroadsheetDb db, TimeProvider clock, string? tag, string? author, int? page, int? pageSize, CancellationToken ct) =>
                ListAsync(db, clock, PostKind.Post, tag, author, page, pageSize, ct))
            .WithName("ListPublishedPosts").WithSummary("Published posts, newest first; filter by tag or author slug.")
            .Produces<Paged<ContentPost>>().ProducesValidationProblem();

        content.MapGet("/posts/{slug}", (string slug, BroadsheetDb db, TimeProvider clock, CancellationToken ct) => OneAsync(db, clock, PostKind.Post, slug, ct))
            .WithName("GetPublishedPost").WithSummary("One published post by its slug.")
            .Produces<ContentPost>().ProducesProblem(StatusCodes.Status404NotFound);

        content.MapGet("/pages", (BroadsheetDb db, TimeProvider clock, int? page, int? pageSize, CancellationToken ct) =>
                ListAsync(db, clock, PostKind.Page, null, null, page, pageSize, ct))
            .WithName("ListPublishedPages").WithSummary("Published pages.")
            .Produces<Paged<ContentPost>>().ProducesValidationProblem();

        content.MapGet("/pages/{slug}", (string slug, BroadsheetDb db, TimeProvider clock, CancellationToken ct) => OneAsync(db, clock, PostKind.Page, slug, ct))
            .WithName("GetPublishedPage").WithSummary("One published page by its slug.")
            .Produces<ContentPost>().ProducesProblem(StatusCodes.Status404NotFound);

        content.MapGet("/tags", async (BroadsheetDb db, TimeProvider clock, CancellationToken ct) =>
            {
                var visible = PostQueries.VisibleAt(clock.GetUtcNow().UtcDateTime);
                var tags = await db.Tags.AsNoTracking()
                    .Select(t => new ContentTag(t.Name, t.Slug, t.Description,
                        t.Posts.AsQueryable().Where(p => p.Kind == PostKind.Post).Count(visible)))
                    .ToListAsync(ct);
                return TypedResults.Ok(tags.Where(t => t.PostCount > 0).OrderBy(t => t.Name, StringComparer.CurrentCultureIgnoreCase).ToList());
            })
            .WithName("ListPublicTags").WithSummary("Tags that have at least one published post, with counts.");

        content.MapGet("/authors", async (BroadsheetDb db, TimeProvider clock, CancellationToken ct) =>
            {
                var now = clock.GetUtcNow().UtcDateTime;
                var visible = db.Posts.Visible(now);
                return TypedResults.Ok(await db.Authors.AsNoTracking()
                    .Where(a => a.Posts.Any(link => visible.Any(p => p.Id == link.PostId)))
                    .OrderBy(a => a.DisplayName)
                    .Select(a => new ContentAuthor(a.DisplayName, a.Slug, a.Bio, a.WebsiteUrl)).ToListAsync(ct));
            })
            .WithName("ListPublicAuthors").WithSummary("Authors with at least one published post (never their email).");

        content.MapGet("/settings", async (SiteSettingsCache settings, CancellationToken ct) =>
            {
                var site = await settings.GetAsync(ct);
                return TypedResults.Ok(new ContentSettings(site.Title, site.Description, site.Culture.Name, site.TimeZone.Id, site.BaseUrl, site.Navigation, site.LogoUrl));
            })
            .WithName("GetPublicSettings").WithSummary("The site's public settings: title, description, culture, time zone, navigation.");
        return app;
    }

    private static async Task<IResult> ListAsync(BroadsheetDb db, TimeProvider clock, PostKind kind, string? tag, string? author, int? page, int? pageSize, CancellationToken ct)
    {
        var size = pageSize ?? 20;
        var number = page ?? 1;
        if (size is < 1 or > MaxPageSize || number is < 1 or > PageNumbers.Max) return ApiResults.Invalid("page", $"page is 1 to {PageNumbers.Max}; pageSize is 1 to {MaxPageSize}.");
        var query = db.Posts.AsNoTracking().Where(p => p.Kind == kind).Visible(clock.GetUtcNow().UtcDateTime);
        if (!string.IsNullOrWhiteSpace(tag)) query = query.Where(p => p.Tags.Any(t => t.Slug == tag));
        if (!string.IsNullOrWhiteSpace(author)) query = query.Where(p => p.Authors.Any(a => a.Author!.Slug == author));
        var total = await query.CountAsync(ct);
        var rows = await WithRelations(kind == PostKind.Page ? query.OrderBy(p => p.Title).ThenBy(p => p.Id) : query.NewestFirst())
            .Skip((number - 1) * size).Take(size).ToListAsync(ct);
        return TypedResults.Ok(new Paged<ContentPost>([.. rows.Select(ToContent)], number, size, total));
    }

    private static async Task<IResult> OneAsync(BroadsheetDb db, TimeProvider clock, PostKind kind, string slug, CancellationToken ct)
    {
        var post = await WithRelations(db.Posts.AsNoTracking().Where(p => p.Kind == kind && p.Slug == slug).Visible(clock.GetUtcNow().UtcDateTime))
            .FirstOrDefaultAsync(ct);
        return post is null ? ApiResults.NotFound($"There is no published {(kind == PostKind.Page ? "page" : "post")} '{slug}'.") : TypedResults.Ok(ToContent(post));
    }

    private static IQueryable<Post> WithRelations(IQueryable<Post> query) =>
        query.Include(p => p.Tags).Include(p => p.Authors).ThenInclude(a => a.Author).AsSplitQuery();

    private static ContentPost ToContent(Post p) => new(
        p.Title, p.Slug, p.Permalink ?? "", p.BodyHtml, p.Excerpt, p.Pinned, p.PublishedAt!.Value, p.UpdatedAt,
        [.. p.Tags.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new ContentTagRef(t.Name, t.Slug))],
        [.. p.Authors.OrderBy(a => a.Position).Select(a => new ContentAuthorRef(a.Author?.DisplayName ?? "", a.Author?.Slug ?? ""))]);
}
