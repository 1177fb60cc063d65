using System;
using System.Globalization;
using System.IO;

namespace NetCompiler.Definitions.Translation;

/// <summary>English-Japanese pairs as loaded for training, split by headword, and one line saying where they came from.</summary>
/// <param name="Split">The pairs in training, validation and test parts.</param>
/// <param name="Description">Which data was used and how much, e.g. <c>Debian's dict-freedict-eng-jpn (/usr/share/dictd,
/// 33,565 entries with a translation, 31,773 headwords): 31,413 pairs with English up to 24 and Japanese up to 16
/// characters: 25,160 train / 3,166 validation / 3,087 test</c>.</param>
public sealed record EngJpnData(TranslationSplit Split, string Description);

/// <summary>
/// Finds and loads English-Japanese word pairs so that training runs with no install step: a dictionary directory the
/// user names, else Debian's <c>dict-freedict-eng-jpn</c>, else the 3,000-pair sample shipped in
/// <c>Data/translation</c> beside the program. The pairs are limited to lengths a small model can learn and split by
/// <see cref="TranslationSplit.ByHeadword"/>.
/// </summary>
public static class EngJpnSource
{
    /// <summary>The shipped sample: <c>Data/translation/eng-jpn-sample.tsv</c> in the program's directory.</summary>
    public static string ShippedFile => Path.Combine(AppContext.BaseDirectory, "Data", "translation", "eng-jpn-sample.tsv");

    /// <summary>Loads the pairs from <paramref name="userDirectory"/> when given, else from
    /// <see cref="EngJpnDictionary.DebianDirectory"/> when the dictionary is installed, else from <see cref="ShippedFile"/>,
    /// with the default length limits.</summary>
    /// <param name="userDirectory">A directory holding <see cref="EngJpnDictionary.IndexFileName"/> and
    /// <see cref="EngJpnDictionary.DictFileName"/>, or <see langword="null"/>.</param>
    /// <exception cref="DirectoryNotFoundException">The user's directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">The user's directory lacks a file, or no data was found at all.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    public static EngJpnData Load(string? userDirectory) =>
        Load(userDirectory, EngJpnDictionary.DebianDirectory, ShippedFile);

    /// <summary>As <see cref="Load(string?)"/>, with the system directory, the shipped file and the length limits given
    /// (for other installations and for tests that must not depend on what this machine has installed).</summary>
    /// <param name="userDirectory">A directory that must hold the dictionary, or <see langword="null"/>.</param>
    /// <param name="systemDirectory">A directory used when it holds the dictionary, or <see langword="null"/> to skip.</param>
    /// <param name="shippedFile">The fallback pair file (<see cref="TranslationPairFile"/> format).</param>
    /// <param name="maxEnglishLength">The longest English kept (see <see cref="TranslationPairs.Limit"/>).</param>
    /// <param name="maxJapaneseLength">The longest Japanese translation kept.</param>
    public static EngJpnData Load(string? userDirectory, string? systemDirectory, string shippedFile,
        int maxEnglishLength = TranslationPairs.DefaultMaxEnglishLength, int maxJapaneseLength = TranslationPairs.DefaultMaxJapaneseLength)
    {
        ArgumentNullException.ThrowIfNull(shippedFile);
        string limits = string.Create(CultureInfo.InvariantCulture,
            $"English up to {maxEnglishLength} and Japanese up to {maxJapaneseLength} characters");
        if (userDirectory is not null)
        {
            if (!Directory.Exists(userDirectory))
                throw new DirectoryNotFoundException($"Dictionary directory '{userDirectory}' does not exist.");
            if (!EngJpnDictionary.Exists(userDirectory))
                throw new FileNotFoundException(
                    $"Dictionary directory '{userDirectory}' lacks '{EngJpnDictionary.IndexFileName}' or '{EngJpnDictionary.DictFileName}'.",
                    Path.Combine(userDirectory, EngJpnDictionary.IndexFileName));
            return FromDictionary(userDirectory, "FreeDict eng-jpn", maxEnglishLength, maxJapaneseLength, limits);
        }
        if (systemDirectory is not null && EngJpnDictionary.Exists(systemDirectory))
            return FromDictionary(systemDirectory, "Debian's dict-freedict-eng-jpn", maxEnglishLength, maxJapaneseLength, limits);

        if (!File.Exists(shippedFile))
            throw new FileNotFoundException(
                "No English-Japanese pairs: no dictionary directory was given" +
                (systemDirectory is null ? "" : $", '{systemDirectory}' has no dictionary (apt-get install dict-freedict-eng-jpn)") +
                $", and the shipped sample '{shippedFile}' is missing.", shippedFile);
        var sample = TranslationPairFile.Read(shippedFile);
        var pairs = TranslationPairs.Limit(sample, maxEnglishLength, maxJapaneseLength);
        return Describe(TranslationSplit.ByHeadword(pairs), string.Create(CultureInfo.InvariantCulture,
            $"the shipped sample {Path.GetFileName(shippedFile)}, no dictionary installed (apt-get install " +
            $"dict-freedict-eng-jpn for about ten times as many pairs): {sample.Count:N0} pairs, {pairs.Count:N0} with {limits}"));
    }

    /// <summary>The pairs of a file in <see cref="TranslationPairFile"/>'s format (a user's own word list), limited to
    /// the default lengths and split by headword.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is malformed.</exception>
    public static EngJpnData FromPairFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Pair file '{path}' does not exist.", path);
        var listed = TranslationPairFile.Read(path);
        var pairs = TranslationPairs.Limit(listed, TranslationPairs.DefaultMaxEnglishLength, TranslationPairs.DefaultMaxJapaneseLength);
        return Describe(TranslationSplit.ByHeadword(pairs), string.Create(CultureInfo.InvariantCulture,
            $"{path}: {listed.Count:N0} pairs, {pairs.Count:N0} with English up to {TranslationPairs.DefaultMaxEnglishLength} and Japanese up to " +
            $"{TranslationPairs.DefaultMaxJapaneseLength} characters"));
    }

    private static EngJpnData FromDictionary(string directory, string name, int maxEnglishLength, int maxJapaneseLength, string limits)
    {
        var entries = EngJpnDictionary.ReadDirectory(directory);
        var merged = TranslationPairs.Merge(entries);
        var pairs = TranslationPairs.Limit(merged, maxEnglishLength, maxJapaneseLength);
        return Describe(TranslationSplit.ByHeadword(pairs), string.Create(CultureInfo.InvariantCulture,
            $"{name} ({directory}, {entries.Count:N0} entries with a translation, {merged.Count:N0} headwords): " +
            $"{pairs.Count:N0} pairs with {limits}"));
    }

    private static EngJpnData Describe(TranslationSplit split, string source) =>
        new(split, string.Create(CultureInfo.InvariantCulture,
            $"{source}: {split.Train.Count:N0} train / {split.Validation.Count:N0} validation / {split.Test.Count:N0} test"));
}
