using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NetCompiler;
using Xunit;

namespace NetCompiler.Tests.Checkpoints;

/// <summary>A failed write leaves the previous file byte-identical and no temporary file behind.</summary>
public class SafeTensorsAtomicWriteTests
{
    /// <summary>Passes writes through until <c>failAfter</c> bytes, then writes the part that fits and throws
    /// (as a full disk would); optionally throws on Flush instead.</summary>
    private sealed class FailingStream : Stream
    {
        private readonly Stream _inner;
        private readonly long _failAfter;
        private readonly bool _failOnFlush;
        private long _written;

        public FailingStream(Stream inner, long failAfter, bool failOnFlush = false)
        {
            _inner = inner; _failAfter = failAfter; _failOnFlush = failOnFlush;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long room = _failAfter - _written;
            if (buffer.Length > room)
            {
                _inner.Write(buffer[..(int)Math.Max(room, 0)]);
                _written = _failAfter;
                throw new IOException("Injected failure: disk full.");
            }
            _inner.Write(buffer);
            _written += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
            if (_failOnFlush) throw new IOException("Injected failure on flush.");
            _inner.Flush();
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    private static readonly NamedTensor[] Old = { new("w", new[] { 2 }, new[] { 1f, 2f }) };

    private static NamedTensor[] NewTensors() => new[]
    {
        new NamedTensor("layer.weight", new[] { 256, 256 }, new float[256 * 256]),
        new NamedTensor("layer.bias", new[] { 256 }, new float[256]),
    };

    private static void WithHook(Func<Stream, Stream> wrap, Action action)
    {
        SafeTensors.WrapStreamForTests = wrap;
        try { action(); }
        finally { SafeTensors.WrapStreamForTests = null; }
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(5L)]        // inside the length prefix
    [InlineData(8L)]
    [InlineData(40L)]       // inside the header
    [InlineData(200L)]      // just into the data
    [InlineData(100_000L)]  // inside the big tensor
    [InlineData(263_000L)]  // inside the last tensor
    public void FailureMidwayLeavesThePreviousFileUntouched(long failAfter)
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafeTensors.Write(path, Old, new Dictionary<string, string> { ["step"] = "1" });
        byte[] before = File.ReadAllBytes(path);

        bool wrapped = false;
        WithHook(s => { wrapped = true; return new FailingStream(s, failAfter); },
            () => Assert.Throws<IOException>(() => SafeTensors.Write(path, NewTensors())));

        Assert.True(wrapped);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.safetensors" }, dir.Entries());
        using var file = SafeTensors.Read(path);
        Assert.Equal(new[] { 1f, 2f }, file.ReadFloats("w"));
    }

    [Fact]
    public void FailureOnFlushLeavesThePreviousFileUntouched()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafeTensors.Write(path, Old);
        byte[] before = File.ReadAllBytes(path);

        WithHook(s => new FailingStream(s, long.MaxValue, failOnFlush: true),
            () => Assert.Throws<IOException>(() => SafeTensors.Write(path, NewTensors())));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.safetensors" }, dir.Entries());
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(100_000L)]
    public void FailureWritingANewPathLeavesNoFileAtAll(long failAfter)
    {
        using var dir = new TempDirectory();
        string path = dir.File("new.safetensors");
        WithHook(s => new FailingStream(s, failAfter),
            () => Assert.Throws<IOException>(() => SafeTensors.Write(path, NewTensors())));
        Assert.Empty(dir.Entries());
    }

