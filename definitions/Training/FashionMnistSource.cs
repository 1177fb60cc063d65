using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace NetCompiler.Definitions.Training;

/// <summary>Fashion-MNIST as loaded for training: the training and test sets, and one line saying where they came from.</summary>
/// <param name="Train">The training set (784 features in [0, 1], 10 classes).</param>
/// <param name="Test">The test set.</param>
/// <param name="Description">Which data was used, e.g. <c>full Fashion-MNIST from /usr/share/datasets/fashion-mnist (60,000 train, 10,000 test)</c>.</param>
public sealed record FashionMnistData(Dataset Train, Dataset Test, string Description);

/// <summary>
/// Finds and loads Fashion-MNIST so that training runs with no install step: a directory the user names, else
/// Debian's <c>dataset-fashion-mnist</c> package, else the official 10k test split shipped in
/// <c>Data/fashion-mnist</c> beside the program, split into 8,000 training and 2,000 test samples.
/// </summary>
public static class FashionMnistSource
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the four IDX files.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Samples of the shipped 10k split used for training when no full set is available; the rest test.</summary>
    public const int ShippedTrainCount = 8_000;

    /// <summary>What labels 0 to 9 stand for, as the data set's authors name them.</summary>
    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The official file names, without the optional <c>.gz</c>.</summary>
    public const string TrainImages = "train-images-idx3-ubyte", TrainLabels = "train-labels-idx1-ubyte",
        TestImages = "t10k-images-idx3-ubyte", TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>The shipped test split: <c>Data/fashion-mnist</c> in the program's directory.</summary>
    public static string ShippedDirectory => Path.Combine(AppContext.BaseDirectory, "Data", "fashion-mnist");

    /// <summary>Loads Fashion-MNIST from <paramref name="userDirectory"/> when given, else from
    /// <see cref="DebianDirectory"/> when its four files exist, else from <see cref="ShippedDirectory"/>.</summary>
    /// <param name="userDirectory">A directory holding the four IDX files (raw or <c>.gz</c>), e.g. from <c>--data</c>; or <see langword="null"/>.</param>
    /// <exception cref="DirectoryNotFoundException">The user's directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">The user's directory lacks a file, or no data was found at all.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    public static FashionMnistData Load(string? userDirectory) => Load(userDirectory, DebianDirectory, ShippedDirectory);

    /// <summary>As <see cref="Load(string?)"/>, with the system and shipped directories given (for other
    /// installations and for tests that must not depend on what this machine has installed).</summary>
    /// <param name="userDirectory">A directory that must hold the four files, or <see langword="null"/>.</param>
    /// <param name="systemDirectory">A directory used when it holds all four files, or <see langword="null"/> to skip.</param>
    /// <param name="shippedDirectory">The fallback directory holding the two test-split files.</param>
    public static FashionMnistData Load(string? userDirectory, string? systemDirectory, string shippedDirectory)
    {
        ArgumentNullException.ThrowIfNull(shippedDirectory);
        if (userDirectory is not null)
        {
            if (!Directory.Exists(userDirectory))
                throw new DirectoryNotFoundException($"Fashion-MNIST directory '{userDirectory}' does not exist.");
            return LoadFull(userDirectory, RequireAll(userDirectory));
        }

        if (systemDirectory is not null && TryFindAll(systemDirectory) is { } system)
            return LoadFull(systemDirectory, system);

        string images = Find(shippedDirectory, TestImages)
            ?? throw new FileNotFoundException(MissingShipped(systemDirectory, shippedDirectory, TestImages), Path.Combine(shippedDirectory, TestImages + ".gz"));
        string labels = Find(shippedDirectory, TestLabels)
            ?? throw new FileNotFoundException(MissingShipped(systemDirectory, shippedDirectory, TestLabels), Path.Combine(shippedDirectory, TestLabels + ".gz"));
        Dataset all = IdxReader.ReadImagesAndLabels(images, labels, "fashion-mnist t10k");
        if (all.Count <= ShippedTrainCount)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"'{images}': {all.Count} samples, too few to split off {ShippedTrainCount} for training."));
        // The t10k split is stored in shuffled order, so its first 8,000 samples are class-balanced (776..827 per class).
        Dataset train = all.Slice(0, ShippedTrainCount, "fashion-mnist shipped train");
        Dataset test = all.Slice(ShippedTrainCount, all.Count - ShippedTrainCount, "fashion-mnist shipped test");
        string description = string.Create(CultureInfo.InvariantCulture,
            $"shipped 10k test split, no dataset installed: {train.Count:N0} train / {test.Count:N0} test " +
            $"(install Debian's dataset-fashion-mnist or pass --data for the full set)");
        return new FashionMnistData(train, test, description);
    }

    private static FashionMnistData LoadFull(string directory, string[] files)
    {
        Dataset train = IdxReader.ReadImagesAndLabels(files[0], files[1], "fashion-mnist train");
        Dataset test = IdxReader.ReadImagesAndLabels(files[2], files[3], "fashion-mnist test");
        string description = string.Create(CultureInfo.InvariantCulture,
            $"full Fashion-MNIST from {directory} ({train.Count:N0} train, {test.Count:N0} test)");
        return new FashionMnistData(train, test, description);
    }

    private static readonly string[] FileNames = [TrainImages, TrainLabels, TestImages, TestLabels];

    private static string[] RequireAll(string directory)
    {
        var files = new string[FileNames.Length];
        for (int i = 0; i < files.Length; i++)
        {
            files[i] = Find(directory, FileNames[i]) ?? throw new FileNotFoundException(
                $"Fashion-MNIST directory '{directory}' has no '{FileNames[i]}' or '{FileNames[i]}.gz'; it needs " +
                $"{string.Join(", ", FileNames)} (each raw or .gz).",
                Path.Combine(directory, FileNames[i]));
        }
        return files;
    }

    private static string[]? TryFindAll(string directory)
    {
        var files = new string[FileNames.Length];
        for (int i = 0; i < files.Length; i++)
        {
            string? file = Find(directory, FileNames[i]);
            if (file is null) return null;
            files[i] = file;
        }
        return files;
    }

    // The raw file wins when both exist: it is what a user who decompressed the set meant to use, and reads faster.
    private static string? Find(string directory, string name)
    {
        string raw = Path.Combine(directory, name);
        if (File.Exists(raw)) return raw;
        string gz = raw + ".gz";
        return File.Exists(gz) ? gz : null;
    }

    private static string MissingShipped(string? systemDirectory, string directory, string name) =>
        "No Fashion-MNIST data: no directory was given" +
        (systemDirectory is null ? "" : $", '{systemDirectory}' lacks the four files (install Debian's dataset-fashion-mnist)") +
        $", and the shipped test split '{Path.Combine(directory, name)}.gz' is missing.";
}
