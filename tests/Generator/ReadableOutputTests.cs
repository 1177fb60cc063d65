using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>"Readable output": generated files are named after their class, one per class; every op block carries a
/// comment naming the definition line it came from; every public generated member has XML docs; and the generated code
/// builds warning-free with nullable enabled, every warning wave on, documentation diagnostics on and warnings as
/// errors, over the whole zoo and a few varied definitions.</summary>
public class ReadableOutputTests
{
    // ------------------------------------------------------------------ compiling

    /// <summary>One generator run over <paramref name="files"/>, compiled the way a careful user's project builds:
    /// nullable enabled, warning level 9999 (every warning wave), documentation comments diagnosed (what
    /// <c>GenerateDocumentationFile</c> turns on) and, with <paramref name="warningsAsErrors"/>, every warning an
    /// error (<c>TreatWarningsAsErrors</c>).</summary>
    private sealed record Build(IReadOnlyList<SyntaxTree> UserTrees, GeneratorDriverRunResult Result, Compilation Output,
        ImmutableArray<Diagnostic> Diagnostics)
    {
        public IEnumerable<GeneratedSourceResult> Sources => Result.Results.SelectMany(r => r.GeneratedSources);

        public bool IsGenerated(SyntaxTree? tree) => tree is not null && Result.GeneratedTrees.Contains(tree);

        /// <summary>Diagnostics of severity warning or error (a warning made an error counts too).</summary>
        public List<Diagnostic> Reported => Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning || d.IsWarningAsError).ToList();

