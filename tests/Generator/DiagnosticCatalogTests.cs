using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>The generator's diagnostic descriptors, read from the generator assembly, and the checks that keep the
/// catalogue whole: every id is documented in README.md's table (with title, example and fix), declared in
/// AnalyzerReleases.Unshipped.md with its category and severity, and tested in <see cref="DiagnosticTests"/>.</summary>
public class DiagnosticCatalogTests
{
    /// <summary>Every descriptor of NetCompiler.Generator.Diagnostics.DiagnosticDescriptors, by id.</summary>
    public static IReadOnlyDictionary<string, DiagnosticDescriptor> All { get; } =
        typeof(NetworkGenerator).Assembly.GetType("NetCompiler.Generator.Diagnostics.DiagnosticDescriptors", throwOnError: true)!
            .GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToDictionary(d => d.Id);

    public static DiagnosticDescriptor Descriptor(string id) =>
        All.TryGetValue(id, out var d) ? d : throw new ArgumentException($"{id} is not a NetCompiler diagnostic");

    /// <summary>Internal errors cannot be provoked by a definition (each one found is fixed and becomes a test of the
    /// diagnostic that replaced it), so they are the one id without a test of its own.</summary>
    private static readonly string[] Untestable = { "NC9001" };

    [Fact]
    public void EveryIdIsUniqueAndInItsRange()
    {
        Assert.True(All.Count >= 15, $"only {All.Count} descriptors found");
        foreach (var d in All.Values)
        {
            Assert.Matches(@"^NC\d{4}$", d.Id);
            string expectedCategory = d.Id[2] switch
            {
                '0' when d.Id[3] == '0' => "NetCompiler.Definition",
                '0' when d.Id[3] == '1' => "NetCompiler.Shape",
                '0' when d.Id[3] == '2' => "NetCompiler.Usage",
                '9' => "NetCompiler.Internal",
                _ => "?",
            };
            Assert.True(expectedCategory == d.Category, $"{d.Id} has category {d.Category}, its range is {expectedCategory}");
            Assert.Equal(d.Category == "NetCompiler.Usage" ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error, d.DefaultSeverity);
            Assert.True(d.IsEnabledByDefault, d.Id);
        }
    }

    [Fact]
    public void EveryIdHasAReadmeRowWithTitleExampleAndFix()
    {
        string readme = File.ReadAllText(SourceCheckout.PathOf("README.md"));
        var rows = Regex.Matches(readme, @"^\| (NC\d{4}) \|(.*)$", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Split('|').Select(c => c.Trim()).ToArray());
        foreach (var d in All.Values)
        {
            Assert.True(rows.TryGetValue(d.Id, out var cells), $"README.md's diagnostics table has no row for {d.Id}");
            // | id | severity | title | example | fix |
            Assert.True(cells.Length >= 4, $"{d.Id}'s row needs severity, title, example and fix: {string.Join(" | ", cells)}");
            Assert.Equal(d.DefaultSeverity.ToString(), cells[0]);
            Assert.Equal(d.Title.ToString(), cells[1]);
            Assert.True(cells[2].Length > 0 && cells[3].Length > 0, $"{d.Id}'s row lacks an example or a fix");
        }
        Assert.Empty(rows.Keys.Except(All.Keys)); // no row for a diagnostic that does not exist
    }

    [Fact]
    public void EveryIdIsInTheAnalyzerReleaseFile()
    {
        string releases = File.ReadAllText(SourceCheckout.PathOf("generator", "AnalyzerReleases.Unshipped.md"));
        foreach (var d in All.Values)
            Assert.Contains($"{d.Id} | {d.Category} | {d.DefaultSeverity} | {d.Title}", releases);
    }

    [Fact]
    public void EveryIdHasATestThatProvokesIt()
    {
        var tested = typeof(DiagnosticTests).GetMethods(BindingFlags.Instance | BindingFlags.Public)
            .Where(m => m.GetCustomAttributes<FactAttribute>().Any())
            .Select(m => Regex.Match(m.Name, @"^NC\d{4}").Value)
            .Where(id => id.Length > 0)
            .ToHashSet();
        var missing = All.Keys.Except(tested).Except(Untestable).OrderBy(id => id).ToList();
        Assert.True(missing.Count == 0, "no DiagnosticTests method named NCxxxx_... for " + string.Join(", ", missing));
        Assert.Empty(tested.Except(All.Keys)); // a test named after an id that does not exist
    }
}
