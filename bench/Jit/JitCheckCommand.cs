using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace NetCompiler.Bench;

/// <summary>The <c>jit-check</c> command: proof from the JIT itself that the hot kernels run as optimized code. It
/// runs <see cref="JitCheckWorkloads"/> in a child process with <c>DOTNET_JitDisasmSummary=1</c> and
/// <c>DOTNET_JitStdOutFile</c>, which make the JIT write one line per compilation with its tier, reads that log,
/// prints a table of the generated kernels and the runtime's TileGemm/SimdMath methods that were compiled, and
/// exits with 1 when one of them was compiled with MinOpts (too big for the JIT, or MinOpts forced), never got
/// past tier 0, or (from the listings <c>DOTNET_JitDisasm=*</c> adds to the log) calls a register helper
/// (<c>Float512.MultiplyAdd</c>, <c>SimdMath.Exp</c>, ...) out of line in its optimized code. <c>--minopts</c> forces MinOpts in the child (<c>DOTNET_JITMinOpts=1</c>) to show the check failing;
/// <c>--log FILE</c> keeps the JIT's log.</summary>
internal static class JitCheckCommand
{
    /// <summary>Generated per-sample and per-tile kernels of the zoo's networks (training and inference), and a decoder's
    /// encode and decode steps (and the parts of a kernel split for size).</summary>
    private static readonly Regex s_generatedKernel =
        new(@"^NetCompiler\.Definitions\.[\w.]+:((Forward|Loss|Backward|Infer)(Sample|Tile)|EncodeStep|DecodeStep|DecodeStepRow)(Part\d+)?\(", RegexOptions.CultureInvariant);

    /// <summary>The kernels the workloads must have compiled; a log without them means the check saw nothing.</summary>
    private static readonly string[] s_mustRun =
    [
        "Seed000Net:ForwardSample", "Seed000Net:LossSample", "Seed000Net:BackwardSample",
        "Seed001MnistNet:ForwardTile", "Seed001MnistNet:LossTile", "Seed001MnistNet:BackwardTile",
        "WideMlpNet:ForwardTile", "WideMlpNet:LossTile", "WideMlpNet:BackwardTile",
        "TileGemm:Forward(", "TileGemm:BackwardInput(", "TileGemm:BackwardWeights(",
        "LeNet5:ForwardTile", "LeNet5:LossTile", "LeNet5:BackwardTile", "ResNetSmall:ForwardTile", "ResNetSmall:BackwardTile",
        "ConvolutionGemm:Forward(", "ConvolutionGemm:BackwardInput(", "ConvolutionGemm:BackwardWeights(", "ConvGeometry:Im2Col(",
        "ConvGeometry:GatherColumns[", "MaxPooling:",   // Rows, or Stride2Rows with AVX-512
        "T5Translator:ForwardTile", "T5Translator:LossTile", "T5Translator:BackwardTile", "T5Translator:InferTile",
        "T5Translator:EncodeStep", "T5Translator:DecodeStep", "T5Translator:DecodeStepRow", "ScaledDotProductAttention:Forward(", "ScaledDotProductAttention:Backward(",
        "AttentionDecode:Step(",
    ];

    public static int Run(ReadOnlySpan<string> args)
    {
        bool forceMinOpts = false;
        string? keepLog = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--child") return JitCheckWorkloads.Run();
            if (args[i] == "--minopts") forceMinOpts = true;
            else if (args[i] == "--log" && i + 1 < args.Length) keepLog = args[++i];
            else
            {
                Console.Error.WriteLine("usage: jit-check [--minopts] [--log FILE]");
                return 2;
            }
        }

