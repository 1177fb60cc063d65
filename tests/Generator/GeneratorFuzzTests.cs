using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;
using Xunit.Abstractions;
using NetCompiler.Tests.TestSupport;

namespace NetCompiler.Tests.Generator;

/// <summary>"Never crash": seeded mutations of the zoo's definition sources (definitions/Seeds and definitions/Zoo)
/// run through the generator. Whatever the mutant, the run must end in NCxxxx diagnostics, ordinary C# errors, or
/// generated output: no exception escapes the driver, no generator exception in the run result, no CS8785/CS8784
/// ("generator failed") and no NC9001 (the generator's own internal-error catch-all).
/// <para>Environment: <c>NETCOMPILER_FUZZ_COUNT</c> (mutants, default <see cref="DefaultCount"/>),
/// <c>NETCOMPILER_FUZZ_SEED</c> (default <see cref="DefaultSeed"/>), <c>NETCOMPILER_FUZZ_DEPTH</c> (most mutations per
/// mutant, default 3), <c>NETCOMPILER_FUZZ_INDEX</c> (run only this
/// mutant of the seed, to reproduce a failure). Each mutant depends only on (seed, index). The outcome counts are
/// written to the test output (<c>--logger "console;verbosity=detailed"</c>).</para></summary>
public class GeneratorFuzzTests
{
    private const int DefaultCount = 300;
    private const int DefaultSeed = 20261124;

    private readonly ITestOutputHelper _output;

    public GeneratorFuzzTests(ITestOutputHelper output) => _output = output;

    private enum Outcome { NcDiagnostics, CSharpErrorsOnly, GeneratedCodeErrorsOnly, CleanOutput, LargeOutputNotCompiled, NoNetwork }

    /// <summary>Generated code longer than this (in characters) is not compiled by the fuzz (see <see cref="RunOne"/>).</summary>
    private const int MaxCheckedGeneratedLength = 400_000;

    private sealed record Seed(string Name, string Text);

    private sealed record Failure(int Index, string SeedFile, IReadOnlyList<string> Mutations, string Original, string Mutant, string Problem);

