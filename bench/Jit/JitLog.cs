using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace NetCompiler.Bench;

/// <summary>One compilation from the JIT's <c>DOTNET_JitDisasmSummary=1</c> log: a line such as
/// <c>  29: JIT compiled NetCompiler.Definitions.Seeds.Seed000Net:ForwardSample(byref,byref,byref) [FullOpts, IL size=184, code size=224]</c>.</summary>
/// <param name="Method">Type:Method(signature), generic arguments in brackets, as the JIT prints it.</param>
/// <param name="Tier">What the JIT made of it: <c>Tier0</c>, <c>Instrumented Tier0</c>, <c>Tier1</c>,
/// <c>Tier1-OSR</c>, <c>FullOpts</c> (AggressiveOptimization, or tiering off), <c>Tier-0 switched to FullOpts</c>
/// (loops where OSR cannot go), <c>MinOpts</c>, <c>Tier-0 switched MinOpts</c> (the method is over the JIT's size
/// limits); without the " @0x.." OSR offset and " with ... PGO" suffix.</param>
/// <param name="IlSize">IL bytes.</param>
/// <param name="CodeSize">Machine-code bytes.</param>
internal sealed record JitCompilation(string Method, string Tier, int IlSize, int CodeSize)
{
    private static readonly Regex s_line = new(
        @"^\s*\d+: JIT compiled (?<method>.+) \[(?<tier>[^\]]*?), IL size=(?<il>\d+), code size=(?<code>\d+)\]\s*$",
        RegexOptions.CultureInvariant);

    /// <summary>The compilations in a log, in order; other lines (assembly listings) are skipped.</summary>
    public static List<JitCompilation> Parse(IEnumerable<string> lines)
    {
        var result = new List<JitCompilation>();
        foreach (var line in lines)
        {
            var m = s_line.Match(line);
            if (!m.Success) continue;
            string tier = m.Groups["tier"].Value;
            int cut = tier.IndexOf(" with ", StringComparison.Ordinal);
            if (cut >= 0) tier = tier[..cut];
            cut = tier.IndexOf(" @", StringComparison.Ordinal);
            if (cut >= 0) tier = tier[..cut];
            result.Add(new JitCompilation(m.Groups["method"].Value, tier,
                int.Parse(m.Groups["il"].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups["code"].Value, CultureInfo.InvariantCulture)));
        }
        return result;
    }
}

/// <summary>How a method ended up compiled, from all its compilations in one run.</summary>
internal enum JitVerdict
{
    /// <summary>Optimized code exists: FullOpts, Tier1 or tier 0 switched to FullOpts.</summary>
    Optimized,

    /// <summary>Compiled with MinOpts at least once: unoptimized code that never tiers up.</summary>
    MinOpts,

    /// <summary>Only tier-0 code (maybe with OSR for a loop): it ran unoptimized for the whole run.</summary>
    Unoptimized,
}

/// <summary>Every compilation of one method, and the verdict.</summary>
/// <param name="Method">As the JIT prints it.</param>
/// <param name="Compilations">In the order they happened.</param>
internal sealed record JitMethod(string Method, IReadOnlyList<JitCompilation> Compilations)
{
    private static readonly string[] s_optimizedTiers = ["FullOpts", "Tier1", "Instrumented Tier1", "Tier-0 switched to FullOpts"];

    /// <summary>The verdict; MinOpts anywhere wins, since that code ran.</summary>
    public JitVerdict Verdict =>
        Compilations.Any(c => c.Tier.Contains("MinOpts", StringComparison.Ordinal)) ? JitVerdict.MinOpts
        : Compilations.Any(c => s_optimizedTiers.Contains(c.Tier)) ? JitVerdict.Optimized
        : JitVerdict.Unoptimized;

    /// <summary>The tiers in order, e.g. "Tier0 -> Tier1-OSR -> Tier1".</summary>
    public string Tiers => string.Join(" -> ", Compilations.Select(c => c.Tier));

    /// <summary>The method without namespaces, e.g. <c>TileGemm:DotRows[Float512](byref,int,...)</c>.</summary>
    public string ShortName => Regex.Replace(Method, @"(?:[A-Za-z_][\w`]*\.)+(?=[A-Za-z_])", "");

    /// <summary>Groups <paramref name="compilations"/> by method, in order of first compilation.</summary>
    public static List<JitMethod> Group(IEnumerable<JitCompilation> compilations) =>
        compilations.GroupBy(c => c.Method).Select(g => new JitMethod(g.Key, g.ToList())).ToList();
}

/// <summary>A call, in a method's optimized code, to a register helper the kernels expect inlined: a
/// <c>Float512</c>/<c>Float256</c>/<c>Float1</c> operation or a <c>SimdMath</c>/<c>ScalarMath</c> function. The JIT
/// leaves such a call when the caller has used up its inlining budget (a kernel that inlined too many blocks), and the
/// call then costs more than the operation it wraps.</summary>
/// <param name="Method">The caller, as the JIT prints it.</param>
/// <param name="Callee">The helper called.</param>
internal sealed record JitOutOfLineCall(string Method, string Callee)
{
    private static readonly Regex s_header = new(@"^; Assembly listing for method (?<method>.+) \((?<tier>[^()]*)\)\s*$", RegexOptions.CultureInvariant);
    private static readonly Regex s_call = new(
        @"^\s+call\s+\[(?<callee>NetCompiler\.(?:Float512|Float256|Float1|SimdMath|ScalarMath):[^\]]+)\]", RegexOptions.CultureInvariant);

    /// <summary>The helper calls in the optimized listings of a <c>DOTNET_JitDisasm</c> log (tier-0 code inlines
    /// nothing, so its listings are skipped); each caller and callee once.</summary>
    public static List<JitOutOfLineCall> Parse(IEnumerable<string> lines)
    {
        var result = new List<JitOutOfLineCall>();
        string? method = null;
        foreach (var line in lines)
        {
            var header = s_header.Match(line);
            if (header.Success)
            {
                string tier = header.Groups["tier"].Value;
                method = tier.StartsWith("Tier1", StringComparison.Ordinal) || tier.StartsWith("Instrumented Tier1", StringComparison.Ordinal)
                    || tier == "FullOpts" ? header.Groups["method"].Value : null;
                continue;
            }
            if (method is null) continue;
            var call = s_call.Match(line);
            if (call.Success && !result.Contains(new JitOutOfLineCall(method, call.Groups["callee"].Value)))
                result.Add(new JitOutOfLineCall(method, call.Groups["callee"].Value));
        }
        return result;
    }
}

