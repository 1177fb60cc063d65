using System.Collections.Generic;

namespace NetCompiler.Tests.TestSupport;

/// <summary>RyuJIT compiles a method with MinOpts (no inlining, no register allocation worth the name, no loop
/// optimizations) instead of optimizing it when it is bigger than any of these, even when it is marked
/// <c>AggressiveOptimization</c>. DESIGN.md ("MinOpts / AggressiveOptimization") lists the first four; the fifth is
/// the JIT's <c>DEFAULT_MIN_OPTS_LV_REF_COUNT</c>, next to the others in its source (compiler.h). The JIT counts
/// the method's own IL, before inlining.</summary>
internal static class JitLimits
{
    /// <summary>Bytes of IL.</summary>
    public const int IlBytes = 60_000;

    /// <summary>IL instructions.</summary>
    public const int Instructions = 20_000;

    /// <summary>Basic blocks.</summary>
    public const int BasicBlocks = 2_000;

    /// <summary>Local variables (arguments and IL locals; the JIT's own temporaries come on top).</summary>
    public const int Locals = 2_000;

    /// <summary>References to locals and arguments.</summary>
    public const int LocalReferences = 8_000;

    /// <summary>Hot methods must stay below this fraction of every limit: the JIT adds temporaries of its own, and a
    /// definition somewhat larger than the zoo's must still compile optimized.</summary>
    public const double Headroom = 0.5;

    /// <summary>Each count of <paramref name="s"/> at or above <see cref="Headroom"/> of its limit, as
    /// "IL bytes 31,000 (MinOpts above 60,000)"; empty when the method is small enough.</summary>
    public static List<string> OverHeadroom(IlStatistics s)
    {
        var over = new List<string>();
        void Check(string what, int value, int limit)
        {
            if (value >= limit * Headroom) over.Add($"{what} {value:N0} (MinOpts above {limit:N0})");
        }
        Check("IL bytes", s.IlBytes, IlBytes);
        Check("IL instructions", s.Instructions, Instructions);
        Check("basic blocks", s.BasicBlocks, BasicBlocks);
        Check("locals", s.Locals, Locals);
        Check("local references", s.LocalReferences, LocalReferences);
        return over;
    }
}