    [Fact]
    public void MutatedZooDefinitionsNeverCrashTheGenerator()
    {
        int seed = EnvInt("NETCOMPILER_FUZZ_SEED", DefaultSeed);
        int count = EnvInt("NETCOMPILER_FUZZ_COUNT", DefaultCount);
        int? only = Environment.GetEnvironmentVariable("NETCOMPILER_FUZZ_INDEX") is { Length: > 0 } s
            ? int.Parse(s, CultureInfo.InvariantCulture) : null;
        var seeds = LoadSeeds();
        Assert.True(seeds.Count >= 5, "expected the zoo's definition files; found " + string.Join(", ", seeds.Select(f => f.Name)));

        var counts = Enum.GetValues<Outcome>().ToDictionary(o => o, _ => 0);
        var failures = new List<Failure>();
        var slowest = (Index: -1, Time: TimeSpan.Zero);
        string slowestLog = "";
        var total = Stopwatch.StartNew();
        IEnumerable<int> indices = only is int one ? new[] { one } : Enumerable.Range(0, count);
        foreach (int index in indices)
        {
            var rng = new Random(MixSeed(seed, index));
            var source = seeds[rng.Next(seeds.Count)];
            var log = new List<string>();
            string mutant = Mutate(source.Text, rng, log);
            var watch = Stopwatch.StartNew();
            string? problem;
            Outcome outcome = Outcome.NoNetwork;
            try { problem = RunOne(mutant, source.Name, out outcome); }
            catch (Exception e) { problem = "an exception escaped the generator driver: " + e; }
            watch.Stop();
            if (watch.Elapsed > slowest.Time) (slowest, slowestLog) = ((index, watch.Elapsed), source.Name + ": " + string.Join("; ", log));
            if (only is not null)
            {
                _output.WriteLine($"index {index}, from {source.Name}: {string.Join("; ", log)}; {outcome}, {watch.Elapsed.TotalMilliseconds:F0} ms (generator {LastGeneratorTime.TotalMilliseconds:F0} ms)");
                _output.WriteLine(Diff(source.Text, mutant));
                _output.WriteLine(mutant);
            }
            if (problem is null)
            {
                counts[outcome]++;
                if (outcome == Outcome.GeneratedCodeErrorsOnly)
                    _output.WriteLine($"errors only in generated code: index {index}, from {source.Name}: {string.Join("; ", log)}");
            }
            else failures.Add(new Failure(index, source.Name, log, source.Text, mutant, problem));
        }
        total.Stop();

        int runs = only is null ? count : 1;
        _output.WriteLine($"generator fuzz: seed {seed}, depth {Depth}, {runs} mutants of {seeds.Count} files in {total.Elapsed.TotalSeconds:F2} s " +
            $"(slowest: index {slowest.Index}, {slowest.Time.TotalMilliseconds:F0} ms, {slowestLog})");
        _output.WriteLine($"  NC diagnostics:                 {counts[Outcome.NcDiagnostics]}");
        _output.WriteLine($"  C# errors only:                 {counts[Outcome.CSharpErrorsOnly]}");
        _output.WriteLine($"  errors only in generated code:  {counts[Outcome.GeneratedCodeErrorsOnly]}");
        _output.WriteLine($"  clean generated output:         {counts[Outcome.CleanOutput]}");
        _output.WriteLine($"  large output, not compiled:     {counts[Outcome.LargeOutputNotCompiled]}");
        _output.WriteLine($"  no network left (no output):    {counts[Outcome.NoNetwork]}");
        _output.WriteLine($"  failures:                       {failures.Count}");

        if (failures.Count == 0) return;
        var message = new StringBuilder();
        message.AppendLine($"{failures.Count} of {runs} mutants broke the generator (seed {seed}). Reproduce one with " +
            $"NETCOMPILER_FUZZ_SEED={seed} NETCOMPILER_FUZZ_DEPTH={Depth} NETCOMPILER_FUZZ_INDEX=<index> dotnet test tests/NetCompiler.Tests.csproj -c Release --filter GeneratorFuzzTests");
        foreach (var f in failures.GroupBy(f => FirstLine(f.Problem)).Select(g => g.First()).Take(5))
        {
            message.AppendLine();
            message.AppendLine($"--- seed {seed}, mutation index {f.Index}, from {f.SeedFile}: {string.Join("; ", f.Mutations)}");
            message.AppendLine(f.Problem);
            message.AppendLine("--- diff (original -> mutant):");
            message.AppendLine(Diff(f.Original, f.Mutant));
            message.AppendLine("--- mutated source:");
            message.AppendLine(f.Mutant);
        }
        message.AppendLine("failing indices: " + string.Join(", ", failures.Select(f => f.Index).Take(100)));
        Assert.Fail(message.ToString());
    }

    /// <summary>Runs the generator over one mutant; returns null when the run ended acceptably (setting
    /// <paramref name="outcome"/>), or what went wrong.</summary>
    /// <summary>The generator's share of the last <see cref="RunOne"/> (the rest is the C# compiler's binding).</summary>
    [ThreadStatic] private static TimeSpan LastGeneratorTime;

