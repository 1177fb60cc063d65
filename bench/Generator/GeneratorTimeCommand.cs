using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using NetCompiler.Generator;

namespace NetCompiler.Bench;

/// <summary><c>generator-time</c>: the source generator's time per zoo network, the way a build runs it. It compiles
/// the definitions/ sources in memory (a fresh compilation and driver per run, so nothing is cached and binding
/// starts from scratch), times the whole driver run and each network's tracked steps (parse: semantic model ->
/// spec, per file; lower + emit: spec -> source, per network), and reports the best of several runs after a
/// warm-up. It also times an IDE-like keystroke: a new unrelated file added to a compilation the driver has seen.</summary>
internal static class GeneratorTimeCommand
{
    private const int Runs = 5;

    public static int Run(ReadOnlySpan<string> args)
    {
        string root = FindRoot();
        var files = Directory.EnumerateFiles(Path.Combine(root, "definitions"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                     && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(f => (Path: Path.GetRelativePath(root, f), Text: File.ReadAllText(f)))
            .Where(f => f.Text.Contains("[Network]", StringComparison.Ordinal) || f.Text.Contains("[Module]", StringComparison.Ordinal))
            .OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        if (files.Count == 0) { Console.Error.WriteLine($"no definitions under {root}/definitions"); return 1; }

        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var references = References();
        CSharpCompilation Fresh(IEnumerable<(string Path, string Text)> sources) => CSharpCompilation.Create("GeneratorTime",
            sources.Select(f => CSharpSyntaxTree.ParseText(SourceText.From(f.Text, Encoding.UTF8), parseOptions, f.Path)),
            references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver NewDriver() => CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() },
            parseOptions: parseOptions, driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

        var emit = new Dictionary<string, TimeSpan>();
        var sizes = new Dictionary<string, int>();
        var parse = new Dictionary<string, TimeSpan>();
        TimeSpan cold = TimeSpan.Zero, best = TimeSpan.MaxValue;
        for (int run = 0; run <= Runs; run++)
        {
            var driver = NewDriver().RunGenerators(Fresh(files));
            var result = driver.GetRunResult().Results.Single();
            if (result.Exception is not null) { Console.Error.WriteLine(result.Exception); return 1; }
            var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0) { Console.Error.WriteLine(string.Join("\n", errors)); return 1; }
            var total = driver.GetTimingInfo().ElapsedTime;
            if (run == 0) { cold = total; continue; } // the generator's own JIT
            if (total < best) best = total;
            foreach (var step in result.TrackedSteps[TrackingNames.NetworkSource])
            {
                var (name, source) = NameAndSource(step.Outputs.Single().Value);
                sizes[name] = source.Length;
                emit[name] = emit.TryGetValue(name, out var e) && e < step.ElapsedTime ? e : step.ElapsedTime;
            }
            foreach (var step in result.TrackedSteps[TrackingNames.NetworkSpec])
            {
                string names = string.Join(" + ", step.Outputs.Select(o => SpecName(o.Value)));
                parse[names] = parse.TryGetValue(names, out var p) && p < step.ElapsedTime ? p : step.ElapsedTime;
            }
        }

        // A keystroke elsewhere: the driver has seen the compilation; a new file without networks is added.
        var seen = Fresh(files);
        var warm = NewDriver().RunGenerators(seen);
        var keystroke = TimeSpan.MaxValue;
        for (int run = 0; run < Runs; run++)
        {
            var edited = seen.AddSyntaxTrees(CSharpSyntaxTree.ParseText($"namespace Elsewhere; public static class Typing{run} {{ public static int Key => {run}; }}", parseOptions, $"Typing{run}.cs"));
            var after = warm.RunGenerators(edited);
            if (after.GetTimingInfo().ElapsedTime < keystroke) keystroke = after.GetTimingInfo().ElapsedTime;
        }

        Console.WriteLine($"# Generator time per zoo network ({files.Count} definition files, {emit.Count} networks; best of {Runs} runs after a warm-up)");
        Console.WriteLine();
        Console.WriteLine($"whole driver run: cold {Ms(cold)}, warm {Ms(best)}; an unrelated file added (IDE keystroke): {Ms(keystroke)}");
        Console.WriteLine();
        Console.WriteLine("| network | lower + emit | generated source |");
        Console.WriteLine("| --- | ---: | ---: |");
        foreach (var (name, time) in emit.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            Console.WriteLine($"| {name} | {Ms(time)} | {sizes[name]:N0} chars |");
        Console.WriteLine();
        Console.WriteLine("| networks of one file | parse (semantic model -> spec) |");
        Console.WriteLine("| --- | ---: |");
        foreach (var (names, time) in parse.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            Console.WriteLine($"| {names} | {Ms(time)} |");
        return 0;
    }

    private static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:F2} ms";

    /// <summary>The pipeline's model types are internal: read a NetworkSource output's class name and source.</summary>
    private static (string Name, string Source) NameAndSource(object output) =>
        ((string)output.GetType().GetProperty("ClassName")!.GetValue(output)!,
         (string?)output.GetType().GetProperty("Source")!.GetValue(output) ?? "");

    private static string SpecName(object spec)
    {
        var cls = spec.GetType().GetProperty("Class")!.GetValue(spec)!;
        return (string)cls.GetType().GetProperty("Name")!.GetValue(cls)!;
    }

    /// <summary>This process's platform assemblies plus the NetCompiler runtime, as a build of the zoo sees them.</summary>
    private static ImmutableArray<MetadataReference> References()
    {
        var paths = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(Tensor).Assembly.Location)
            .Distinct(StringComparer.OrdinalIgnoreCase);
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }

    private static string FindRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir != null && !File.Exists(Path.Combine(dir, "NetCompiler.sln"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("run from a source checkout (no NetCompiler.sln above " + AppContext.BaseDirectory + ")");
    }
}
