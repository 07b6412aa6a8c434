using System.Security.Claims;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Media;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Admin.Media;

/// <summary>
/// /admin/media: upload images and documents, set alt text, copy a file's Markdown to pick it for
/// a post, delete. Editors and up. The checks are the same as the Admin API's (<see cref="MediaStore"/>).
/// </summary>
[Authorize(Policy = Policies.EditAll)]
[UploadLimit("Media:MaxUploadBytes", MediaStore.DefaultMaxUploadBytes)]
public sealed class IndexModel(BroadsheetDb db, MediaStore store) : AdminPageModel
{
    public const int PageSize = 40;

    public IReadOnlyList<MediaFile> Files { get; private set; } = [];
    public int PageNumber { get; private set; } = 1;
    public bool HasOlder { get; private set; }
    public long MaxUploadBytes => store.MaxUploadBytes;

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(int page = 1, bool tooLarge = false)
    {
        if (page < 1) return NotFound();
        // Sent back here by the upload limit, before the file was read.
        if (tooLarge) Error = MediaUpload.TooLarge(MaxUploadBytes).Error;
        await LoadAsync(page);
        return Page();
    }

    public async Task<IActionResult> OnPostUploadAsync(IFormFile? file, string? altText)
    {
        if (file is null || file.Length == 0)
            return await RefuseAsync(StatusCodes.Status400BadRequest, "Choose a file to upload.");
        if (altText is { Length: > 1000 })
            return await RefuseAsync(StatusCodes.Status400BadRequest, "Alt text is at most 1000 characters.");
        await using var stream = file.OpenReadStream();
        var upload = await store.SaveAsync(db, stream, file.FileName, altText, User.FindFirstValue(ClaimTypes.NameIdentifier), HttpContext.RequestAborted);
        if (upload.File is null)
            return await RefuseAsync(upload.IsTooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest, upload.Error!);
        Notice = upload.AlreadyThere ? $"“{upload.File.OriginalName}” was already in the library." : $"Uploaded “{upload.File.OriginalName}”.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostAltTextAsync(int id, string? altText)
    {
        if (altText is { Length: > 1000 }) return await RefuseAsync(StatusCodes.Status400BadRequest, "Alt text is at most 1000 characters.");
        var file = await db.Media.FirstOrDefaultAsync(m => m.Id == id, HttpContext.RequestAborted);
        if (file is null) return NotFound();
        file.AltText = string.IsNullOrWhiteSpace(altText) ? null : altText.Trim();
        await db.SaveChangesAsync(HttpContext.RequestAborted);
        Notice = $"Saved the alt text of “{file.OriginalName}”.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostDeleteAsync(int id)
    {
        var file = await db.Media.FirstOrDefaultAsync(m => m.Id == id, HttpContext.RequestAborted);
        if (file is null) return NotFound();
        await store.DeleteAsync(db, file, HttpContext.RequestAborted);
        Notice = $"Deleted “{file.OriginalName}”.";
        return RedirectToPage();
    }

    /// <summary>How a post embeds the file, for the editor to copy.</summary>
    public static string Markdown(MediaFile file) => file.ContentType.StartsWith("image/", StringComparison.Ordinal)
        ? $"![{file.AltText}]({MediaStore.Url(file)})"
        : $"[{file.OriginalName}]({MediaStore.Url(file)})";

    private async Task<IActionResult> RefuseAsync(int status, string error)
    {
        Response.StatusCode = status;
        Error = error;
        await LoadAsync(1);
        return Page();
    }

    private async Task LoadAsync(int page)
    {
        PageNumber = page;
        var rows = await db.Media.AsNoTracking().OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Skip((page - 1) * PageSize).Take(PageSize + 1).ToListAsync(HttpContext.RequestAborted);
        HasOlder = rows.Count > PageSize;
        Files = rows.Take(PageSize).ToList();
    }
}
