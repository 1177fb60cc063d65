using System.IO;
using System.Linq;
using System.Text;
using NetCompiler.Definitions.Text;
using NetCompiler.Definitions.Translation;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Text;

/// <summary><see cref="FortuneCategories"/>: fortune files as categories (the directory's own files without an extension,
/// not ascii-art, not off/), a stable 80/10/10 split by text, the largest categories as classes, and the shipped fallback.</summary>
public class FortuneCategoriesTests
{
    private static string FortuneFile(string topic, int count) =>
        string.Join("\n%\n", Enumerable.Range(0, count).Select(i => $"Fortune {i} about {topic}.\n  -- someone")) + "\n%\n";

    [Fact]
    public void Fortune_files_are_categories_split_by_a_stable_hash_of_their_text()
    {
        using var directory = new TempDirectory();
        directory.WriteText("food", FortuneFile("food", 60));
        directory.WriteText("art", FortuneFile("art", 90) + "%\n\n%\nShared fortune.\n%\n");
        directory.WriteText("law", FortuneFile("law", 30) + "Shared fortune.\n");
        directory.WriteText("food.dat", "binary index");
        directory.WriteText("ascii-art", FortuneFile("drawing", 50));
        Directory.CreateDirectory(directory.File("off"));
        File.WriteAllText(directory.File(Path.Combine("off", "art")), FortuneFile("offensive", 500));

        var data = FortuneCategories.Load(directory.Path, directory.File("missing.txt"));
        var all = data.Train.Concat(data.Validation).Concat(data.Test).ToList();
        Assert.Equal(60 + 91 + 31, all.Count);   // empty fortunes skipped; the last one needs no % after it
        Assert.Equal(["art", "food", "law"], all.Select(f => f.Category).Distinct().Order());
        Assert.Contains(all, f => f.Category == "food" && f.Text == "Fortune 7 about food.\n  -- someone");
        Assert.StartsWith($"Debian's fortunes ({directory.Path}, 3 files): 3 categories, ", data.Description);
        foreach (var (part, which) in new[] { (data.Train, SplitPart.Train), (data.Validation, SplitPart.Validation), (data.Test, SplitPart.Test) })
            Assert.All(part, f => Assert.Equal(which, TranslationSplit.PartOf(f.Text)));
        // The same text in two files lands in one part.
        Assert.Single(new[] { data.Train, data.Validation, data.Test }, p => p.Any(f => f.Text == "Shared fortune."));
        Assert.InRange(data.Train.Count, 0.7 * all.Count, 0.9 * all.Count);
        Assert.Equal(["art", "food"], data.TopCategories(2));
        Assert.Equal(["art", "food", "law"], data.TopCategories(8));
    }

    [Fact]
    public void Without_fortunes_the_shipped_text_is_used_and_it_has_eight_categories()
    {
        using var empty = new TempDirectory();
        var data = FortuneCategories.Load(empty.Path);
        var all = data.Train.Concat(data.Validation).Concat(data.Test).ToList();
        Assert.Equal(240, all.Count);
        Assert.Equal(8, all.Select(f => f.Category).Distinct().Count());
        Assert.All(all.GroupBy(f => f.Category), g => Assert.Equal(30, g.Count()));
        Assert.StartsWith("the shipped text categories.txt, no fortunes installed", data.Description);
        Assert.Equal(8, data.TopCategories(8).Count);
        Assert.True(data.Validation.Count > 0 && data.Test.Count > 0);
    }

    [Fact]
    public void A_malformed_shipped_line_and_a_missing_text_are_refused_with_their_names()
    {
        using var directory = new TempDirectory();
        string shipped = directory.WriteText("categories.txt", "# comment\nfood\tBread.\nno tab here\n");
        var e = Assert.Throws<InvalidDataException>(() => FortuneCategories.Load(directory.File("none"), shipped));
        Assert.Contains("line 3: expected 'category<TAB>text'", e.Message);
        var missing = Assert.Throws<FileNotFoundException>(() => FortuneCategories.Load(directory.File("none"), directory.File("gone.txt")));
        Assert.Contains("gone.txt", missing.Message);
    }

    [Fact]
    public void Fortunes_are_the_text_between_percent_lines()
    {
        Assert.Equal(["one\ntwo", "three"], FortuneCategories.Fortunes("one\ntwo\n%\n\n%\nthree\n%\n"));
        Assert.Equal(["a % b"], FortuneCategories.Fortunes("a % b\r\n%\r\n"));
    }
}
