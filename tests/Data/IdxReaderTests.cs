using System;
using System.IO;
using NetCompiler;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Data;

public class IdxReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsDimensionsAndBytes(bool gzip)
    {
        using var dir = new TempDirectory();
        byte[] data = [0, 1, 2, 127, 128, 255];
        byte[] file = Idx.Bytes([2, 3], data);
        // The name says nothing about compression: detection is by content.
        string path = dir.Write("array.idx", gzip ? Idx.Gzip(file) : file);

        IdxArray array = IdxReader.Read(path);

        Assert.Equal(new[] { 2, 3 }, array.Dimensions);
        Assert.Equal(data, array.Data);
        Assert.Equal(2, array.Count);
        Assert.Equal(3, array.ItemSize);
        Assert.Equal(path, array.Path);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ImagesAndLabelsRoundTripToScaledFeatures(bool gzip)
    {
        using var dir = new TempDirectory();
        var (images, labels) = Idx.Synthetic(count: 5, rows: 2, cols: 3);
        string imagesPath = dir.Write("images", gzip ? Idx.Gzip(images) : images);
        string labelsPath = dir.Write("labels", gzip ? Idx.Gzip(labels) : labels);

        Dataset set = IdxReader.ReadImagesAndLabels(imagesPath, labelsPath, "synthetic");

        Assert.Equal("synthetic", set.Name);
        Assert.Equal(5, set.Count);
        Assert.Equal(6, set.FeatureSize);
        Assert.Equal(10, set.Classes);
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, set.Labels);
        for (int n = 0; n < 5; n++)
            for (int i = 0; i < 6; i++)
                Assert.Equal((7 * n + i) % 256 * (1f / 255f), set.GetFeatures(n)[i]);
    }

    [Fact]
    public void ScaleAppliesToEveryPixel()
    {
        using var dir = new TempDirectory();
        string images = dir.Write("images", Idx.Bytes([1, 1, 3], [0, 10, 255]));
        string labels = dir.Write("labels", Idx.Bytes([1], [1]));

        Dataset set = IdxReader.ReadImagesAndLabels(images, labels, "s", classes: 2, scale: 1f);

        Assert.Equal(new[] { 0f, 10f, 255f }, set.Features);
        Assert.Equal(2, set.Classes);
    }

    [Fact]
    public void WrongMagicSaysWhatWasExpectedAndFound()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("images", Idx.Raw(0x12345678, [1, 1, 1], [0]));

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path, 3));

        Assert.Contains(path, e.Message);
        Assert.Contains("expected an IDX file of unsigned bytes with 3 dimensions (magic 0x00000803)", e.Message);
        Assert.Contains("found 0x12345678", e.Message);
        Assert.Contains("not an IDX file", e.Message);
    }

    [Fact]
    public void OtherElementTypesAreRejectedByName()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("floats", Idx.Raw(0x00000D01, [1], [0, 0, 0, 0]));

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("found 0x00000D01", e.Message);
        Assert.Contains("float32", e.Message);
    }

    [Fact]
    public void WrongNumberOfDimensionsIsRejected()
    {
        using var dir = new TempDirectory();
        var (images, labels) = Idx.Synthetic(2, 2, 2);
        string imagesPath = dir.Write("images", images);
        string labelsPath = dir.Write("labels", labels);

        // Files swapped: the label file where images are expected.
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImagesAndLabels(labelsPath, imagesPath, "s"));

        Assert.Contains(labelsPath, e.Message);
        Assert.Contains("with 3 dimensions (magic 0x00000803), found 0x00000801 (1 dimension)", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(9)]
    public void TruncatedHeaderIsRejected(int length)
    {
        using var dir = new TempDirectory();
        byte[] full = Idx.Bytes([1, 2, 2], [1, 2, 3, 4]);
        string path = dir.Write("images", full[..length]);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("truncated header", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedDataGivesExpectedAndFoundCounts(bool gzip)
    {
        using var dir = new TempDirectory();
        byte[] full = Idx.Bytes([2, 2, 3], new byte[12]);
        byte[] cut = full[..^5];
        string path = dir.Write("images", gzip ? Idx.Gzip(cut) : cut);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path, 3));

        Assert.Contains(path, e.Message);
        Assert.Contains("truncated data: expected 12 bytes of data for dimensions [2, 2, 3], found 7", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrailingBytesAreRejected(bool gzip)
    {
        using var dir = new TempDirectory();
        byte[] file = [.. Idx.Bytes([2], [1, 2]), 9, 9, 9];
        string path = dir.Write("labels", gzip ? Idx.Gzip(file) : file);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("3 unexpected bytes after the 2 bytes of data for dimensions [2]", e.Message);
    }

    [Fact]
    public void NegativeDimensionIsRejected()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("images", Idx.Raw(0x00000802, [-1, 4], []));

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("dimension 0 is negative", e.Message);
    }

    [Fact]
    public void MismatchedCountsNameBothFilesAndCounts()
    {
        using var dir = new TempDirectory();
        var (images, _) = Idx.Synthetic(3, 2, 2);
        var (_, labels) = Idx.Synthetic(4, 2, 2);
        string imagesPath = dir.Write("images", images);
        string labelsPath = dir.Write("labels", labels);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImagesAndLabels(imagesPath, labelsPath, "s"));

        Assert.Contains($"'{imagesPath}' has 3 images", e.Message);
        Assert.Contains($"'{labelsPath}' has 4 labels", e.Message);
    }

    [Fact]
    public void LabelOutOfRangeNamesFileSampleAndValue()
    {
        using var dir = new TempDirectory();
        string images = dir.Write("images", Idx.Bytes([3, 1, 1], [0, 0, 0]));
        string labels = dir.Write("labels", Idx.Bytes([3], [0, 1, 10]));

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImagesAndLabels(images, labels, "s", classes: 10));

        Assert.Contains(labels, e.Message);
        Assert.Contains("sample 2 has label 10", e.Message);
        Assert.Contains("10 classes", e.Message);
    }

    [Fact]
    public void CorruptGzipNamesTheFile()
    {
        using var dir = new TempDirectory();
        byte[] gz = Idx.Gzip(Idx.Bytes([64], new byte[64]));
        // Keep the gzip magic and header, damage the deflate stream and the CRC.
        for (int i = 10; i < gz.Length; i++) gz[i] ^= 0xA5;
        string path = dir.Write("labels.gz", gz);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("corrupt gzip data", e.Message);
        // zlib says this of any damaged stream; it would send the reader looking for a compression setting.
        Assert.DoesNotContain("unsupported compression method", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AHeaderClaimingBillionsOfLabelsAllocatesOnlyWhatTheFileHolds(bool gzip)
    {
        using var dir = new TempDirectory();
        // 18 bytes: a header announcing 2e9 labels, then 10 of them.
        byte[] file = Idx.Bytes([2_000_000_000], new byte[10]);
        string path = dir.Write("labels", gzip ? Idx.Gzip(file) : file);

        InvalidDataException? e = null;
        long allocated = Allocated.By(() => e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path, 1)));

        Assert.Contains(path, e!.Message);
        Assert.Contains("truncated data: expected 2000000000 bytes of data for dimensions [2000000000], found 10", e.Message);
        Assert.True(allocated < 4 << 20, $"{allocated:N0} bytes allocated for a {new FileInfo(path).Length}-byte file");
    }

    [Fact]
    public void LabelAndImageCountsAreComparedBeforeAnyDataIsRead()
    {
        using var dir = new TempDirectory();
        const int claimed = 32 << 20;
        string images = dir.Write("images", Idx.Bytes([2, 1, 1], [0, 0]));
        // 32 MB of labels in about 32 KB of gzip: every label announced is really there.
        string labels = dir.Write("labels.gz", Idx.GzipWithZeros(Idx.Bytes([claimed], []), claimed));

        InvalidDataException? e = null;
        long allocated = Allocated.By(() => e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImagesAndLabels(images, labels, "s")));

        Assert.Contains($"'{images}' has 2 images", e!.Message);
        Assert.Contains($"'{labels}' has {claimed} labels", e.Message);
        Assert.True(allocated < 4 << 20, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public void GzipFileCutShortIsTruncatedData()
    {
        using var dir = new TempDirectory();
        var data = new byte[4000];
        new Random(1).NextBytes(data);
        byte[] gz = Idx.Gzip(Idx.Bytes([4000], data));
        string path = dir.Write("labels.gz", gz[..(gz.Length / 2)]);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("truncated data: expected 4000 bytes", e.Message);
        Assert.Contains("after gzip decompression", e.Message);
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        using var dir = new TempDirectory();
        string path = dir.File("absent-idx1-ubyte");

        var e = Assert.Throws<FileNotFoundException>(() => IdxReader.Read(path));

        Assert.Equal(path, e.FileName);
        Assert.Contains(path, e.Message);
    }
}
