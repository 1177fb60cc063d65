using System;
using System.Collections.Generic;
using System.Text;

namespace NetCompiler.Definitions.Translation;

/// <summary>Translation pairs split 80 / 10 / 10 into training, validation and test by a stable hash of the lower-cased
/// English, so a word (in any capitalization) lands in one part only, the same part in every run and on every machine,
/// and a pair keeps its part when the dictionary gains or loses other words.</summary>
/// <param name="Train">About 80% of the pairs.</param>
/// <param name="Validation">About 10%.</param>
/// <param name="Test">About 10%.</param>
public sealed record TranslationSplit(
    IReadOnlyList<TranslationPair> Train, IReadOnlyList<TranslationPair> Validation, IReadOnlyList<TranslationPair> Test)
{
    /// <summary>Percent of the headwords in each part.</summary>
    public const int TrainPercent = 80, ValidationPercent = 10, TestPercent = 10;

    /// <summary>All pairs, in the three parts, each in the order given.</summary>
    public static TranslationSplit ByHeadword(IEnumerable<TranslationPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        List<TranslationPair> train = [], validation = [], test = [];
        foreach (TranslationPair pair in pairs)
        {
            var part = PartOf(pair.English) switch
            {
                SplitPart.Train => train,
                SplitPart.Validation => validation,
                _ => test,
            };
            part.Add(pair);
        }
        return new TranslationSplit(train, validation, test);
    }

    /// <summary>The part of <paramref name="english"/>: its percentile by 64-bit FNV-1a of the UTF-8 of its lower-case
    /// form. (string.GetHashCode is randomized per process, so it cannot be used.)</summary>
    public static SplitPart PartOf(string english)
    {
        ArgumentNullException.ThrowIfNull(english);
        const ulong offsetBasis = 14695981039346656037, prime = 1099511628211;
        ulong hash = offsetBasis;
        foreach (byte b in Encoding.UTF8.GetBytes(english.ToLowerInvariant()))
            hash = (hash ^ b) * prime;
        int percentile = (int)(hash % 100);
        return percentile < TrainPercent ? SplitPart.Train
            : percentile < TrainPercent + ValidationPercent ? SplitPart.Validation
            : SplitPart.Test;
    }

    /// <summary>The number of pairs in all three parts.</summary>
    public int Count => Train.Count + Validation.Count + Test.Count;
}
