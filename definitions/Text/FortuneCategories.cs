using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NetCompiler.Definitions.Translation;

namespace NetCompiler.Definitions.Text;

/// <summary>One fortune and the category it came from (the name of its fortune file, e.g. <c>food</c>).</summary>
/// <param name="Category">The category.</param>
/// <param name="Text">The fortune's text, without the <c>%</c> lines around it.</param>
public sealed record CategorizedText(string Category, string Text);

/// <summary>Fortunes by category, split 80 / 10 / 10 into training, validation and test by a stable hash of each
/// fortune's lower-cased text (<see cref="TranslationSplit.PartOf"/>: 64-bit FNV-1a, the same on every machine and run;
/// a fortune that two files share lands in one part only). The <c>bert</c> command pretrains on every category's
/// training part and classifies the <see cref="TopCategories"/> largest categories, unbalanced (each category keeps
/// all its fortunes; the majority-class baseline says how uneven they are).
/// <para>Sources: Debian's <c>fortunes</c> (<see cref="CharCorpus.FortunesDirectory"/>: each file without an extension
/// is a category, its fortunes separated by lines holding only <c>%</c>; only the directory's own files are read, so
/// the offensive ones that <c>fortunes-off</c> installs in <c>off/</c> are not, nor is <c>ascii-art</c>, drawings); else
/// the shipped <c>Data/text/categories.txt</c>, one <c>category&lt;TAB&gt;text</c> line per fortune.</para></summary>
/// <param name="Train">The training part, in file order.</param>
/// <param name="Validation">The validation part.</param>
/// <param name="Test">The test part.</param>
/// <param name="Description">Where the text came from and how many fortunes each part has.</param>
public sealed record FortuneCategories(IReadOnlyList<CategorizedText> Train, IReadOnlyList<CategorizedText> Validation,
    IReadOnlyList<CategorizedText> Test, string Description)
{
    /// <summary>Fortune files that are not prose (drawings made of characters).</summary>
    private static readonly string[] NotProse = ["ascii-art"];

    /// <summary>The categorized text shipped beside the program, used when the fortunes are not installed.</summary>
    public static string ShippedFile => Path.Combine(AppContext.BaseDirectory, "Data", "text", "categories.txt");

    /// <summary>Loads the fortunes of <paramref name="fortunesDirectory"/> when it has any fortune files, else the shipped
    /// file.</summary>
    /// <param name="fortunesDirectory">A directory of fortune files (<see cref="CharCorpus.FortunesDirectory"/> by default).</param>
    /// <param name="shippedFile">The fallback (<see cref="ShippedFile"/> by default).</param>
    /// <exception cref="FileNotFoundException">Neither has any text.</exception>
    /// <exception cref="InvalidDataException">The shipped file has a line that is not <c>category&lt;TAB&gt;text</c>, or
    /// the text is too little to split.</exception>
    public static FortuneCategories Load(string? fortunesDirectory = null, string? shippedFile = null)
    {
        fortunesDirectory ??= CharCorpus.FortunesDirectory;
        shippedFile ??= ShippedFile;
        string[] files = FortuneFiles(fortunesDirectory);
        if (files.Length > 0)
        {
            var fortunes = files.SelectMany(f => Fortunes(File.ReadAllText(f, Encoding.UTF8)).Select(t => new CategorizedText(Path.GetFileName(f), t)));
            return Split(fortunes, $"Debian's fortunes ({fortunesDirectory}, {files.Length} files)");
        }
        if (!File.Exists(shippedFile))
            throw new FileNotFoundException(
                $"No text: '{fortunesDirectory}' has no fortunes (apt-get install fortunes) and the shipped text '{shippedFile}' is missing.", shippedFile);
        return Split(ReadShipped(shippedFile), $"the shipped text {Path.GetFileName(shippedFile)}, no fortunes installed (apt-get install fortunes for 2.5 MB of text)");
    }

    /// <summary>The <paramref name="count"/> categories with the most fortunes in all three parts, most first (ties by
    /// name), fewer when there are fewer: the classes, in label order.</summary>
    public IReadOnlyList<string> TopCategories(int count) =>
        Train.Concat(Validation).Concat(Test).GroupBy(f => f.Category)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(count).Select(g => g.Key).ToList();

    /// <summary>The fortunes of a fortune file: the text between lines holding only <c>%</c>, blank ones left out.</summary>
    public static IEnumerable<string> Fortunes(string text)
    {
        var piece = new StringBuilder();
        foreach (string line in text.Replace("\r", "").Split('\n'))
        {
            if (line == "%")
            {
                if (piece.ToString().Trim().Length > 0) yield return piece.ToString().TrimEnd('\n');
                piece.Clear();
            }
            else piece.Append(line).Append('\n');
        }
        if (piece.ToString().Trim().Length > 0) yield return piece.ToString().TrimEnd('\n');
    }

    private static string[] FortuneFiles(string directory) => !Directory.Exists(directory) ? [] :
        Directory.GetFiles(directory)
            .Where(f => Path.GetExtension(f) is "" && !NotProse.Contains(Path.GetFileName(f)))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToArray();

    private static IEnumerable<CategorizedText> ReadShipped(string path)
    {
        int number = 0;
        foreach (string line in File.ReadLines(path, Encoding.UTF8))
        {
            number++;
            if (line.Trim().Length == 0 || line.StartsWith('#')) continue;
            int tab = line.IndexOf('\t');
            if (tab <= 0 || line[(tab + 1)..].Trim().Length == 0)
                throw new InvalidDataException($"{path}, line {number}: expected 'category<TAB>text', got '{(line.Length > 60 ? line[..60] + "..." : line)}'.");
            yield return new CategorizedText(line[..tab].Trim(), line[(tab + 1)..].Trim());
        }
    }

    private static FortuneCategories Split(IEnumerable<CategorizedText> fortunes, string source)
    {
        List<CategorizedText> train = [], validation = [], test = [];
        foreach (var f in fortunes)
            (TranslationSplit.PartOf(f.Text) switch { SplitPart.Train => train, SplitPart.Validation => validation, _ => test }).Add(f);
        if (train.Count == 0 || validation.Count == 0 || test.Count == 0)
            throw new InvalidDataException($"The text of {source} has {train.Count + validation.Count + test.Count} fortunes: too few to split into training, validation and test.");
        int categories = train.Concat(validation).Concat(test).Select(f => f.Category).Distinct().Count();
        return new FortuneCategories(train, validation, test,
            $"{source}: {categories} categories, {train.Count:N0} fortunes to train on, {validation.Count:N0} to validate, {test.Count:N0} to test");
    }
}