        string log = keepLog ?? Path.Combine(Path.GetTempPath(), $"netcompiler-jit-{Environment.ProcessId}.txt");
        File.Delete(log);   // the JIT appends to the file
        try
        {
            var start = SelfProcess.StartInfo(["jit-check", "--child"]);
            start.Environment["DOTNET_JitStdOutFile"] = log;
            start.Environment["DOTNET_JitDisasmSummary"] = "1";
            start.Environment["DOTNET_JitDisasm"] = "*";   // the listings, for helper calls left out of line
            // The JIT's setting is spelled JITMinOpts; DOTNET_ variable names are case-sensitive on Linux.
            if (forceMinOpts) start.Environment["DOTNET_JITMinOpts"] = "1";
            Console.Error.WriteLine($"jit-check: running the workloads in a child process{(forceMinOpts ? " with DOTNET_JITMinOpts=1" : "")}, JIT log {log}");
            int childExit = SelfProcess.Run(start);
            if (childExit != 0)
            {
                Console.Error.WriteLine($"jit-check: the child process failed (exit code {childExit}).");
                return 2;
            }
            if (!File.Exists(log))
            {
                Console.Error.WriteLine("jit-check: the JIT wrote no log (DOTNET_JitStdOutFile / DOTNET_JitDisasmSummary ignored?).");
                return 2;
            }
            return Report(JitMethod.Group(JitCompilation.Parse(File.ReadLines(log))), JitOutOfLineCall.Parse(File.ReadLines(log)), forceMinOpts);
        }
        finally
        {
            if (keepLog is null) File.Delete(log);
        }
    }

    /// <summary>Kernel methods: the generated ones, and TileGemm's and SimdMath's except constructors (which run
    /// once, so tier 0 is right for them).</summary>
    private static bool IsChecked(JitMethod m) =>
        !m.Method.Contains(":.ctor(", StringComparison.Ordinal) && !m.Method.Contains(":.cctor(", StringComparison.Ordinal) &&
        (s_generatedKernel.IsMatch(m.Method)
         || m.Method.StartsWith("NetCompiler.TileGemm:", StringComparison.Ordinal)
         || m.Method.StartsWith("NetCompiler.TileGemm+", StringComparison.Ordinal)
         || m.Method.StartsWith("NetCompiler.ConvolutionGemm", StringComparison.Ordinal)
         || m.Method.StartsWith("NetCompiler.ConvGeometry:", StringComparison.Ordinal)
         || m.Method.StartsWith("NetCompiler.MaxPooling:", StringComparison.Ordinal)
         || m.Method.StartsWith("NetCompiler.ScaledDotProductAttention", StringComparison.Ordinal)
         || m.Method.StartsWith("NetCompiler.AttentionDecode:", StringComparison.Ordinal)
         || m.Method.StartsWith("NetCompiler.SimdMath:", StringComparison.Ordinal));

    private static int Report(List<JitMethod> methods, List<JitOutOfLineCall> calls, bool forcedMinOpts)
    {
        var checkedMethods = methods.Where(IsChecked).OrderBy(m => m.ShortName, StringComparer.Ordinal).ToList();
        var rows = new List<string[]> { new[] { "method", "compiled as", "IL bytes", "code bytes", "verdict" } };
        foreach (var m in checkedMethods)
        {
            string verdict = m.Verdict switch
            {
                JitVerdict.Optimized => "ok",
                JitVerdict.MinOpts => "FAIL: MinOpts",
                _ => "FAIL: tier 0 only",
            };
            rows.Add([m.ShortName, m.Tiers, m.Compilations[^1].IlSize.ToString("N0"), m.Compilations[^1].CodeSize.ToString("N0"), verdict]);
        }
        Console.WriteLine($"jit-check{(forcedMinOpts ? " (child run with DOTNET_JITMinOpts=1)" : "")}: {Environment.Version}, " +
            $"Vector512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, Vector256 {System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}");
        Console.WriteLine();
        Console.Write(Table(rows));
        Console.WriteLine();

        var missing = s_mustRun.Where(name => !checkedMethods.Any(m => m.ShortName.Contains(name, StringComparison.Ordinal))).ToList();
        var failed = checkedMethods.Where(m => m.Verdict != JitVerdict.Optimized).ToList();
        var others = methods.Where(m => !IsChecked(m) && m.Method.StartsWith("NetCompiler.", StringComparison.Ordinal)).ToList();
        Console.WriteLine($"Checked {checkedMethods.Count} kernel methods (generated Forward/Loss/Backward/Infer Sample/Tile, EncodeStep, DecodeStep and DecodeStepRow, TileGemm, SimdMath, the convolution, max pooling and attention kernels) " +
            $"out of {methods.Count} methods the JIT compiled in the child. Not checked: {others.Count} other NetCompiler methods " +
            $"(entry points, optimizer, worker pool: they tier up normally; {others.Count(m => m.Verdict == JitVerdict.Optimized)} reached optimized code).");
        if (missing.Count > 0) Console.WriteLine($"FAIL: these kernels never ran, so the check proves nothing: {string.Join(", ", missing)}");
        if (failed.Count > 0)
            Console.WriteLine($"FAIL: {failed.Count} kernel methods ran unoptimized: {string.Join(", ", failed.Take(5).Select(m => m.ShortName))}"
                + (failed.Count > 5 ? $" and {failed.Count - 5} more (see the table)" : ""));
        // Without hardware intrinsics (the portable path) Vector128 is software and its helpers are calls by design.
        bool helpersChecked = System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated;
        var outOfLine = helpersChecked ? calls.Where(c => IsChecked(new JitMethod(c.Method, []))).ToList() : [];
        if (!helpersChecked) Console.WriteLine("Register helper calls not checked: no hardware intrinsics (the portable path).");
        if (outOfLine.Count > 0)
        {
            Console.WriteLine($"FAIL: {outOfLine.Count} calls of register helpers left out of line in optimized kernels (the caller ran out of inlining budget):");
            foreach (var c in outOfLine.Take(10)) Console.WriteLine($"  {new JitMethod(c.Method, []).ShortName} calls {new JitMethod(c.Callee, []).ShortName}");
        }
        bool ok = missing.Count == 0 && failed.Count == 0 && outOfLine.Count == 0;
        if (ok) Console.WriteLine("OK: every kernel that ran was compiled fully optimized (no MinOpts, no tier-0-only code), with its register helpers inlined.");
        return ok ? 0 : 1;
    }

    private static string Table(List<string[]> rows)
    {
        int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new System.Text.StringBuilder();
        for (int r = 0; r < rows.Count; r++)
        {
            text.Append("| ").AppendJoin(" | ", rows[r].Select((cell, c) => c is 2 or 3 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).AppendLine(" |");
            if (r == 0) text.Append("| ").AppendJoin(" | ", widths.Select((w, c) => c is 2 or 3 ? new string('-', w - 1) + ":" : new string('-', w))).AppendLine(" |");
        }
        return text.ToString();
    }
}
