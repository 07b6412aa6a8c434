using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Broadsheet.Features.Media;

/// <summary>What an upload really is, judged from its bytes alone.</summary>
/// <param name="Extension">The extension Broadsheet stores it under (without the dot).</param>
public sealed record SniffedType(string ContentType, string Extension, bool IsImage, int? Width = null, int? Height = null);

/// <summary>
/// Decides what an uploaded file is from its first bytes (magic numbers), never from its name or
/// the Content-Type the browser sent, and reads an image's size from its header. Accepted: JPEG,
/// PNG, GIF and WebP images; PDF, DOCX and ODT documents. Everything else is refused, SVG
/// included: an SVG is a document that may run script, and served from our own origin it would
/// run with the site's authority. DOCX and ODT are zip files; they are told apart from any other zip
/// by the entries the formats require (<c>[Content_Types].xml</c> + <c>word/document.xml</c>; a
/// first <c>mimetype</c> entry naming an OpenDocument text), read from the central directory only,
/// so a zip bomb is never inflated.
/// </summary>
public static class MediaSniffer
{
    public const string OdtMimeType = "application/vnd.oasis.opendocument.text";
    public const string DocxMimeType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    /// <summary>The content type to serve for each stored extension (the only extensions we ever store).</summary>
    public static readonly IReadOnlyDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        ["jpg"] = "image/jpeg",
        ["png"] = "image/png",
        ["gif"] = "image/gif",
        ["webp"] = "image/webp",
        ["pdf"] = "application/pdf",
        ["docx"] = DocxMimeType,
        ["odt"] = OdtMimeType,
    };

    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF];
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] Zip = [0x50, 0x4B, 0x03, 0x04];
    private static readonly byte[] Elf = [0x7F, 0x45, 0x4C, 0x46];

    /// <summary>The type, or null with a reason a person can act on.</summary>
    public static (SniffedType? Type, string? Refusal) Sniff(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return (null, "The file is empty.");
        if (bytes.StartsWith(Jpeg))
        {
            var (w, h) = JpegSize(bytes);
            return (new SniffedType("image/jpeg", "jpg", true, w, h), null);
        }
        if (bytes.StartsWith(Png))
        {
            // IHDR is always the first chunk: width and height are big-endian at bytes 16 and 20.
            return bytes.Length >= 24
                ? (new SniffedType("image/png", "png", true, ReadInt(bytes[16..]), ReadInt(bytes[20..])), null)
                : (null, "The PNG image is cut short.");
        }
        if (bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8))
        {
            return bytes.Length >= 10
                ? (new SniffedType("image/gif", "gif", true, BinaryPrimitives.ReadUInt16LittleEndian(bytes[6..]), BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..])), null)
                : (null, "The GIF image is cut short.");
        }
        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..].StartsWith("WEBP"u8))
        {
            var (w, h) = WebPSize(bytes);
            return (new SniffedType("image/webp", "webp", true, w, h), null);
        }
        if (bytes.StartsWith("%PDF-"u8))
            return (new SniffedType("application/pdf", "pdf", false), null);
        if (bytes.StartsWith(Zip))
            return SniffZip(bytes);
        if (LooksLikeSvg(bytes))
            return (null, "SVG images are not accepted, because they can carry scripts. Export the image as PNG or JPEG and upload that.");
        if (bytes.StartsWith("MZ"u8) || bytes.StartsWith(Elf))
            return (null, "This is a program, not an image or document; it is not accepted.");
        return (null, "This file is not an accepted type. Accepted: JPEG, PNG, GIF or WebP images; PDF, Word (.docx) or OpenDocument (.odt) documents.");
    }

    private static int ReadInt(ReadOnlySpan<byte> bytes) => (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(bytes), int.MaxValue);

    /// <summary>Walks the JPEG markers to the first start-of-frame, which holds height then width.</summary>
    private static (int?, int?) JpegSize(ReadOnlySpan<byte> bytes)
    {
        var i = 2;
        while (i + 9 < bytes.Length)
        {
            if (bytes[i] != 0xFF) return (null, null);
            var marker = bytes[i + 1];
            if (marker == 0xFF) { i++; continue; } // fill byte
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7)) { i += 2; continue; } // markers without a length
            var length = BinaryPrimitives.ReadUInt16BigEndian(bytes[(i + 2)..]);
            // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), carry the frame size.
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
                return (BinaryPrimitives.ReadUInt16BigEndian(bytes[(i + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[(i + 5)..]));
            if (length < 2) return (null, null);
            i += 2 + length;
        }
        return (null, null);
    }

    private static (int?, int?) WebPSize(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 30) return (null, null);
        var chunk = bytes[12..16];
        if (chunk.SequenceEqual("VP8X"u8)) // extended: 24-bit canvas size minus one
            return (1 + (bytes[24] | bytes[25] << 8 | bytes[26] << 16), 1 + (bytes[27] | bytes[28] << 8 | bytes[29] << 16));
        if (chunk.SequenceEqual("VP8L"u8) && bytes[20] == 0x2F) // lossless: 14-bit sizes minus one, packed
        {
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(bytes[21..]);
            return ((int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
        }
        if (chunk.SequenceEqual("VP8 "u8) && bytes[23] == 0x9D && bytes[24] == 0x01 && bytes[25] == 0x2A) // lossy key frame
            return (BinaryPrimitives.ReadUInt16LittleEndian(bytes[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(bytes[28..]) & 0x3FFF);
        return (null, null);
    }

    private static (SniffedType?, string?) SniffZip(ReadOnlySpan<byte> bytes)
    {
        const string notADocument = "This is a zip file that is not a Word (.docx) or OpenDocument (.odt) document; it is not accepted.";
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes.ToArray(), writable: false), ZipArchiveMode.Read);
            var names = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            if (names.Contains("[Content_Types].xml") && names.Contains("word/document.xml"))
                return (new SniffedType(DocxMimeType, "docx", false), null);
            if (zip.Entries.FirstOrDefault() is { FullName: "mimetype", Length: < 100 } mimetype)
            {
                using var reader = new StreamReader(mimetype.Open(), Encoding.ASCII);
                if (reader.ReadToEnd().Trim() == OdtMimeType) return (new SniffedType(OdtMimeType, "odt", false), null);
            }
            return (null, notADocument);
        }
        catch (InvalidDataException)
        {
            return (null, "The file looks like a zip file but is damaged; it is not accepted.");
        }
    }

    /// <summary>XML or HTML text that mentions an svg element near its start (after any BOM, whitespace, prolog or comments).</summary>
    private static bool LooksLikeSvg(ReadOnlySpan<byte> bytes)
    {
        var head = Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 4096)]).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        return head.StartsWith('<') && head.Contains("<svg", StringComparison.OrdinalIgnoreCase);
    }
}
