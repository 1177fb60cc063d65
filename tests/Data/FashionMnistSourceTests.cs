using System;
using System.IO;
using System.Linq;
using NetCompiler;
using NetCompiler.Definitions.Training;
using Xunit;

namespace NetCompiler.Tests.Data;

public class FashionMnistSourceTests
{
    /// <summary>Writes the four files with the official names: train 6 samples, test 4, 2 x 3 pixels; the
    /// train files gzipped and the test files raw, as a user may have them.</summary>
    private static void WriteSynthetic(TempDirectory dir, params string[] skip)
    {
        var (trainImages, trainLabels) = Idx.Synthetic(6, 2, 3);
        var (testImages, testLabels) = Idx.Synthetic(4, 2, 3);
        void Put(string name, byte[] bytes) { if (!skip.Contains(name)) dir.Write(name, bytes); }
        Put("train-images-idx3-ubyte.gz", Idx.Gzip(trainImages));
        Put("train-labels-idx1-ubyte.gz", Idx.Gzip(trainLabels));
        Put("t10k-images-idx3-ubyte", testImages);
        Put("t10k-labels-idx1-ubyte", testLabels);
    }

    [Fact]
    public void UserDirectoryWithRawAndGzippedFilesIsLoadedInFull()
    {
        using var dir = new TempDirectory();
        using var empty = new TempDirectory();
        WriteSynthetic(dir);

        FashionMnistData data = FashionMnistSource.Load(dir.Path, systemDirectory: null, shippedDirectory: empty.Path);

        Assert.Equal(6, data.Train.Count);
        Assert.Equal(4, data.Test.Count);
        Assert.Equal(6, data.Train.FeatureSize);
        Assert.Equal(10, data.Train.Classes);
        Assert.Equal(new[] { 0, 1, 2, 3 }, data.Test.Labels);
        Assert.Equal($"full Fashion-MNIST from {dir.Path} (6 train, 4 test)", data.Description);
    }

    [Fact]
    public void UserDirectoryMissingAFileNamesTheDirectoryAndTheFile()
    {
        using var dir = new TempDirectory();
        WriteSynthetic(dir, skip: "t10k-labels-idx1-ubyte");

        var e = Assert.Throws<FileNotFoundException>(() => FashionMnistSource.Load(dir.Path, null, dir.Path));

        Assert.Contains($"'{dir.Path}'", e.Message);
        Assert.Contains("'t10k-labels-idx1-ubyte' or 't10k-labels-idx1-ubyte.gz'", e.Message);
    }

    [Fact]
    public void MissingUserDirectoryIsNamed()
    {
        using var dir = new TempDirectory();
        string absent = dir.File("nowhere");

        var e = Assert.Throws<DirectoryNotFoundException>(() => FashionMnistSource.Load(absent));

        Assert.Contains(absent, e.Message);
    }

    [Fact]
    public void CompleteSystemDirectoryIsUsedWhenNoUserDirectoryIsGiven()
    {
        using var system = new TempDirectory();
        using var empty = new TempDirectory();
        WriteSynthetic(system);

        FashionMnistData data = FashionMnistSource.Load(null, system.Path, empty.Path);

        Assert.Equal(6, data.Train.Count);
        Assert.StartsWith($"full Fashion-MNIST from {system.Path}", data.Description);
    }

    [Fact]
    public void IncompleteSystemDirectoryFallsBackToTheShippedSplit()
    {
        using var system = new TempDirectory();
        WriteSynthetic(system, skip: "train-images-idx3-ubyte.gz");

        FashionMnistData data = FashionMnistSource.Load(null, system.Path, ShippedData.Directory);

        Assert.Equal(8_000, data.Train.Count);
        Assert.Equal(2_000, data.Test.Count);
        Assert.StartsWith("shipped 10k test split, no dataset installed: 8,000 train / 2,000 test", data.Description);
    }

    [Fact]
    public void NoDataAnywhereSaysWhereItLooked()
    {
        using var empty = new TempDirectory();

        var e = Assert.Throws<FileNotFoundException>(() => FashionMnistSource.Load(null, empty.Path, empty.Path));

        Assert.Contains(empty.Path, e.Message);
        Assert.Contains("t10k-images-idx3-ubyte.gz", e.Message);
    }

    [Fact]
    public void ShippedSplitIsTenThousandImagesOfAllTenClasses()
    {
        FashionMnistData data = FashionMnistSource.Load(null, null, ShippedData.Directory);

        foreach (Dataset set in new[] { data.Train, data.Test })
        {
            Assert.Equal(784, set.FeatureSize);
            Assert.Equal(10, set.Classes);
            Assert.Equal(Enumerable.Range(0, 10), set.Labels!.Distinct().Order());
            Assert.All(set.Features, f => Assert.InRange(f, 0f, 1f));
        }
        Assert.Equal(10_000, data.Train.Count + data.Test.Count);
        // The first test-split label of Fashion-MNIST is 9 (ankle boot), the next 2 (pullover).
        Assert.Equal(new[] { 9, 2 }, data.Train.Labels![..2]);
    }

    [Fact]
    public void ShippedFilesAreCopiedBesideTheProgram()
    {
        // The definitions project copies Data/** to its output; referencing projects receive it too.
        string expected = Path.Combine(AppContext.BaseDirectory, "Data", "fashion-mnist");
        Assert.True(File.Exists(Path.Combine(expected, "t10k-images-idx3-ubyte.gz")), $"missing in {expected}");
        Assert.True(File.Exists(Path.Combine(expected, "LICENSE")));
        Assert.Equal(expected, FashionMnistSource.ShippedDirectory);
    }
}

/// <summary>Finds the shipped test split: beside the test assembly (copied from definitions), else in the source tree.</summary>
internal static class ShippedData
{
    public static string Directory { get; } = Locate();

    private static string Locate()
    {
        string besideTests = FashionMnistSource.ShippedDirectory;
        if (File.Exists(Path.Combine(besideTests, "t10k-images-idx3-ubyte.gz"))) return besideTests;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "definitions", "Data", "fashion-mnist");
            if (File.Exists(Path.Combine(candidate, "t10k-images-idx3-ubyte.gz"))) return candidate;
        }
        throw new InvalidOperationException($"The shipped Fashion-MNIST split is neither in {besideTests} nor in the source tree.");
    }
}