    private static string? RunOne(string mutant, string name, out Outcome outcome)
    {
        outcome = Outcome.NoNetwork;
        string path = name + ".cs";
        var tree = GeneratorHarness.Parse(mutant, path);
        var compilation = GeneratorHarness.CreateCompilation(new[] { tree }, "NetCompilerFuzz");
        var generatorTime = Stopwatch.StartNew();
        var driver = GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var result = driver.GetRunResult();
        LastGeneratorTime = generatorTime.Elapsed;
        foreach (var r in result.Results)
            if (r.Exception is not null) return "the generator threw: " + r.Exception;
        var crashes = generatorDiagnostics.Where(d => d.Id is "CS8785" or "CS8784" or "NC9001").ToList();
        if (crashes.Count > 0) return "the generator failed: " + string.Join("\n", crashes);

        var nc = generatorDiagnostics.Where(d => d.Id.StartsWith("NC", StringComparison.Ordinal)).ToList();
        foreach (var d in nc)
        {
            // Every NC diagnostic points into the user's file, inside its text.
            if (d.Location == Location.None || d.Location.GetLineSpan().Path != path || d.Location.SourceSpan.End > mutant.Length)
                return $"{d.Id} without a location in {path}: {d}";
        }
        if (nc.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            outcome = Outcome.NcDiagnostics;
            return null;
        }

        // The user's file first (binding only its own bodies is cheap); the generated code only when it is small:
        // [Repeat(434)] of a module generates straight-line code that takes the C# compiler half a minute to bind.
        var userErrors = output.GetSemanticModel(tree).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (userErrors.Count > 0)
        {
            outcome = Outcome.CSharpErrorsOnly;
            return null;
        }
        if (result.GeneratedTrees.Length == 0)
        {
            outcome = Outcome.NoNetwork;
            return null;
        }
        if (result.GeneratedTrees.Sum(t => t.Length) > MaxCheckedGeneratedLength)
        {
            outcome = Outcome.LargeOutputNotCompiled;
            return null;
        }
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Any(d => d.Location.SourceTree == tree || !d.Location.IsInSource)) outcome = Outcome.CSharpErrorsOnly;
        else if (errors.Count > 0) outcome = Outcome.GeneratedCodeErrorsOnly;
        else outcome = Outcome.CleanOutput;
        return null;
    }

    // ------------------------------------------------------------------ mutations

    private static readonly string[] Dimensions =
    {
        "0", "-1", "1", "-2147483648", "int.MaxValue", "2147483647", "65536", "1000000", "46341", "2", "3",
    };

    /// <summary>Ops (and operators) wrapped around an expression: {0} is the expression, {1} another one of the file.</summary>
    private static readonly string[] Wrappers =
    {
        "Softmax({0})", "Transpose({0})", "Sum({0})", "Mean({0})", "MatMul({0}, {1})", "MatMul({1}, {0})", "Step({0})",
        "LeakyRelu({0}, 0f)", "Swish({0}, -1f)", "Silu({0})", "Gelu({0})", "GeluTanh({0})", "Relu({0})", "Linear({0}, {1})",
        "CrossEntropy({0}, {1})", "BinaryCrossEntropy({0}, {1})", "MeanSquaredError({0}, {1})", "QuadraticCost({0}, {1})",
        "({0} / 0f)", "({0} / 0)", "({0} * float.NaN)", "({0} - {1})", "({0} + 1e38f)", "(-{0})", "({0} * {1})", "({0} / {1})",
        "Sigmoid(Tanh({0}))",
    };

    /// <summary>Body expressions of every zoo file, for the cross-file mutation.</summary>
    private static readonly Lazy<string[]> CrossFileExpressions = new(() => LoadSeeds()
        .SelectMany(f => CSharpSyntaxTree.ParseText(f.Text, GeneratorHarness.ParseOptions).GetRoot().DescendantNodes().OfType<ExpressionSyntax>()
            .Where(e => e.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not null).Select(e => e.ToString()))
        .Distinct(StringComparer.Ordinal).OrderBy(e => e, StringComparer.Ordinal).ToArray());

    /// <summary>The most mutations applied to one mutant (<c>NETCOMPILER_FUZZ_DEPTH</c>, default 3).</summary>
    private static readonly int Depth = Math.Max(1, EnvInt("NETCOMPILER_FUZZ_DEPTH", 3));

    /// <summary>Applies one to <see cref="Depth"/> random mutations, reparsing between them.</summary>
    private static string Mutate(string text, Random rng, List<string> log)
    {
        int n = 1 + rng.Next(Depth);
        for (int m = 0; m < n; m++)
        {
            var root = CSharpSyntaxTree.ParseText(text, GeneratorHarness.ParseOptions).GetRoot();
            var tokens = root.DescendantTokens().Where(t => !t.IsKind(SyntaxKind.EndOfFileToken) && t.Span.Length > 0).ToList();
            if (tokens.Count == 0) break;
            switch (rng.Next(11))
            {
                case 0: // token deletion
                {
                    var t = tokens[rng.Next(tokens.Count)];
                    log.Add($"delete token '{t.Text}' at {t.SpanStart}");
                    text = Replace(text, t.Span.Start, t.Span.Length, "");
                    break;
                }
                case 1: // token insertion (a random token of the same file)
                {
                    var at = tokens[rng.Next(tokens.Count)];
                    var t = tokens[rng.Next(tokens.Count)];
                    log.Add($"insert '{t.Text}' before '{at.Text}' at {at.SpanStart}");
                    text = Replace(text, at.SpanStart, 0, t.Text + " ");
                    break;
                }
                case 2: // token replacement (an identifier by another identifier, or any token by any token)
                {
                    var idents = tokens.Where(t => t.IsKind(SyntaxKind.IdentifierToken)).ToList();
                    bool ident = idents.Count > 1 && rng.Next(3) > 0;
                    var pool = ident ? idents : tokens;
                    var at = pool[rng.Next(pool.Count)];
                    var t = pool[rng.Next(pool.Count)];
                    log.Add($"replace '{at.Text}' at {at.SpanStart} by '{t.Text}'");
                    text = Replace(text, at.SpanStart, at.Span.Length, t.Text);
                    break;
                }
                case 3: // swapped attribute (or call) arguments
                {
                    var lists = root.DescendantNodes().OfType<AttributeArgumentListSyntax>()
                        .Where(l => l.Arguments.Count >= 2).Select(l => l.Arguments.Select(a => a.Span).ToList())
                        .Concat(root.DescendantNodes().OfType<ArgumentListSyntax>()
                            .Where(l => l.Arguments.Count >= 2).Select(l => l.Arguments.Select(a => a.Span).ToList()))
                        .Concat(root.DescendantNodes().OfType<ParameterListSyntax>()
                            .Where(l => l.Parameters.Count >= 2).Select(l => l.Parameters.Select(a => a.Span).ToList()))
                        .ToList();
                    if (lists.Count == 0) goto case 4;
                    var args = lists[rng.Next(lists.Count)];
                    int i = rng.Next(args.Count), j = rng.Next(args.Count - 1);
                    if (j >= i) j++;
                    if (i > j) (i, j) = (j, i);
                    string a = text.Substring(args[i].Start, args[i].Length), b = text.Substring(args[j].Start, args[j].Length);
                    log.Add($"swap '{a}' and '{b}'");
                    text = Replace(text, args[j].Start, args[j].Length, a);
                    text = Replace(text, args[i].Start, args[i].Length, b);
                    break;
                }
                case 4:
                case 5: // a random dimension (any integer literal, mostly those in attributes)
                {
                    var literals = tokens.Where(t => t.IsKind(SyntaxKind.NumericLiteralToken)).ToList();
                    var inAttributes = literals.Where(t => t.Parent?.FirstAncestorOrSelf<AttributeSyntax>() is not null).ToList();
                    var pool = inAttributes.Count > 0 && rng.Next(4) > 0 ? inAttributes : literals;
                    if (pool.Count == 0) goto case 0;
                    var at = pool[rng.Next(pool.Count)];
                    string value = rng.Next(4) == 0 ? rng.Next(1, 2049).ToString(CultureInfo.InvariantCulture) : Dimensions[rng.Next(Dimensions.Length)];
                    if (at.Text.EndsWith("f", StringComparison.OrdinalIgnoreCase) && !value.Contains('.', StringComparison.Ordinal) && rng.Next(2) == 0)
                        value = value == "int.MaxValue" ? "float.MaxValue" : value + "f";
                    log.Add($"dimension '{at.Text}' at {at.SpanStart} -> '{value}'");
                    text = Replace(text, at.SpanStart, at.Span.Length, value);
                    break;
                }
                case 6: // statement, member or attribute deletion
                {
                    var nodes = root.DescendantNodes()
                        .Where(x => x is StatementSyntax { Parent: not MethodDeclarationSyntax } or MemberDeclarationSyntax { Parent: TypeDeclarationSyntax } or AttributeSyntax or AttributeListSyntax)
                        .ToList();
                    if (nodes.Count == 0) goto case 0;
                    var node = nodes[rng.Next(nodes.Count)];
                    log.Add($"delete {node.Kind()} '{Shorten(node.ToString())}' at {node.SpanStart}");
                    text = Replace(text, node.Span.Start, node.Span.Length, "");
                    break;
                }
                case 7: // broken body: replace an expression by another expression of the file
                {
                    var expressions = root.DescendantNodes().OfType<ExpressionSyntax>()
                        .Where(e => e.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not null || e.FirstAncestorOrSelf<AttributeSyntax>() is not null)
                        .ToList();
                    if (expressions.Count < 2) goto case 0;
                    var at = expressions[rng.Next(expressions.Count)];
                    var by = expressions[rng.Next(expressions.Count)];
                    log.Add($"expression '{Shorten(at.ToString())}' at {at.SpanStart} -> '{Shorten(by.ToString())}'");
                    text = Replace(text, at.SpanStart, at.Span.Length, by.ToString());
                    break;
                }
                case 8: // an op wrapped around an expression of a body (ops the seed file may not use)
                {
                    var expressions = root.DescendantNodes().OfType<ExpressionSyntax>()
                        .Where(e => e.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not null && e is not LiteralExpressionSyntax)
                        .ToList();
                    if (expressions.Count == 0) goto case 0;
                    var at = expressions[rng.Next(expressions.Count)];
                    string e = at.ToString(), other = expressions[rng.Next(expressions.Count)].ToString();
                    string wrapped = string.Format(CultureInfo.InvariantCulture, Wrappers[rng.Next(Wrappers.Length)], e, other);
                    log.Add($"wrap '{Shorten(e)}' at {at.SpanStart} -> '{Shorten(wrapped)}'");
                    text = Replace(text, at.SpanStart, at.Span.Length, wrapped);
                    break;
                }
                case 9: // an expression of another zoo file
                {
                    var at = root.DescendantNodes().OfType<ExpressionSyntax>()
                        .Where(e => e.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not null).ToList();
                    if (at.Count == 0 || CrossFileExpressions.Value.Length == 0) goto case 0;
                    var node = at[rng.Next(at.Count)];
                    string by = CrossFileExpressions.Value[rng.Next(CrossFileExpressions.Value.Length)];
                    log.Add($"expression '{Shorten(node.ToString())}' at {node.SpanStart} -> '{Shorten(by)}' (from another file)");
                    text = Replace(text, node.SpanStart, node.Span.Length, by);
                    break;
                }
                default: // truncated file
                {
                    int cut = rng.Next(text.Length);
                    log.Add($"truncate at {cut} of {text.Length}");
                    text = text.Substring(0, cut);
                    break;
                }
            }
        }
        return text;
    }

    private static string Replace(string text, int start, int length, string by) =>
        string.Concat(text.AsSpan(0, start), by, text.AsSpan(start + length));

    private static string Shorten(string s)
    {
        s = s.ReplaceLineEndings(" ");
        return s.Length <= 60 ? s : s.Substring(0, 57) + "...";
    }

    // ------------------------------------------------------------------ support

    /// <summary>The definition files of definitions/Seeds and definitions/Zoo (those declaring a network or module),
    /// read from the source checkout above the test binaries.</summary>
    private static List<Seed> LoadSeeds()
    {
        return new[] { "Seeds", "Zoo" }
            .SelectMany(d => Directory.EnumerateFiles(SourceCheckout.PathOf("definitions", d), "*.cs"))
            .Select(f => new Seed(Path.GetFileNameWithoutExtension(f), File.ReadAllText(f)))
            .Where(f => f.Text.Contains("[Network]", StringComparison.Ordinal) || f.Text.Contains("[Module]", StringComparison.Ordinal))
            .OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
    }

    private static int EnvInt(string name, int fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;

    /// <summary>A per-mutant seed (deterministic across processes, unlike <see cref="HashCode"/>).</summary>
    private static int MixSeed(int seed, int index)
    {
        ulong x = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)index * 0xBF58476D1CE4E5B9UL);
        x ^= x >> 31;
        x = unchecked(x * 0x94D049BB133111EBUL);
        x ^= x >> 29;
        return (int)(x & 0x7FFFFFFF);
    }

    private static string FirstLine(string s)
    {
        int nl = s.IndexOf('\n');
        return nl < 0 ? s : s.Substring(0, nl);
    }

    /// <summary>The lines that differ: the common prefix and suffix are dropped.</summary>
    private static string Diff(string original, string mutant)
    {
        var a = original.ReplaceLineEndings("\n").Split('\n');
        var b = mutant.ReplaceLineEndings("\n").Split('\n');
        int prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix]) prefix++;
        int suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[a.Length - 1 - suffix] == b[b.Length - 1 - suffix]) suffix++;
        var diff = new StringBuilder();
        diff.AppendLine($"@@ line {prefix + 1}");
        for (int i = prefix; i < a.Length - suffix; i++) diff.AppendLine("- " + a[i]);
        for (int i = prefix; i < b.Length - suffix; i++) diff.AppendLine("+ " + b[i]);
        return diff.ToString();
    }
}