    [Fact]
    public void HookThatPassesEverythingThroughStillProducesAValidFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        WithHook(s => new FailingStream(s, long.MaxValue), () => SafeTensors.Write(path, NewTensors()));
        using var file = SafeTensors.Read(path);
        Assert.Equal(2, file.Tensors.Count);
        Assert.Equal(new[] { "model.safetensors" }, dir.Entries());
    }

    public static IEnumerable<object[]> InvalidInputs() => new[]
    {
        new object[] { "duplicate name", new NamedTensor[] { new("a", new[] { 1 }, new[] { 1f }), new("a", new[] { 1 }, new[] { 2f }) } },
        new object[] { "too few values", new NamedTensor[] { new("a", new[] { 2, 3 }, new float[5]) } },
        new object[] { "too many values", new NamedTensor[] { new("a", new[] { 2 }, new float[3]) } },
        new object[] { "scalar without a value", new NamedTensor[] { new("a", Array.Empty<int>(), Array.Empty<float>()) } },
        new object[] { "negative dimension", new NamedTensor[] { new("a", new[] { -2, -3 }, new float[6]) } },
        new object[] { "huge shape", new NamedTensor[] { new("a", new[] { int.MaxValue, int.MaxValue, 2 }, new float[2]) } },
        new object[] { "empty name", new NamedTensor[] { new("", new[] { 1 }, new[] { 1f }) } },
        new object[] { "reserved name", new NamedTensor[] { new("__metadata__", new[] { 1 }, new[] { 1f }) } },
        new object[] { "null shape", new NamedTensor[] { new("a", null!, new[] { 1f }) } },
        new object[] { "unpaired surrogate", new NamedTensor[] { new("a\uD800", new[] { 1 }, new[] { 1f }) } },
    };

    [Theory]
    [MemberData(nameof(InvalidInputs))]
    public void InvalidInputThrowsBeforeTouchingTheDisk(string why, NamedTensor[] tensors)
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafeTensors.Write(path, Old);
        byte[] before = File.ReadAllBytes(path);

        bool wrapped = false;
        WithHook(s => { wrapped = true; return s; },
            () => Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, tensors)));

        Assert.False(wrapped, why); // no temporary file was even created
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.safetensors" }, dir.Entries());
    }

    [Fact]
    public void MoreEntriesThanAReaderAcceptsAreRefused()
    {
        using var dir = new TempDirectory();
        var tensors = Enumerable.Range(0, SafeTensors.MaxEntries).Select(i => new NamedTensor($"t{i}", [0], ReadOnlyMemory<float>.Empty)).ToArray();
        var e = Assert.Throws<ArgumentException>(() =>
            SafeTensors.Write(dir.File("m.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" }));
        Assert.Contains("more than the 100000", e.Message);
        Assert.Empty(dir.Entries());
    }

    [Fact]
    public void TemporariesOfSavesKilledMidwayAreDeletedByTheNextSave()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        string Temporary(string target) => $".{target}.{Guid.NewGuid():N}.tmp";
        string[] abandoned = [Temporary("model.safetensors"), Temporary("model.safetensors")];
        string justCreated = Temporary("model.safetensors");   // its writer may not have locked it yet
        string inUse = Temporary("model.safetensors");         // another save, still writing
        string[] notOurs =
        [
            Temporary("other.safetensors"),
            ".model.safetensors.0123.tmp",
            ".model.safetensors." + Guid.NewGuid().ToString("N").ToUpperInvariant() + ".tmp",
            "model.safetensors." + Guid.NewGuid().ToString("N") + ".tmp",
        ];
        var minuteAgo = DateTime.UtcNow.AddMinutes(-1);
        foreach (string name in abandoned.Concat(notOurs).Append(justCreated))
        {
            dir.Write(name, new byte[100]);
            if (name != justCreated) File.SetLastWriteTimeUtc(dir.File(name), minuteAgo);
        }

        using (var writer = new FileStream(dir.File(inUse), FileMode.CreateNew, FileAccess.Write, FileShare.Delete))
        {
            File.SetLastWriteTimeUtc(dir.File(inUse), minuteAgo);
            SafeTensors.Write(path, Old);
        }

        var expected = notOurs.Append(justCreated).Append(inUse).Append("model.safetensors").OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(expected, dir.Entries());
        using var file = SafeTensors.Read(path);
        Assert.Equal(new[] { 1f, 2f }, file.ReadFloats("w"));
    }

    [Fact]
    public void NullMetadataValueIsRejected()
    {
        using var dir = new TempDirectory();
        Assert.Throws<ArgumentException>(() =>
            SafeTensors.Write(dir.File("m.safetensors"), Old, new Dictionary<string, string> { ["k"] = null! }));
        Assert.Empty(dir.Entries());
    }

    [Fact]
    public void MissingDirectoryFailsWithoutLeavingAnything()
    {
        using var dir = new TempDirectory();
        Assert.Throws<DirectoryNotFoundException>(() => SafeTensors.Write(dir.File(Path.Combine("no", "such.safetensors")), Old));
        Assert.Empty(dir.Entries());
    }
}
