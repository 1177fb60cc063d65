using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace NetCompiler.Definitions.Translation;

/// <summary>The <c>engjpn-sample</c> command: writes the English-Japanese sample shipped in <c>Data/translation</c> from
/// the installed <c>dict-freedict-eng-jpn</c>, so the sample can be checked and remade.</summary>
public static class EngJpnSampleCommand
{
    /// <summary>How many pairs the sample holds.</summary>
    public const int SampleSize = 3_000;

    /// <summary>The option list for --help.</summary>
    public const string Usage = """
        usage: dotnet run -c Release --project definitions -- engjpn-sample OUTPUT.tsv

        Writes 3,000 English-Japanese pairs, evenly spaced through the headwords of Debian's dict-freedict-eng-jpn
        (/usr/share/dictd; apt-get install dict-freedict-eng-jpn), with the default length limits, as the sample file
        shipped in definitions/Data/translation/eng-jpn-sample.tsv.
        """;

    /// <summary>The comment lines at the top of the sample: source, edition and licence.</summary>
    public static readonly IReadOnlyList<string> Attribution =
    [
        "English-Japanese pairs from FreeDict+WikDict eng-jpn 2022.11.18 (Debian dict-freedict-eng-jpn 2022.12.07-2),",
        "by Karl Bartel, data from Wiktionary via DBnary. Licence: CC BY-SA 3.0; this sample is under the same licence.",
        "Format: English TAB translations separated by |, the training target first. See README.md.",
    ];

    /// <summary>Runs the command; returns the process exit code (0 done, 1 error, 2 bad usage).</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        if (args.Count == 1 && args[0] is "--help" or "-h") { Console.WriteLine(Usage); return 0; }
        if (args.Count != 1 || args[0].StartsWith('-'))
        {
            Console.Error.WriteLine("error: engjpn-sample takes one argument, the output file.");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        try
        {
            if (!EngJpnDictionary.Exists(EngJpnDictionary.DebianDirectory))
                throw new FileNotFoundException($"No dictionary in {EngJpnDictionary.DebianDirectory}: apt-get install dict-freedict-eng-jpn");
            var pairs = TranslationPairs.Limit(TranslationPairs.Merge(EngJpnDictionary.ReadDirectory(EngJpnDictionary.DebianDirectory)));
            var sample = Select(pairs);
            TranslationPairFile.Write(args[0], sample, Attribution);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {sample.Count:N0} of {pairs.Count:N0} pairs to {args[0]}"));
            return 0;
        }
        catch (Exception e)   // one line, never a stack trace
        {
            Console.Error.WriteLine($"error: {CommandErrors.Describe(e)}");
            return 1;
        }
    }

    /// <summary><paramref name="count"/> pairs evenly spaced through <paramref name="pairs"/> (pair i * n / count for
    /// i = 0 .. count - 1), so the sample spans the alphabet; all pairs when there are no more than that.</summary>
    public static List<TranslationPair> Select(IReadOnlyList<TranslationPair> pairs, int count = SampleSize)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (pairs.Count <= count) return pairs.ToList();
        return Enumerable.Range(0, count).Select(i => pairs[(int)((long)i * pairs.Count / count)]).ToList();
    }
}
