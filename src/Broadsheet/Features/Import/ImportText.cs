using System.Text;
using System.Xml;

namespace Broadsheet.Features.Import;

/// <summary>
/// Opens an export file as a safe, streaming <see cref="XmlReader"/>: no DTD (so no XXE and no
/// entity-expansion "billion laughs"), no external resolver, strict UTF-8 (an invalid byte is an
/// error naming its line), and errors turned into <see cref="ImportFailedException"/>.
/// The file is read in small blocks and never held whole.
/// </summary>
internal static class ImportXml
{
    public static XmlReader Open(ImportText text) => XmlReader.Create(text, new XmlReaderSettings
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = false,
        CheckCharacters = true,
        CloseInput = false,
        MaxCharactersFromEntities = 1024,
    });

    /// <summary>Runs a reading step, turning XML and decoding errors into one clear message naming file and line.</summary>
    public static ImportFailedException Fail(string fileName, Exception e, ImportText text) => e switch
    {
        ImportFailedException failed => failed,
        XmlException x when x.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase) =>
            new ImportFailedException(fileName, x.LineNumber, "the file declares a DTD (<!DOCTYPE …>); export files never do, and it is refused because DTDs allow entity-expansion and external-entity attacks", x),
        XmlException x when text.AtEnd => new ImportFailedException(fileName, x.LineNumber, $"the file ends too early — it looks truncated (the download or copy may have been cut off). The XML reader said: {x.Message}", x),
        XmlException x => new ImportFailedException(fileName, x.LineNumber, $"the XML is malformed: {x.Message}", x),
        _ => new ImportFailedException(fileName, text.Line, e.Message, e),
    };
}

/// <summary>
/// The text of an export file, decoded as strict UTF-8 block by block. With <c>repair</c> on (for
/// WordPress files) it mends the two defects real WXR files have and WordPress's own importer
/// tolerates: a bare <c>&amp;</c> (e.g. in an image URL's query string) becomes <c>&amp;amp;</c>, and a
/// <c>]]&gt;</c> inside a CDATA section that is not followed by markup is kept as text (WordPress
/// writes nested CDATA without escaping it). Neither repair adds a line, so line numbers stay true.
/// </summary>
internal sealed class ImportText(Stream stream, string fileName, bool repair) : TextReader
{
    private const int BlockSize = 64 * 1024;
    private const int Lookahead = 64;

    private readonly Decoder decoder = new UTF8Encoding(false, true).GetDecoder();
    private readonly byte[] bytes = new byte[BlockSize];
    private char[] chars = new char[BlockSize + Lookahead * 2];
    private int start, end;
    private bool streamDone, started, inCdata;
    private int linesBeforeBlock;
    private readonly StringBuilder pending = new();

    /// <summary>How many bytes of the file have been read, for progress.</summary>
    public long BytesRead { get; private set; }

    /// <summary>True once the whole file has been read.</summary>
    public bool AtEnd => streamDone && start >= end && pending.Length == 0;

    /// <summary>The line being decoded, for errors the XML reader does not report itself.</summary>
    public int Line => linesBeforeBlock + 1;

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        var written = 0;
        while (written < buffer.Length)
        {
            if (pending.Length > 0)
            {
                var n = Math.Min(pending.Length, buffer.Length - written);
                pending.CopyTo(0, buffer.Slice(written, n), n);
                pending.Remove(0, n);
                written += n;
                continue;
            }
            if (!Fill(repair ? Lookahead : 1)) break;
            if (!repair)
            {
                var n = Math.Min(end - start, buffer.Length - written);
                chars.AsSpan(start, n).CopyTo(buffer[written..]);
                start += n;
                written += n;
                continue;
            }
            written += Repair(buffer[written..]);
        }
        return written;
    }

    public override int Peek() => throw new NotSupportedException();

    /// <summary>Copies characters, mending as it goes; stops where a decision needs more lookahead.</summary>
    private int Repair(Span<char> output)
    {
        var o = 0;
        while (o < output.Length && start < end)
        {
            // Keep enough characters ahead to decide, unless the file has ended.
            if (end - start < Lookahead && !streamDone) break;
            var c = chars[start];
            var ahead = chars.AsSpan(start, end - start);
            if (!inCdata)
            {
                if (c == '<' && ahead.StartsWith("<![CDATA[")) inCdata = true;
                else if (c == '&' && !IsReference(ahead))
                {
                    start++;
                    pending.Append("&amp;");
                    return o;
                }
            }
            else if (c == ']' && ahead.StartsWith("]]>"))
            {
                var rest = ahead[3..].TrimStart(" \t\r\n");
                var endsSection = rest.Length == 0 || rest[0] == '<';
                if (!endsSection)
                {
                    start += 3;
                    pending.Append("]]]]><![CDATA[>");
                    return o;
                }
                inCdata = false;
                start += 3;
                pending.Append("]]>");
                return o;
            }
            output[o++] = c;
            start++;
        }
        if (o == 0 && start < end && end - start < Lookahead && !streamDone)
        {
            // Not enough lookahead yet: let Fill read more on the next round.
            Fill(end - start + 1);
        }
        return o;
    }

    /// <summary>A predefined entity or a character reference; anything else after '&amp;' is text.</summary>
    private static bool IsReference(ReadOnlySpan<char> s)
    {
        foreach (var name in (ReadOnlySpan<string>)["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"])
            if (s.StartsWith(name)) return true;
        if (s.Length < 4 || s[1] != '#') return false;
        var i = 2;
        var hex = s[i] is 'x' or 'X';
        if (hex) i++;
        var digits = 0;
        for (; i < s.Length && digits < 8; i++, digits++)
        {
            var d = s[i];
            if (d == ';') return digits > 0;
            if (!(char.IsAsciiDigit(d) || hex && char.IsAsciiHexDigit(d))) return false;
        }
        return false;
    }

    /// <summary>Ensures at least <paramref name="wanted"/> characters are buffered, or the file has ended; false when nothing is left.</summary>
    private bool Fill(int wanted)
    {
        while (end - start < wanted && !streamDone)
        {
            if (start > 0)
            {
                Array.Copy(chars, start, chars, 0, end - start);
                end -= start;
                start = 0;
            }
            var read = stream.Read(bytes, 0, bytes.Length);
            var offset = 0;
            if (!started && read > 0)
            {
                started = true;
                offset = CheckStart(read);
            }
            if (chars.Length - end < read + 4) Array.Resize(ref chars, end + read + Lookahead * 2);
            try
            {
                end += decoder.GetChars(bytes, offset, read - offset, chars, end, flush: read == 0);
            }
            catch (DecoderFallbackException e)
            {
                var at = Math.Clamp(offset + e.Index, 0, read);
                var line = linesBeforeBlock + bytes.AsSpan(0, at).Count((byte)'\n') + 1;
                throw new ImportFailedException(fileName, line, "the file is not valid UTF-8 (an invalid byte sequence); export it again as UTF-8, or convert it with a text editor", e);
            }
            linesBeforeBlock += bytes.AsSpan(0, read).Count((byte)'\n');
            BytesRead += read;
            if (read == 0) streamDone = true;
        }
        return end > start;
    }

    private int CheckStart(int read)
    {
        var b = bytes.AsSpan(0, read);
        if (b.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) return 3;
        if (b.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || b.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
            throw new ImportFailedException(fileName, 1, "the file is UTF-16; Blogger and WordPress export UTF-8, so export it again or save it as UTF-8");
        return 0;
    }
}
