using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using NetCompiler.Generator;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>Runs the NetCompiler generator in-process over C# source text: builds a <see cref="CSharpCompilation"/>
/// against the framework and the runtime, runs <see cref="NetworkGenerator"/> through a
/// <see cref="CSharpGeneratorDriver"/>, and, when the result has no errors, emits it and loads it into a collectible
/// <see cref="AssemblyLoadContext"/> so the compiled networks can be instantiated as <see cref="INetwork"/>.</summary>
internal static class GeneratorHarness
{
    /// <summary>The parse options every tree (user and generated) is parsed with.</summary>
    public static readonly CSharpParseOptions ParseOptions =
        new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(LoadReferences);

    /// <summary>Every trusted platform assembly of this process plus the NetCompiler runtime.</summary>
    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var tpa = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "";
        foreach (var path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) paths.Add(Path.GetFullPath(path));
        paths.Add(Path.GetFullPath(typeof(NetCompiler.Tensor).Assembly.Location));
        return paths.OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }

    /// <summary>A syntax tree for <paramref name="source"/> at the (fake) path <paramref name="path"/>.</summary>
    public static SyntaxTree Parse(string source, string path = "Definition.cs") =>
        CSharpSyntaxTree.ParseText(SourceText.From(source, Encoding.UTF8), ParseOptions, path);

    /// <summary>A compilation of <paramref name="trees"/> as a library, without running the generator.</summary>
    public static CSharpCompilation CreateCompilation(IEnumerable<SyntaxTree> trees, string? assemblyName = null) =>
        CSharpCompilation.Create(
            assemblyName ?? "NetCompilerGeneratorTest_" + Guid.NewGuid().ToString("N"),
            trees,
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999,
                deterministic: true));

    /// <summary>A driver holding one <see cref="NetworkGenerator"/>.</summary>
    public static GeneratorDriver CreateDriver(bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Compiles one source text with the generator.</summary>
    public static GeneratorRun Run(string source, string path = "Definition.cs") => Run(new[] { (source, path) });

    /// <summary>Compiles several source texts (one syntax tree each) with the generator in one compilation. When the
    /// generator reports no error the result is emitted at once (the emit's diagnostics are the compiler's: one
    /// binding pass, not two).</summary>
    public static GeneratorRun Run(IEnumerable<(string Source, string Path)> sources)
    {
        var trees = sources.Select(s => Parse(s.Source, s.Path)).ToArray();
        var compilation = CreateCompilation(trees);
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var run = new GeneratorRun(trees, driver.GetRunResult(), generatorDiagnostics, output);
        run.AssertGeneratorDidNotThrow();
        if (!generatorDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)) run.Emit();
        return run;
    }
}

/// <summary>The outcome of one generator run over one compilation.</summary>
internal sealed class GeneratorRun
{
    private Assembly? _assembly;
    private AssemblyLoadContext? _context;
    private ImmutableArray<Diagnostic>? _compilationDiagnostics;
    private bool _emitted;

    public GeneratorRun(IReadOnlyList<SyntaxTree> inputTrees, GeneratorDriverRunResult runResult,
        ImmutableArray<Diagnostic> generatorDiagnostics, Compilation outputCompilation)
    {
        InputTrees = inputTrees;
        RunResult = runResult;
        GeneratorDiagnostics = generatorDiagnostics;
        OutputCompilation = outputCompilation;
        GeneratedSources = runResult.Results.SelectMany(r => r.GeneratedSources)
            .Select(s => (s.HintName, s.SourceText.ToString())).ToList();
        GeneratedTrees = runResult.GeneratedTrees;
    }

    public IReadOnlyList<SyntaxTree> InputTrees { get; }
    public GeneratorDriverRunResult RunResult { get; }

    /// <summary>What the generator reported (the NCxxxx diagnostics, and CS8785 if it threw).</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics { get; }

    /// <summary>The C# compiler's diagnostics for user plus generated code (from the emit when there was one).</summary>
    public ImmutableArray<Diagnostic> CompilationDiagnostics => _compilationDiagnostics ??= OutputCompilation.GetDiagnostics();

    public Compilation OutputCompilation { get; }
    public IReadOnlyList<(string HintName, string Source)> GeneratedSources { get; }
    public ImmutableArray<SyntaxTree> GeneratedTrees { get; }

