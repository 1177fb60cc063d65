using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace NetCompiler.Definitions.Text;

/// <summary>English text as <see cref="CharVocabulary"/> ids for the character-level language model, split into
/// training and validation text, with one line saying where it came from. The text is cut into pieces (fortunes at
/// their <c>%</c> lines, other text at blank lines) and every tenth piece is held out for validation, so both halves
/// draw from every file and topic; pieces are joined with a blank line.</summary>
/// <param name="Train">The training text's ids.</param>
/// <param name="Validation">The validation text's ids.</param>
/// <param name="Description">Which text was used, e.g. <c>Debian's fortunes (/usr/share/games/fortunes, 39 files): ...</c>.</param>
public sealed record CharCorpus(int[] Train, int[] Validation, string Description)
{
    /// <summary>Where Debian's <c>fortunes</c> package installs its fortune files.</summary>
    public const string FortunesDirectory = "/usr/share/games/fortunes";

    /// <summary>Every this-many-th piece goes to validation.</summary>
    public const int ValidationEvery = 10;

    /// <summary>Fortune files that are not prose (drawings made of characters).</summary>
    private static readonly string[] NotProse = ["ascii-art"];

    /// <summary>The text shipped beside the program, used when the fortunes are not installed.</summary>
    public static string ShippedFile => Path.Combine(AppContext.BaseDirectory, "Data", "text", "english.txt");

    /// <summary>Loads <paramref name="userFile"/> when given, else Debian's fortunes when installed, else the shipped text.</summary>
    public static CharCorpus Load(string? userFile) => Load(userFile, FortunesDirectory, ShippedFile);

    /// <summary>As <see cref="Load(string?)"/> with the fortunes directory and the shipped file given (for tests that must
    /// not depend on what this machine has installed).</summary>
    /// <param name="userFile">A UTF-8 text file that must exist, or <see langword="null"/>.</param>
    /// <param name="fortunesDirectory">A directory of fortune files used when it has any, or <see langword="null"/> to skip.</param>
    /// <param name="shippedFile">The fallback text.</param>
    /// <exception cref="FileNotFoundException">The user's file or, when it is needed, the shipped text is missing.</exception>
    /// <exception cref="InvalidDataException">The text is too short to hold out a validation part.</exception>
    public static CharCorpus Load(string? userFile, string? fortunesDirectory, string shippedFile)
    {
        if (userFile is not null)
        {
            if (!File.Exists(userFile)) throw new FileNotFoundException($"Text file '{userFile}' does not exist.", userFile);
            return Split(Paragraphs(File.ReadAllText(userFile, Encoding.UTF8)), $"{userFile}");
        }
        if (fortunesDirectory is not null && FortuneFiles(fortunesDirectory) is { Length: > 0 } files)
        {
            var pieces = files.SelectMany(f => Fortunes(File.ReadAllText(f, Encoding.UTF8))).ToList();
            return Split(pieces, $"Debian's fortunes ({fortunesDirectory}, {files.Length} files)");
        }
        if (!File.Exists(shippedFile))
            throw new FileNotFoundException(
                $"No text: {(fortunesDirectory is null ? "" : $"'{fortunesDirectory}' has no fortunes (apt-get install fortunes) and ")}the shipped text '{shippedFile}' is missing.",
                shippedFile);
        return Split(Paragraphs(File.ReadAllText(shippedFile, Encoding.UTF8)),
            $"the shipped text {Path.GetFileName(shippedFile)}, no fortunes installed (apt-get install fortunes for 2.5 MB of text)");
    }

    /// <summary>The unigram entropy of the training text in nats per character: the loss of a model that knows only how
    /// often each character occurs, the bar a language model has to get below.</summary>
    public double UnigramEntropy()
    {
        var counts = new long[CharVocabulary.Size];
        foreach (int id in Train) counts[id]++;
        double entropy = 0;
        foreach (long n in counts)
        {
            if (n == 0) continue;
            double p = (double)n / Train.Length;
            entropy -= p * Math.Log(p);
        }
        return entropy;
    }

    /// <summary>Non-overlapping windows of <paramref name="ids"/> as a dataset: <paramref name="steps"/> ids as the
    /// features and the <paramref name="steps"/> ids one character later as the targets (the next character at every
    /// position).</summary>
    /// <exception cref="ArgumentException">The text is shorter than one window plus one character.</exception>
    public static Dataset Windows(int[] ids, int steps, string name)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        int count = (ids.Length - 1) / steps;
        if (count == 0)
            throw new ArgumentException($"The {name} text has {ids.Length} characters, fewer than one window of {steps} plus the next character.");
        var features = new float[count * steps];
        var targets = new float[count * steps];
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = ids[i];
            targets[i] = ids[i + 1];
        }
        return new Dataset(name, features, steps, targets, steps);
    }

    private static string[] FortuneFiles(string directory) => !Directory.Exists(directory) ? [] :
        Directory.GetFiles(directory)
            .Where(f => Path.GetExtension(f) is "" && !NotProse.Contains(Path.GetFileName(f)))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToArray();

    /// <summary>The fortunes of a fortune file: the text between lines holding only <c>%</c>.</summary>
    private static IEnumerable<string> Fortunes(string text) => Pieces(text, line => line == "%");

    /// <summary>The paragraphs of plain text: the text between blank lines.</summary>
    private static IEnumerable<string> Paragraphs(string text) => Pieces(text, line => line.Trim().Length == 0);

    private static IEnumerable<string> Pieces(string text, Func<string, bool> isSeparator)
    {
        var piece = new StringBuilder();
        foreach (string line in text.Replace("\r", "").Split('\n'))
        {
            if (isSeparator(line))
            {
                if (piece.Length > 0) yield return piece.ToString().TrimEnd('\n');
                piece.Clear();
            }
            else piece.Append(line).Append('\n');
        }
        if (piece.ToString().Trim().Length > 0) yield return piece.ToString().TrimEnd('\n');
    }

    private static CharCorpus Split(IEnumerable<string> pieces, string source)
    {
        var train = new StringBuilder();
        var validation = new StringBuilder();
        int index = 0;
        foreach (string piece in pieces)
        {
            if (piece.Trim().Length == 0) continue;
            var to = index++ % ValidationEvery == ValidationEvery - 1 ? validation : train;
            to.Append(piece).Append("\n\n");
        }
        if (index < ValidationEvery)
            throw new InvalidDataException($"The text of {source} has {index} pieces (fortunes or paragraphs); at least {ValidationEvery} are needed to hold out every {ValidationEvery}th for validation.");
        int[] trainIds = CharVocabulary.Encode(train.ToString()), validationIds = CharVocabulary.Encode(validation.ToString());
        string description = string.Create(CultureInfo.InvariantCulture,
            $"{source}: {trainIds.Length:N0} characters to train on, {validationIds.Length:N0} to validate (every {ValidationEvery}th piece)");
        return new CharCorpus(trainIds, validationIds, description);
    }
}