        public string Source(string hintName) => Sources.Single(s => s.HintName == hintName).SourceText.ToString();
    }

    private static Build Compile(IEnumerable<(string Text, string Path)> files, bool warningsAsErrors = false,
        DocumentationMode documentation = DocumentationMode.Diagnose)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest, documentation);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Text, parse, f.Path)).ToList();
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
            optimizationLevel: OptimizationLevel.Release,
            nullableContextOptions: NullableContextOptions.Enable,
            warningLevel: 9999,
            generalDiagnosticOption: warningsAsErrors ? ReportDiagnostic.Error : ReportDiagnostic.Default,
            deterministic: true);
        // Not the definitions project's own assembly (the tests reference it): the zoo is compiled here from source.
        var references = GeneratorHarness.References.Where(r => !Path.GetFileName(r.Display ?? "").StartsWith("NetCompiler.Definitions", StringComparison.Ordinal));
        var compilation = CSharpCompilation.Create("ReadableOutput_" + Guid.NewGuid().ToString("N"), trees, references, options);
        var driver = CSharpGeneratorDriver.Create(new[] { new NetCompiler.Generator.NetworkGenerator().AsSourceGenerator() }, parseOptions: parse)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var result = driver.GetRunResult();
        foreach (var r in result.Results) Assert.True(r.Exception is null, "the generator threw: " + r.Exception);
        // Emit, not only GetDiagnostics: the emit is what a build runs, and it reports every compiler diagnostic.
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        var diagnostics = generatorDiagnostics.AddRange(emit.Diagnostics);
        Assert.True(emit.Success || diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error), "emit failed without an error");
        return new Build(trees, result, output, diagnostics);
    }

    // ------------------------------------------------------------------ the zoo

    /// <summary>Every file of definitions/Seeds and definitions/Zoo (the zoo's networks and modules and what they use),
    /// by its path relative to the repository root.</summary>
    private static readonly Lazy<List<(string Text, string Path)>> ZooFiles = new(() =>
    {
        string root = SourceCheckout.Root;
        var files = new[] { "Seeds", "Zoo" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, "definitions", d), "*.cs", SearchOption.AllDirectories))
            .Select(f => (Text: File.ReadAllText(f), Path: Path.GetRelativePath(root, f)))
            .OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 5, "expected the zoo's definition files; found " + files.Count);
        return files;
    });

    /// <summary>The zoo compiled once (documentation diagnosed), shared by the tests below.</summary>
    private static readonly Lazy<Build> Zoo = new(() => Compile(ZooFiles.Value));

    /// <summary>The [Network] and [Module] classes declared in <paramref name="trees"/>: (namespace, name, is network).</summary>
    private static List<(string Namespace, string Name, bool Network)> DeclaredClasses(IEnumerable<SyntaxTree> trees) =>
        trees.SelectMany(t => t.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>())
            .Select(c => (Class: c, Kind: c.AttributeLists.SelectMany(l => l.Attributes).Select(a => a.Name.ToString())
                .FirstOrDefault(n => n is "Network" or "Module" or "NetworkAttribute" or "ModuleAttribute")))
            .Where(c => c.Kind is not null)
            .Select(c => (c.Class.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().FirstOrDefault()?.Name.ToString() ?? "",
                c.Class.Identifier.Text, c.Kind!.StartsWith("Network", StringComparison.Ordinal)))
            .ToList();

    private static string HintName(string ns, string name) => (ns.Length == 0 ? "" : ns + ".") + name + ".g.cs";

    /// <summary>Each generated file is named <c>Namespace.Class.g.cs</c> after the one class it declares (a partial
    /// class of that name in that namespace), and there is exactly one per [Network] or [Module] class.</summary>
    private static void AssertOneFilePerClassNamedAfterIt(Build build)
    {
        var classes = DeclaredClasses(build.UserTrees);
        Assert.NotEmpty(classes);
        var expected = classes.Select(c => HintName(c.Namespace, c.Name)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        var actual = build.Sources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
        foreach (var (ns, name, _) in classes)
        {
            string hint = HintName(ns, name);
            var source = build.Sources.Single(s => s.HintName == hint);
            string text = source.SourceText.ToString();
            // The file declares that class and no other type.
            var root = CSharpSyntaxTree.ParseText(text).GetRoot();
            var types = root.DescendantNodes().OfType<BaseTypeDeclarationSyntax>().ToList();
            Assert.True(types.Count == 1, $"{hint} declares {types.Count} types");
            Assert.Equal(name, types[0].Identifier.Text);
            Assert.Equal(ns, types[0].Ancestors().OfType<BaseNamespaceDeclarationSyntax>().FirstOrDefault()?.Name.ToString() ?? "");
            // The file written to disk (EmitCompilerGeneratedFiles) is named after the hint name.
            Assert.EndsWith(Path.DirectorySeparatorChar + hint, source.SyntaxTree.FilePath, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ZooClassesEachGetOneGeneratedFileNamedAfterTheClass()
    {
        var zoo = Zoo.Value;
        Assert.Contains(DeclaredClasses(zoo.UserTrees), c => c.Network);
        Assert.Contains(DeclaredClasses(zoo.UserTrees), c => !c.Network);
        AssertOneFilePerClassNamedAfterIt(zoo);
    }

    [Fact]
    public void GlobalNamespaceAndSameNamedClassesInTwoNamespacesGetOneFileEach()
    {
        var build = Compile(new[]
        {
            (Documented("", "Net", "2, 1"), "Global.cs"),
            (Documented("namespace Alpha;", "Net", "2, 1"), "Alpha.cs"),
            (Documented("namespace Beta.Inner;", "Net", "2, 3"), "Beta.cs"),
            (DocumentedModule("namespace Alpha;", "Net2"), "AlphaModule.cs"),
        });
        Assert.True(build.Reported.Count == 0, string.Join("\n", build.Reported));
        AssertOneFilePerClassNamedAfterIt(build);
        Assert.Equal(new[] { "Alpha.Net.g.cs", "Alpha.Net2.g.cs", "Beta.Inner.Net.g.cs", "Net.g.cs" },
            build.Sources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal));
        Assert.DoesNotContain(build.Source("Net.g.cs").Split('\n'), l => l.StartsWith("namespace", StringComparison.Ordinal));
    }

    private static string Documented(string ns, string name, string dense) => $$"""
        using NetCompiler;
        using static NetCompiler.Ops;

        {{ns}}

        /// <summary>A small network.</summary>
        [Network]
        public partial class {{name}}
        {
            [Dense({{dense}})] Dense output;

            [Forward] Tensor Forward([Shape(2)] Tensor x) => Tanh(output.Forward(x));
            [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
        }
        """;

    private static string DocumentedModule(string ns, string name) => $$"""
        using NetCompiler;
        using static NetCompiler.Ops;

        {{ns}}

        /// <summary>A module that no network uses.</summary>
        [Module]
        public partial class {{name}}
        {
            [Dense(2, 2)] Dense inner;

            /// <summary>The block.</summary>
            /// <param name="x">Its input.</param>
            /// <returns>Its output.</returns>
            [Forward] public Tensor Forward(Tensor x) => x + inner.Forward(x);
        }
        """;

    // ------------------------------------------------------------------ comments

    private static readonly Regex OpHeader = new(@"^\s*// (forward|loss|backward) (?<op>.*?) -> \[[0-9, ]*\], (?:(?<file>[^,\s]+\.cs), )?line (?<line>\d+): (?<expr>.+)$",
        RegexOptions.Multiline);

    /// <summary>The definition text of <paramref name="file"/> from the start of line <paramref name="line"/> on,
    /// with white space collapsed, and the length of line <paramref name="line"/> in that form.</summary>
    private static (string After, int FirstLine) From(string file, int line)
    {
        var lines = file.ReplaceLineEndings("\n").Split('\n');
        Assert.InRange(line, 1, lines.Length);
        static string Collapse(string s) => Regex.Replace(s, @"\s+", " ").Trim();
        string first = Collapse(lines[line - 1]);
        return (Collapse(string.Join("\n", lines.Skip(line - 1))), first.Length);
    }

    /// <summary>Checks every comment of <paramref name="source"/> that ties code to the definition: an op block header
    /// <c>// forward|loss|backward Op -> [shape], line N: expression</c> must quote an expression that starts on line
    /// N of the definition file (the network's own, or the one it names); a parameter initializer's
    /// <c>// name (line N)</c> must point at the line declaring that parameter's field; a constant's
    /// <c>// constant, line N: expression</c> likewise. Returns how many block headers there were.</summary>
    private static int AssertCommentsPointAtTheDefinition(string hint, string source, string homeFile, IReadOnlyDictionary<string, string> filesByName)
    {
        string Lookup(string? name)
        {
            // The network's own file is implied ("line N"); only another file is named ("Block.cs, line N").
            Assert.True(name != Path.GetFileName(homeFile), $"{hint}: a comment names the network's own file {name}");
            string key = string.IsNullOrEmpty(name) ? Path.GetFileName(homeFile) : name;
            Assert.True(filesByName.TryGetValue(key, out var text), $"{hint}: a comment names {key}, which is not a definition file");
            return text!;
        }

        // Every line that opens a block comment names a line: no header without a location.
        var headerLines = Regex.Matches(source, @"^\s*// (forward|loss|backward) .*$", RegexOptions.Multiline).Select(m => m.Value).ToList();
        Assert.NotEmpty(headerLines);
        foreach (string l in headerLines)
            Assert.True(OpHeader.IsMatch(l), $"{hint}: block header without a definition line: {l.Trim()}");

        foreach (Match m in OpHeader.Matches(source))
        {
            string expr = m.Groups["expr"].Value.Trim();
            if (expr.EndsWith("...", StringComparison.Ordinal)) expr = expr.Substring(0, expr.Length - 3);   // long expressions are cut
            int line = int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture);
            var (rest, first) = From(Lookup(m.Groups["file"].Value), line);
            int at = rest.IndexOf(expr, StringComparison.Ordinal);
            Assert.True(at >= 0 && at < first,
                $"{hint}: '{m.Value.Trim()}' quotes an expression that does not start on line {line} of {Lookup(m.Groups["file"].Value).Length} chars: '{rest.Substring(0, Math.Min(first, rest.Length))}'");
        }

        // Backward blocks mirror forward ones: each backward header repeats the header of the forward (or loss) block it
        // differentiates, and with a loss every layer (all its parameters train) has a backward block under a header.
        var blocks = OpHeader.Matches(source).Select(m => (Kind: m.Groups[1].Value, Text: m.Value.Trim().Substring(4 + m.Groups[1].Value.Length))).ToList();
        var forwardBlocks = blocks.Where(b => b.Kind != "backward").Select(b => b.Text).ToHashSet();
        var backwardBlocks = blocks.Where(b => b.Kind == "backward").Select(b => b.Text).ToHashSet();
        foreach (var b in backwardBlocks)
            Assert.True(forwardBlocks.Contains(b), $"{hint}: backward block '{b}' has no forward block");
        if (blocks.Any(b => b.Kind == "loss"))
            foreach (var f in forwardBlocks.Where(f => f.StartsWith("Linear ", StringComparison.Ordinal)))
                Assert.True(backwardBlocks.Contains(f), $"{hint}: layer '{f}' has no backward block header");

        // Parameter initializers: "// blocks.0.up.weight (line 10)" or "(Block.cs, line 10)" point at the field's declaration.
        var inits = Regex.Matches(source, @"(Initializers\.Fill|CopyTo)\(.*// (?<name>[\w.]+) \((?:(?<file>[^,\s]+\.cs), )?line (?<line>\d+)\)\s*$", RegexOptions.Multiline);
        int fills = Regex.Matches(source, @"(Initializers\.Fill\(|\}\.CopyTo\(parameters)").Count;
        Assert.True(inits.Count == fills, $"{hint}: {fills} parameter initializers, {inits.Count} with a definition line");
        foreach (Match m in inits)
        {
            var segments = m.Groups["name"].Value.Split('.').Where(s => !s.All(char.IsDigit)).ToList();
            // The field is the last segment, or the one before for a layer's weight/bias (PyTorch's names), or two before
            // for an attention layer's out_proj.weight.
            var candidates = new List<string> { segments[^1] };
            if (segments.Count > 1 && (segments[^1].StartsWith("weight", StringComparison.Ordinal) || segments[^1].StartsWith("bias", StringComparison.Ordinal)
                    || segments[^1].EndsWith("_proj_weight", StringComparison.Ordinal) || segments[^1] == "in_proj_bias"))
                candidates.Add(segments[^2]);   // weight, bias, a recurrent layer's weight_ih_l0, an attention's in_proj_weight
            if (segments.Count > 2 && segments[^2] == "out_proj") candidates.Add(segments[^3]);
            int line = int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture);
            var lines = Lookup(m.Groups["file"].Value).ReplaceLineEndings("\n").Split('\n');
            Assert.InRange(line, 1, lines.Length);
            string text = Regex.Replace(lines[line - 1], @"\[.*?\]\s*", " ");   // the attributes are not the field's name
            Assert.True(candidates.Any(c => Regex.IsMatch(text, $@"\b{Regex.Escape(c)}\b\s*(,|;|=)")),
                $"{hint}: '{m.Value.Trim()}' points at line {line}, which does not declare {string.Join(" or ", candidates)}: {lines[line - 1].Trim()}");
        }

        // Constants written into the workspace by the constructor: "_values[240] = 0.5f; // constant, line 32: Relu(-h) * 0.5f".
        foreach (Match m in Regex.Matches(source, @"_values\[[^\n]*\] = [^\n]*; // constant(?<where>.*)$", RegexOptions.Multiline))
        {
            var c = Regex.Match(m.Groups["where"].Value, @"^, (?:(?<file>[^,\s]+\.cs), )?line (?<line>\d+): (?<expr>.+)$");
            Assert.True(c.Success, $"{hint}: constant without a definition line: {m.Value.Trim()}");
            var (rest, first) = From(Lookup(c.Groups["file"].Value), int.Parse(c.Groups["line"].Value, CultureInfo.InvariantCulture));
            int at = rest.IndexOf(c.Groups["expr"].Value.Trim().TrimEnd('.'), StringComparison.Ordinal);
            Assert.True(at >= 0 && at < first, $"{hint}: '{m.Value.Trim()}' is not on its line: {rest.Substring(0, Math.Min(first, rest.Length))}");
        }
        return headerLines.Count;
    }

    /// <summary>The file holding the [Forward] method of network <paramref name="name"/>.</summary>
    private static string HomeFile(Build build, string name) =>
        build.UserTrees.Single(t => t.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>()
            .Any(c => c.Identifier.Text == name && c.Members.OfType<MethodDeclarationSyntax>()
                .Any(m => m.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString() == "Forward")))).FilePath;

    [Fact]
    public void EveryZooOpBlockHeaderAndParameterCommentPointsAtItsDefinitionLine()
    {
        var zoo = Zoo.Value;
        var byName = ZooFiles.Value.GroupBy(f => Path.GetFileName(f.Path)).ToDictionary(g => g.Key, g => g.Single().Text);
        int networks = 0;
        foreach (var (ns, name, network) in DeclaredClasses(zoo.UserTrees).Where(c => c.Network))
        {
            string hint = HintName(ns, name);
            int headers = AssertCommentsPointAtTheDefinition(hint, zoo.Source(hint), HomeFile(zoo, name), byName);
            Assert.True(headers >= 2, $"{hint}: {headers} block headers");
            networks++;
        }
        Assert.True(networks >= 8, $"{networks} zoo networks");
    }

    /// <summary>A module declared in another file than the network: the headers of its inlined blocks, and its
    /// parameters' comments, name that file.</summary>
    [Fact]
    public void CommentsNameTheModuleFileWhenTheModuleIsDeclaredElsewhere()
    {
        const string block = """
            using NetCompiler;
            using static NetCompiler.Ops;

            namespace Files;

            /// <summary>A residual block.</summary>
            [Module]
            public partial class Block
            {
                [Dense(8, 8)]
                Dense inner;

                /// <summary>The block.</summary>
                /// <param name="x">Its input.</param>
                /// <returns>Its output.</returns>
                [Forward]
                public Tensor Forward(Tensor x) =>
                    x + Tanh(inner.Forward(x));
            }
            """;
        const string net = """
            using NetCompiler;
            using static NetCompiler.Ops;

            namespace Files;

            /// <summary>Two blocks.</summary>
            [Network]
            public partial class Stack
            {
                [Repeat(2)] Block[] blocks;
                [Dense(8, 1)] Dense head;

                [Forward]
                Tensor Forward([Shape(8)] Tensor x)
                {
                    foreach (var b in blocks) x = b.Forward(x);
                    return Sigmoid(head.Forward(x * 0.5f));
                }

                [Loss] static Tensor Loss(Tensor y, Tensor t) => BinaryCrossEntropy(y, t);
            }
            """;
        var build = Compile(new[] { (block, "src/Block.cs"), (net, "src/Stack.cs") });
        Assert.True(build.Reported.Count == 0, string.Join("\n", build.Reported));
        string source = build.Source("Files.Stack.g.cs");
        AssertCommentsPointAtTheDefinition("Files.Stack.g.cs", source, "src/Stack.cs",
            new Dictionary<string, string> { ["Block.cs"] = block, ["Stack.cs"] = net });
        Assert.Contains("Block.cs, line 18: x + Tanh(inner.Forward(x))", source);
        Assert.Contains("// blocks.1.inner.weight (Block.cs, line 11)", source);
        Assert.Contains("// head.weight (line 11)", source);
        Assert.Matches(@"// forward Linear 'head'[^\n]* -> \[1\], line 17: head\.Forward\(x \* 0\.5f\)", source);
        Assert.Contains("// constant, line 17: x * 0.5f", source);
    }

    // ------------------------------------------------------------------ XML docs and warnings

    /// <summary>Every public or protected member declared in a generated file has an XML doc comment with a summary
    /// (explicit interface implementations are private and inherit the interface's documentation).</summary>
    private static void AssertGeneratedMembersDocumented(Build build)
    {
        int checkedMembers = 0;
        foreach (var tree in build.Result.GeneratedTrees)
        {
            var model = build.Output.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot().DescendantNodes().OfType<MemberDeclarationSyntax>())
            {
                if (node is BaseNamespaceDeclarationSyntax) continue;
                var symbols = node is BaseFieldDeclarationSyntax field
                    ? field.Declaration.Variables.Select(v => model.GetDeclaredSymbol(v)).ToList()
                    : new List<ISymbol?> { model.GetDeclaredSymbol(node) };
                foreach (var symbol in symbols)
                {
                    Assert.NotNull(symbol);
                    if (symbol!.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal)) continue;
                    string hint = Path.GetFileName(tree.FilePath);
                    var trivia = node.GetLeadingTrivia().Select(t => t.GetStructure()).OfType<DocumentationCommentTriviaSyntax>().ToList();
                    Assert.True(trivia.Count == 1, $"{hint}: {symbol.ToDisplayString()} has no XML doc comment");
                    string xml = trivia[0].ToFullString();
                    Assert.True(node is TypeDeclarationSyntax ? xml.Contains("<remarks>", StringComparison.Ordinal) : xml.Contains("<summary>", StringComparison.Ordinal),
                        $"{hint}: {symbol.ToDisplayString()}'s doc comment has no {(node is TypeDeclarationSyntax ? "remarks" : "summary")}: {xml}");
                    checkedMembers++;
                }
            }
        }
        Assert.True(checkedMembers > 0);
    }

    /// <summary>The whole zoo: no warning at all from the generated code (documentation diagnosed, nullable, every
    /// warning wave), no warning pragma in it, every public generated member documented; and in the user's files
    /// nothing but their own missing docs (CS1591: the zoo does not build a documentation file), in particular no
    /// CS8618/CS0649/CS0169 on the layer fields the generated constructor assigns.</summary>
    [Fact]
    public void ZooGeneratedCodeIsDocumentedAndWarningFree()
    {
        var zoo = Zoo.Value;
        var inGenerated = zoo.Reported.Where(d => zoo.IsGenerated(d.Location.SourceTree)).ToList();
        Assert.True(inGenerated.Count == 0, "in generated code:\n" + string.Join("\n", inGenerated));
        var inUser = zoo.Reported.Where(d => !zoo.IsGenerated(d.Location.SourceTree) && d.Id != "CS1591").ToList();
        Assert.True(inUser.Count == 0, "in the definitions:\n" + string.Join("\n", inUser));
        foreach (var s in zoo.Sources)
            Assert.DoesNotContain("#pragma warning", s.SourceText.ToString());
        AssertGeneratedMembersDocumented(zoo);
    }

    /// <summary>The zoo as the definitions project builds it (no documentation file), with warnings as errors: no
    /// diagnostic at all, user or generated.</summary>
    [Fact]
    public void ZooBuildsWithNullableAndWarningsAsErrors()
    {
        var build = Compile(ZooFiles.Value, warningsAsErrors: true, documentation: DocumentationMode.Parse);
        Assert.True(build.Reported.Count == 0, string.Join("\n", build.Reported));
        Assert.Equal(DeclaredClasses(build.UserTrees).Count, build.Sources.Count());
    }

    public static TheoryData<string> VariedDefinitions => new()
    {
        // Per-sample, the usual field style (no "= null!", no constructor of its own), an undocumented class.
        """
        [Network]
        public partial class PerSample
        {
            [Dense(2, 4)] Dense hidden;
            [Dense(4, 1)] Dense output;

            [Forward] Tensor Forward([Shape(2)] Tensor x) => Sigmoid(output.Forward(Tanh(hidden.Forward(x))));
            [Loss] static Tensor Loss(Tensor y, Tensor target) => BinaryCrossEntropy(y, target);
        }
        """,
        // Tiled (a layer large enough for the tile GEMM), [Param] tensors, a constant and no bias.
        """
        /// <summary>Tiled.</summary>
        [Network]
        public partial class Tiled
        {
            [Dense(100, 40)] Dense l0;
            [Dense(40, 3, Bias = false)] Dense l1;
            [Param(3)] Tensor shift;

            [Forward] Tensor Forward([Shape(100)] Tensor x) => l1.Forward(Gelu(l0.Forward(x))) * 0.5f + shift;
            [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
        }
        """,
        // Modules with [Repeat], a module inside a module, class-index cross-entropy.
        """
        /// <summary>Inner.</summary>
        [Module]
        public partial class Inner
        {
            [Dense(8, 8)] Dense layer;
            /// <summary>Forward.</summary>
            /// <param name="x">Input.</param>
            /// <returns>Output.</returns>
            [Forward] public Tensor Forward(Tensor x) => Relu(layer.Forward(x));
        }

        /// <summary>Outer.</summary>
        [Module]
        public partial class Outer
        {
            [Repeat(2)] Inner[] inners;
            [Param(8, Init = Init.Ones)] Tensor gate;
            /// <summary>Forward.</summary>
            /// <param name="x">Input.</param>
            /// <returns>Output.</returns>
            [Forward] public Tensor Forward(Tensor x)
            {
                var h = x;
                foreach (var inner in inners) h = inner.Forward(h);
                return x + h * gate;
            }
        }

        /// <summary>Modules.</summary>
        [Network]
        public partial class Modules
        {
            [Dense(4, 8)] Dense input;
            [Repeat(3)] Outer[] blocks;
            [Dense(8, 3)] Dense head;

            [Forward]
            Tensor Forward([Shape(4)] Tensor x)
            {
                var h = input.Forward(x);
                for (int i = 0; i < 3; i++) h = blocks[i].Forward(h);
                return head.Forward(h);
            }

            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }
        """,
        // Rank-2 attention-like shapes, internal class, no loss (inference only).
        """
        /// <summary>No loss.</summary>
        [Network]
        internal partial class InferenceOnly
        {
            [Param(6, 6)] Tensor wq;
            [Param(6, 6)] Tensor wk;

            [Forward]
            Tensor Forward([Shape(4, 6)] Tensor x) => Softmax(MatMul(MatMul(x, wq), Transpose(MatMul(x, wk))));
        }
        """,
    };

    /// <summary>Definitions in the usual style, with every member the user writes documented: under
    /// TreatWarningsAsErrors semantics (every warning an error), nullable enabled, warning level 9999 and
    /// documentation diagnosed, nothing is reported at all, so CS1591 and every other warning from the generated code
    /// would fail the build.</summary>
    [Theory]
    [MemberData(nameof(VariedDefinitions))]
    public void VariedDefinitionsBuildWithDocsNullableAndWarningsAsErrors(string definition)
    {
        string source = "using NetCompiler;\nusing static NetCompiler.Ops;\n\nnamespace Varied;\n\n" + definition;
        var build = Compile(new[] { (source, "Varied.cs") }, warningsAsErrors: true);
        Assert.True(build.Reported.Count == 0, string.Join("\n", build.Reported));
        Assert.NotEmpty(build.Sources);
        AssertOneFilePerClassNamedAfterIt(build);
        AssertGeneratedMembersDocumented(build);
        var byName = new Dictionary<string, string> { ["Varied.cs"] = source };
        foreach (var (ns, name, _) in DeclaredClasses(build.UserTrees).Where(c => c.Network))
            AssertCommentsPointAtTheDefinition(name, build.Source(HintName(ns, name)), "Varied.cs", byName);
    }
}
