using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Media;

/// <summary>
/// Keeps uploaded files under <c>&lt;data dir&gt;/media/</c>, each named by the SHA-256 of its bytes
/// and the extension its sniffed type gives (<see cref="MediaSniffer"/>), so a name never comes
/// from the uploader, a URL never changes meaning (served as immutable) and the same file uploaded
/// twice is stored once. Used by the admin media page and the Admin API alike.
/// </summary>
public sealed partial class MediaStore(IConfiguration configuration, TimeProvider clock)
{
    public const long DefaultMaxUploadBytes = 10L * 1024 * 1024;

    /// <summary>The largest file accepted, from <c>Media:MaxUploadBytes</c> (default 10 MB).</summary>
    public long MaxUploadBytes { get; } = configuration.GetValue("Media:MaxUploadBytes", DefaultMaxUploadBytes);

    public string Directory { get; } = Path.Combine(DataDirectory.From(configuration), "media");

    /// <summary>A stored name as <see cref="SaveAsync"/> makes them; anything else is never looked up on disk.</summary>
    [GeneratedRegex("^[0-9a-f]{64}\\.(jpg|png|gif|webp|pdf|docx|odt)$")]
    public static partial Regex StoredNamePattern();

    public string? PathOf(string storedName) =>
        StoredNamePattern().IsMatch(storedName) ? Path.Combine(Directory, storedName) : null;

    /// <summary>The public URL of a stored file.</summary>
    public static string Url(MediaFile file) => "/media/" + file.StoredName;

    /// <summary>
    /// Checks and stores one upload and saves its row. Refused uploads leave nothing behind (no
    /// file, no row). Uploading bytes already stored answers the existing row.
    /// </summary>
    public async Task<MediaUpload> SaveAsync(BroadsheetDb db, Stream content, string originalName, string? altText, string? userId, CancellationToken cancellationToken = default)
    {
        // Read at most one byte past the limit: enough to know it is too big without reading it all.
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxUploadBytes) return MediaUpload.TooLarge(MaxUploadBytes);
        }
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        var (type, refusal) = MediaSniffer.Sniff(bytes.Span);
        if (type is null) return MediaUpload.Refused(refusal!);

        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes.Span));
        var storedName = $"{sha256}.{type.Extension}";
        var existing = await db.Media.FirstOrDefaultAsync(m => m.StoredName == storedName, cancellationToken);
        if (existing is not null && File.Exists(Path.Combine(Directory, storedName)))
            return MediaUpload.Stored(existing, alreadyThere: true);

        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, storedName);
        // Write beside the final name and move into place, so a reader never sees half a file.
        var temporary = Path.Combine(Directory, $".upload-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(temporary, bytes.ToArray(), cancellationToken);
        File.Move(temporary, path, overwrite: true);

        var file = existing ?? db.Media.Add(new MediaFile
        {
            OriginalName = CleanName(originalName),
            StoredName = storedName,
            ContentType = type.ContentType,
        }).Entity;
        file.Size = bytes.Length;
        file.Sha256 = sha256;
        file.Width = type.Width;
        file.Height = type.Height;
        file.AltText = string.IsNullOrWhiteSpace(altText) ? file.AltText : altText.Trim();
        if (file.CreatedAt == default) file.CreatedAt = clock.GetUtcNow().UtcDateTime;
        file.UploadedByUserId ??= userId;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException) when (existing is null)
        {
            // The same bytes uploaded at the same moment by someone else: theirs won, and the file is theirs too.
            db.Entry(file).State = EntityState.Detached;
            if (await db.Media.AsNoTracking().FirstOrDefaultAsync(m => m.StoredName == storedName, cancellationToken) is { } winner)
                return MediaUpload.Stored(winner, alreadyThere: true);
            File.Delete(path);
            throw;
        }
        return MediaUpload.Stored(file, alreadyThere: false);
    }

    /// <summary>Removes the row and the file. Pages that still link to it will show a missing image.</summary>
    public async Task DeleteAsync(BroadsheetDb db, MediaFile file, CancellationToken cancellationToken = default)
    {
        db.Media.Remove(file);
        await db.SaveChangesAsync(cancellationToken);
        if (PathOf(file.StoredName) is { } path) File.Delete(path);
    }

    /// <summary>The uploader's name is only ever displayed; keep it short and printable.</summary>
    private static string CleanName(string name)
    {
        var clean = new string([.. Path.GetFileName(name.Replace('\\', '/')).Where(c => !char.IsControl(c))]).Trim();
        if (clean.Length == 0) clean = "upload";
        return clean.Length > 300 ? clean[..300] : clean;
    }
}

/// <summary>The outcome of <see cref="MediaStore.SaveAsync"/>: a stored file, or why not.</summary>
public sealed record MediaUpload(MediaFile? File, string? Error, bool IsTooLarge, bool AlreadyThere)
{
    public static MediaUpload Stored(MediaFile file, bool alreadyThere) => new(file, null, false, alreadyThere);
    public static MediaUpload Refused(string error) => new(null, error, false, false);

    public static MediaUpload TooLarge(long limit) =>
        new(null, $"The file is larger than the limit of {limit / (1024.0 * 1024.0):0.#} MB.", true, false);
}
