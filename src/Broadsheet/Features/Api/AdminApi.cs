using System.Security.Claims;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Media;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Shared;
using Broadsheet.Features.Tags;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Api;

public sealed record AdminTag(int Id, string Name, string Slug, string? Description, int PostCount);
public sealed record TagInput(string? Name = null, string? Slug = null, string? Description = null);

public sealed record AdminMedia(
    int Id, string Url, string OriginalName, string ContentType, long Size, int? Width, int? Height, string? AltText, DateTime CreatedAt);
public sealed record MediaInput(string? AltText = null);

public sealed record AdminSettings(
    string Title, string Description, string Culture, string TimeZone, string BaseUrl, int PostsPerPage, string Navigation, string? LogoUrl);
public sealed record SettingsInput(
    string? Title = null, string? Description = null, string? Culture = null, string? TimeZone = null, string? BaseUrl = null,
    int? PostsPerPage = null, string? Navigation = null, string? LogoUrl = null);

/// <summary>
/// The Admin API under <c>/api/admin</c>: posts and pages (<see cref="AdminPostsApi"/>), tags, media,
/// site settings, search (<see cref="Search.AdminSearchApi"/>), newsletters and subscribers (<see cref="AdminNewslettersApi"/>). Every endpoint demands an API key
/// ("ApiKey" scheme named in the policy, so a signed-in browser's cookie is not enough) and the role
/// its policy names.
/// </summary>
public static class AdminApi
{
    /// <summary>A policy of <see cref="Policies"/> bound to the ApiKey scheme.</summary>
    public static AuthorizationPolicy Policy(string name) =>
        new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName).RequireRole(Policies.RolesFor[name]).Build();

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").DisableAntiforgery(); // keys, not cookies: nothing to forge

        AdminPostsApi.MapPosts(admin.MapGroup("/posts").RequireAuthorization(Policy(Policies.EditAll)), PostKind.Post);
        AdminPostsApi.MapPosts(admin.MapGroup("/pages").RequireAuthorization(Policy(Policies.EditAll)), PostKind.Page);
        MapTags(admin.MapGroup("/tags").RequireAuthorization(Policy(Policies.EditAll)).WithTags("Admin: tags"));
        MapMedia(admin.MapGroup("/media").RequireAuthorization(Policy(Policies.EditAll)).WithTags("Admin: media"));
        MapSettings(admin.MapGroup("/settings").RequireAuthorization(Policy(Policies.Administer)).WithTags("Admin: settings"));
        Search.AdminSearchApi.MapSearch(admin.MapGroup("/search").RequireAuthorization(Policy(Policies.EditAll)));
        AdminNewslettersApi.MapNewsletters(admin.MapGroup("/newsletters").RequireAuthorization(Policy(Policies.EditAll)));
        AdminNewslettersApi.MapSubscribers(admin.MapGroup("/subscribers").RequireAuthorization(Policy(Policies.Administer)));
        return app;
    }

    private static void MapTags(RouteGroupBuilder tags)
    {
        tags.MapGet("/", async (BroadsheetDb db, CancellationToken ct) =>
                TypedResults.Ok(await db.Tags.AsNoTracking().OrderBy(t => t.Name)
                    .Select(t => new AdminTag(t.Id, t.Name, t.Slug, t.Description, t.Posts.Count)).ToListAsync(ct)))
            .WithName("ListTags").WithSummary("Lists all tags with how many posts carry each.");

        tags.MapPost("/", async (HttpRequest request, BroadsheetDb db, ContentChanges changes, CancellationToken ct) =>
            {
                var (input, error) = await ApiJson.ReadAsync<TagInput>(request);
                if (input is null) return error!;
                if (string.IsNullOrWhiteSpace(input.Name)) return ApiResults.Invalid("name", "A tag needs a name.");
                var tag = new Tag { Name = "", Slug = "" };
                if (await ApplyAsync(db, tag, input, ct) is { } invalid) return invalid;
                db.Tags.Add(tag);
                await db.SaveChangesAsync(ct);
                await changes.PublishedAsync(db, ct);
                return TypedResults.Created($"/api/admin/tags/{tag.Id}", new AdminTag(tag.Id, tag.Name, tag.Slug, tag.Description, 0));
            })
            .WithName("CreateTag").WithSummary("Creates a tag.")
            .Accepts<TagInput>("application/json").Produces<AdminTag>(StatusCodes.Status201Created).ProducesValidationProblem();

        tags.MapPut("/{id:int}", async (int id, HttpRequest request, BroadsheetDb db, PostWriter writer, ContentChanges changes, CancellationToken ct) =>
            {
                var (input, error) = await ApiJson.ReadAsync<TagInput>(request);
                if (input is null) return error!;
                var tag = await db.Tags.FirstOrDefaultAsync(t => t.Id == id, ct);
                if (tag is null) return ApiResults.NotFound($"There is no tag {id}.");
                var oldSlug = tag.Slug;
                if (await ApplyAsync(db, tag, input, ct) is { } invalid) return invalid;
                // A renamed tag keeps its old address working.
                if (tag.Slug != oldSlug) await writer.AddRedirectAsync(db, PostPaths.Tag(oldSlug), PostPaths.Tag(tag.Slug), ct);
                await db.SaveChangesAsync(ct);
                await changes.PublishedAsync(db, ct);
                var count = await db.Tags.Where(t => t.Id == id).Select(t => t.Posts.Count).FirstAsync(ct);
                return TypedResults.Ok(new AdminTag(tag.Id, tag.Name, tag.Slug, tag.Description, count));
            })
            .WithName("UpdateTag").WithSummary("Renames a tag or changes its slug or description; the old tag address redirects.")
            .Accepts<TagInput>("application/json").Produces<AdminTag>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        tags.MapDelete("/{id:int}", async (int id, BroadsheetDb db, ContentChanges changes, CancellationToken ct) =>
            {
                var tag = await db.Tags.FirstOrDefaultAsync(t => t.Id == id, ct);
                if (tag is null) return ApiResults.NotFound($"There is no tag {id}.");
                db.Tags.Remove(tag); // the posts stay; they lose this tag
                await db.SaveChangesAsync(ct);
                await changes.PublishedAsync(db, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteTag").WithSummary("Deletes a tag; its posts stay, without it.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult?> ApplyAsync(BroadsheetDb db, Tag tag, TagInput input, CancellationToken ct)
    {
        if (input.Name is { } name && (name.Trim().Length == 0 || name.Length > 200)) return ApiResults.Invalid("name", "A tag name is 1 to 200 characters.");
        if (input.Slug is { Length: > 0 } slug && !Slugs.IsValid(slug)) return ApiResults.Invalid("slug", "Lower-case letters, digits and hyphens only, not starting or ending with a hyphen.");
        if (input.Name is not null) tag.Name = XmlSafeText.Clean(input.Name).Trim();
        var wanted = input.Slug is { Length: > 0 } s ? s : tag.Slug.Length == 0 || input.Name is not null && input.Slug is null ? Slugs.From(tag.Name) : tag.Slug;
        if (wanted != tag.Slug && await db.Tags.AnyAsync(t => t.Slug == wanted && t.Id != tag.Id, ct))
            return ApiResults.Invalid("slug", $"Another tag already has the slug '{wanted}'.");
        tag.Slug = wanted;
        if (input.Description is not null) tag.Description = input.Description.Length == 0 ? null : XmlSafeText.Clean(input.Description);
        return null;
    }

    private static void MapMedia(RouteGroupBuilder media)
    {
        media.MapGet("/", async (BroadsheetDb db, int? page, int? pageSize, CancellationToken ct) =>
            {
                var size = pageSize ?? 50;
                var number = page ?? 1;
                if (size is < 1 or > AdminPostsApi.MaxPageSize || number is < 1 or > PageNumbers.Max) return ApiResults.Invalid("page", $"page is 1 to {PageNumbers.Max}; pageSize is 1 to {AdminPostsApi.MaxPageSize}.");
                var total = await db.Media.CountAsync(ct);
                var rows = await db.Media.AsNoTracking().OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
                    .Skip((number - 1) * size).Take(size).ToListAsync(ct);
                return TypedResults.Ok(new Paged<AdminMedia>([.. rows.Select(ToAdmin)], number, size, total));
            })
            .WithName("ListMedia").WithSummary("Lists uploaded files, newest first.")
            .Produces<Paged<AdminMedia>>().ProducesValidationProblem();

        media.MapPost("/", async (HttpRequest request, BroadsheetDb db, MediaStore store, CancellationToken ct) =>
            {
                if (!request.HasFormContentType) return ApiResults.Invalid("file", "Send the file as multipart/form-data in a field named 'file'.");
                var (outcome, read) = await UploadLimit.ReadFormAsync(request.HttpContext, store.MaxUploadBytes, ct);
                if (outcome == UploadLimit.Outcome.TooLarge) return ApiResults.TooLarge(MediaUpload.TooLarge(store.MaxUploadBytes).Error!);
                if (read is not { } form) return ApiResults.Invalid("file", UploadLimit.UnreadableMessage);
                if (form.Files.GetFile("file") is not { } file) return ApiResults.Invalid("file", "Send the file in a form field named 'file'.");
                var alt = form["altText"].ToString();
                if (alt.Length > 1000) return ApiResults.Invalid("altText", "At most 1000 characters.");
                await using var stream = file.OpenReadStream();
                var upload = await store.SaveAsync(db, stream, file.FileName, alt, request.HttpContext.User.FindFirstValue(ClaimTypes.NameIdentifier), ct);
                if (upload.IsTooLarge) return ApiResults.TooLarge(upload.Error!);
                if (upload.File is not { } stored) return ApiResults.Invalid("file", upload.Error!);
                return upload.AlreadyThere
                    ? TypedResults.Ok(ToAdmin(stored))
                    : TypedResults.Created($"/api/admin/media/{stored.Id}", ToAdmin(stored));
            })
            .WithName("UploadMedia")
            .WithSummary("Uploads an image (JPEG, PNG, GIF, WebP) or document (PDF, DOCX, ODT) as multipart field 'file', with optional 'altText'. The type is judged from the bytes; SVG is refused. 200 with the existing file if these bytes were uploaded before.")
            .Accepts<UploadForm>("multipart/form-data")
            .Produces<AdminMedia>(StatusCodes.Status201Created).Produces<AdminMedia>()
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        media.MapGet("/{id:int}", async (int id, BroadsheetDb db, CancellationToken ct) =>
                await db.Media.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct) is { } file ? TypedResults.Ok(ToAdmin(file)) : ApiResults.NotFound($"There is no media file {id}."))
            .WithName("GetMedia").WithSummary("Gets one uploaded file's details.")
            .Produces<AdminMedia>().ProducesProblem(StatusCodes.Status404NotFound);

        media.MapPut("/{id:int}", async (int id, HttpRequest request, BroadsheetDb db, CancellationToken ct) =>
            {
                var (input, error) = await ApiJson.ReadAsync<MediaInput>(request);
                if (input is null) return error!;
                if (input.AltText is { Length: > 1000 }) return ApiResults.Invalid("altText", "At most 1000 characters.");
                var file = await db.Media.FirstOrDefaultAsync(m => m.Id == id, ct);
                if (file is null) return ApiResults.NotFound($"There is no media file {id}.");
                file.AltText = string.IsNullOrWhiteSpace(input.AltText) ? null : input.AltText.Trim();
                await db.SaveChangesAsync(ct);
                return TypedResults.Ok(ToAdmin(file));
            })
            .WithName("UpdateMedia").WithSummary("Changes a file's alt text.")
            .Accepts<MediaInput>("application/json").Produces<AdminMedia>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        media.MapDelete("/{id:int}", async (int id, BroadsheetDb db, MediaStore store, CancellationToken ct) =>
            {
                var file = await db.Media.FirstOrDefaultAsync(m => m.Id == id, ct);
                if (file is null) return ApiResults.NotFound($"There is no media file {id}.");
                await store.DeleteAsync(db, file, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteMedia").WithSummary("Deletes an uploaded file (posts that show it will show a missing image).")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>The multipart form of an upload, for the OpenAPI document.</summary>
    public sealed class UploadForm
    {
        public required IFormFile File { get; init; }
        public string? AltText { get; init; }
    }

    internal static AdminMedia ToAdmin(MediaFile m) =>
        new(m.Id, MediaStore.Url(m), m.OriginalName, m.ContentType, m.Size, m.Width, m.Height, m.AltText, m.CreatedAt);

    private static void MapSettings(RouteGroupBuilder settings)
    {
        settings.MapGet("/", async (BroadsheetDb db, CancellationToken ct) => TypedResults.Ok(ToAdmin(await db.SiteSettings.AsNoTracking().SingleAsync(ct))))
            .WithName("GetSettings").WithSummary("Gets the site settings.");

        settings.MapPut("/", async (HttpRequest request, BroadsheetDb db, ContentChanges changes, CancellationToken ct) =>
            {
                var (input, error) = await ApiJson.ReadAsync<SettingsInput>(request);
                if (input is null) return error!;
                var errors = new Dictionary<string, string[]>();
                if (input.Title is { } title && (title.Trim().Length == 0 || title.Length > 300)) errors["title"] = ["A title is 1 to 300 characters."];
                if (input.Description is { Length: > 2000 }) errors["description"] = ["At most 2000 characters."];
                // The settings page's rules (SettingsRules), so a link the page refuses cannot be stored here either.
                if (input.Culture is { } culture && SettingsRules.Culture(culture) is { } badCulture) errors["culture"] = [badCulture];
                if (input.TimeZone is { } zone && SettingsRules.TimeZone(zone) is { } badZone) errors["timeZone"] = [badZone];
                if (input.BaseUrl is { } baseUrl && SettingsRules.BaseUrl(baseUrl) is { } badBaseUrl) errors["baseUrl"] = [badBaseUrl];
                if (input.PostsPerPage is < 1 or > 100) errors["postsPerPage"] = ["Between 1 and 100."];
                if (input.Navigation is { Length: > 4000 }) errors["navigation"] = ["At most 4000 characters."];
                else if (input.Navigation is { } navigation && SettingsRules.Navigation(navigation) is { } badNavigation) errors["navigation"] = [badNavigation];
                if (input.LogoUrl is { Length: > 2000 }) errors["logoUrl"] = ["At most 2000 characters."];
                else if (input.LogoUrl is { } logoUrl && SettingsRules.LogoUrl(logoUrl) is { } badLogo) errors["logoUrl"] = [badLogo];
                if (errors.Count > 0) return ApiResults.Invalid(errors);
                var row = await db.SiteSettings.SingleAsync(ct);
                if (input.Title is not null) row.Title = XmlSafeText.Clean(input.Title).Trim();
                if (input.Description is not null) row.Description = XmlSafeText.Clean(input.Description);
                if (input.Culture is not null) row.Culture = input.Culture.Trim();
                if (input.TimeZone is not null) row.TimeZone = input.TimeZone.Trim();
                if (input.BaseUrl is not null) row.BaseUrl = input.BaseUrl.TrimEnd('/');
                if (input.PostsPerPage is { } perPage) row.PostsPerPage = perPage;
                if (input.Navigation is not null) row.Navigation = input.Navigation;
                if (input.LogoUrl is not null) row.LogoUrl = input.LogoUrl.Length == 0 ? null : input.LogoUrl;
                await db.SaveChangesAsync(ct);
                await changes.PublishedAsync(db, ct);
                return TypedResults.Ok(ToAdmin(row));
            })
            .WithName("UpdateSettings").WithSummary("Changes site settings; fields left out keep their value.")
            .Accepts<SettingsInput>("application/json").Produces<AdminSettings>().ProducesValidationProblem();
    }

    private static AdminSettings ToAdmin(Settings.SiteSettings s) =>
        new(s.Title, s.Description, s.Culture, s.TimeZone, s.BaseUrl, s.PostsPerPage, s.Navigation, s.LogoUrl);
}
