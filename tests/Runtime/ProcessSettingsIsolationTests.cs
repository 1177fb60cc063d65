using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Runtime;

/// <summary>A training step's bits depend on <see cref="WorkerPool.Threads"/> (data-parallel chunks), so a test class
/// that sets it while others run beside it changes their results between two runs they compare. Every test source
/// that assigns a process-wide runtime setting must run in <see cref="ExclusiveCollection"/>.</summary>
public class ProcessSettingsIsolationTests
{
    private static readonly Regex SettingAssignment = new(@"\b(WorkerPool\.Threads|TileGemm\.ParallelThreshold)\s*=(?!=)");

    [Fact]
    public void Every_test_that_changes_a_process_wide_setting_runs_alone()
    {
        string tests = SourceCheckout.PathOf("tests");
        var sources = Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .ToList();
        var changing = sources.Where(f => SettingAssignment.IsMatch(File.ReadAllText(f))).ToList();
        Assert.Contains(changing, f => f.EndsWith("WorkerPoolTests.cs"));   // the pattern still finds the assignments
        var unguarded = changing.Where(f => !File.ReadAllText(f).Contains("[Collection(ExclusiveCollection.Name)]"))
            .Select(f => Path.GetRelativePath(tests, f));
        Assert.Empty(unguarded);
    }
}
