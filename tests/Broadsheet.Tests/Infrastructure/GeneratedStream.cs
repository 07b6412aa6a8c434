namespace Broadsheet.Tests.Infrastructure;

/// <summary>
/// A long run of one byte value, produced as it is read, so a test can send a file of hundreds of megabytes
/// without holding it. "Seekable" so that HTTP content knows its length (it only ever seeks to where it is).
/// </summary>
public sealed class GeneratedStream(long length, byte value = (byte)'a') : Stream
{
    private long position;

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, length - position);
        buffer.AsSpan(offset, n).Fill(value);
        position += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => position; set => Seek(value, SeekOrigin.Begin); }
    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) =>
        origin == SeekOrigin.Begin && offset == position ? position : throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
