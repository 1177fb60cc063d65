using System;
using System.IO;
using System.IO.Compression;

namespace NetCompiler;

/// <summary>Opens data files that may be gzip-compressed. Compression is detected from the gzip magic bytes
/// (1f 8b), not the extension: datasets are often renamed, or decompressed without dropping <c>.gz</c>.</summary>
internal static class DataFile
{
    // Large sequential reads; the OS read-ahead does the rest.
    private const int BufferSize = 1 << 16;

    /// <summary>Opens <paramref name="path"/> for sequential reading, decompressing when it starts with the gzip
    /// magic. Decompression failures surface as <see cref="InvalidDataException"/>s that name the file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static Stream OpenRead(string path, out bool gzip)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Data file '{path}' does not exist.", path);

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            gzip = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
            return gzip ? new GzipFile(path, new GZipStream(file, CompressionMode.Decompress, leaveOpen: false)) : file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes read.</summary>
    public static int ReadFully(Stream stream, Span<byte> buffer) =>
        stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);

    /// <summary>A read-only view of a decompressing stream whose errors name the file and say what is wrong: zlib
    /// reports any damaged stream as "The archive entry was compressed using an unsupported compression method.",
    /// which names no file and sends the reader looking for a setting (it stays available as the inner exception).</summary>
    private sealed class GzipFile(string path, GZipStream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return inner.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"'{path}': corrupt gzip data: the compressed stream is damaged and cannot be decompressed.", e);
            }
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