    /// <summary>Generator plus compiler diagnostics.</summary>
    public IEnumerable<Diagnostic> AllDiagnostics => GeneratorDiagnostics.Concat(CompilationDiagnostics);

    public bool HasErrors => AllDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>Compiler diagnostics (warnings and errors) located in generated files.</summary>
    public IEnumerable<Diagnostic> DiagnosticsInGeneratedCode =>
        CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } t && GeneratedTrees.Contains(t));

    /// <summary>The generated source whose hint name contains <paramref name="className"/>.</summary>
    public string Source(string className)
    {
        var match = GeneratedSources.Where(s => s.HintName.Contains(className, StringComparison.Ordinal)).ToList();
        Assert.True(match.Count == 1, $"expected one generated source for {className}; got: {string.Join(", ", GeneratedSources.Select(s => s.HintName))}");
        return match[0].Source;
    }

    /// <summary>Fails when the generator threw (CS8785, an exception in the run result, or its own NC9001).</summary>
    public void AssertGeneratorDidNotThrow()
    {
        foreach (var result in RunResult.Results)
            Assert.True(result.Exception is null, "the generator threw: " + result.Exception);
        var crashes = GeneratorDiagnostics
            .Where(d => d.Id is "CS8785" or "CS8784" or "NC9001").ToList();
        Assert.True(crashes.Count == 0, "the generator failed: " + string.Join("\n", crashes));
    }

    /// <summary>Fails unless user and generated code compile without errors.</summary>
    public void AssertNoErrors()
    {
        var errors = AllDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "compilation failed:\n" + string.Join("\n", errors.Take(30)));
    }

    /// <summary>Emits the output compilation and, when that succeeds, loads it into a collectible context.</summary>
    public void Emit()
    {
        if (_emitted) return;
        _emitted = true;
        using var stream = new MemoryStream();
        var emit = OutputCompilation.Emit(stream);
        _compilationDiagnostics = emit.Diagnostics;
        if (!emit.Success) return;
        stream.Position = 0;
        _context = new CollectibleLoadContext();
        _assembly = _context.LoadFromStream(stream);
    }

    /// <summary>The compiled assembly (the run must have compiled without errors).</summary>
    public Assembly Assembly
    {
        get
        {
            Emit();
            AssertNoErrors();
            Assert.True(_assembly is not null, "the compilation was not loaded (it was unloaded, or emit failed)");
            return _assembly!;
        }
    }

    /// <summary>Creates the network type <paramref name="fullName"/> with its <c>(int seed)</c> constructor.</summary>
    public INetwork Create(string fullName, int seed = 0)
    {
        var type = Assembly.GetType(fullName, throwOnError: true)!;
        return (INetwork)Activator.CreateInstance(type, seed)!;
    }

    /// <summary>Unloads the collectible context (the assembly must no longer be used).</summary>
    public void Unload()
    {
        _assembly = null;
        _context?.Unload();
        _context = null;
    }

    /// <summary>Resolves nothing itself, so NetCompiler and the framework come from the default context and the
    /// loaded networks implement the very <see cref="INetwork"/> the tests see.</summary>
    private sealed class CollectibleLoadContext : AssemblyLoadContext
    {
        public CollectibleLoadContext() : base("NetCompiler.Tests.Generator", isCollectible: true) { }
        protected override Assembly? Load(AssemblyName assemblyName) => null;
    }
}

/// <summary>Checks of the harness itself, so the "no warnings" assertions elsewhere mean something.</summary>
public class GeneratorHarnessTests
{
    [Fact]
    public void CompilerWarningsAndErrorsReachTheRun()
    {
        var run = GeneratorHarness.Run("""
            namespace HarnessCases;
            /// <summary>Not a network.</summary>
            public static class Plain
            {
                /// <summary>Has an unused local.</summary>
                public static int F() { int unused = 1; return 2; }
            }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.GeneratedSources);
        Assert.Contains(run.CompilationDiagnostics, d => d.Id == "CS0219" && d.Severity == DiagnosticSeverity.Warning);
        Assert.False(run.HasErrors);
        run.Unload();

        var broken = GeneratorHarness.Run("namespace HarnessCases; public static class Broken { public static int F() => missing; }");
        Assert.True(broken.HasErrors);
        Assert.Contains(broken.CompilationDiagnostics, d => d.Id == "CS0103");
    }
}
