using System;
using System.Collections.Generic;
using System.Linq;

namespace NetCompiler.Generator.Lowering;

/// <summary>One buffer of an element-wise loop with suffix broadcasting: its name (a <c>ref float</c>) and its number of
/// elements, which divides the loop's size (its shape is a suffix of the output's, so element i of the output reads
/// its element i mod <see cref="Size"/>).</summary>
internal readonly struct BroadcastOperand
{
    public BroadcastOperand(string buffer, int size) { Buffer = buffer; Size = size; }

    public string Buffer { get; }
    public int Size { get; }
}

/// <summary>Element-wise loops over several operands, each the output's shape or a suffix of it (the broadcasting rule of
/// the element-wise ops): the output is walked in runs as long as the smallest operand that is not a single value, so
/// that within a run every operand is either contiguous or one repeated value. Used by the binary math ops
/// (Div, Maximum, Minimum) and Where, forward and backward.</summary>
internal static class BroadcastLoops
{
    /// <summary>Writes <paramref name="body"/> once per run of the <paramref name="size"/> output elements (once in all
    /// when no operand is smaller than the output but single values). The body gets, per operand, the name of the
    /// <c>ref float</c> at the run's first element (or of a float local holding a single value), whether it is that
    /// single value (load it with <see cref="IsaText.Broadcast"/>, not per element), and the run's length. Writing into
    /// an operand smaller than the output with <c>+=</c> adds up the elements repeated over it, which is the
    /// gradient of a broadcast operand.</summary>
    /// <summary>Adds d loss / d operand into <paramref name="gradient"/> (an operand of <paramref name="operandSize"/>
    /// elements) from the per-element <paramref name="share"/> of the output's gradient, read through
    /// <paramref name="operands"/>: summed in one reduction when the operand is a single value broadcast over the output,
    /// else accumulated per run (which sums the elements repeated over a smaller operand).</summary>
    /// <param name="sum">A name for the reduction's local, unique in the method.</param>
    public static void AddGradient(KernelContext c, int size, List<BroadcastOperand> operands, string gradient, int operandSize,
        string sum, Func<Isa, string[], bool[], string, string> share)
    {
        if (operandSize == 1 && size > 1)
        {
            Runs(c, size, operands, (n, single, run) =>
            {
                VectorLoops.Reduce(c.W, run, sum, (isa, i, acc) => $"{acc} + {share(isa, n, single, i)}");
                c.W.Line($"{gradient} += {sum};");
            });
            return;
        }
        operands.Add(new BroadcastOperand(gradient, operandSize));
        int target = operands.Count - 1;
        Runs(c, size, operands, (n, single, run) => VectorLoops.Map(c.W, run, n[target], true, (isa, i) => share(isa, n, single, i)));
    }

    public static void Runs(KernelContext c, int size, IReadOnlyList<BroadcastOperand> operands, Action<string[], bool[], int> body)
    {
        var w = c.W;
        int run = operands.Where(o => o.Size > 1).Select(o => o.Size).DefaultIfEmpty(size).Min();
        var names = new string[operands.Count];
        var single = new bool[operands.Count];
        var declared = new Dictionary<string, string>();
        w.Open("");
        // A single value repeated over a longer output is read once, into a local.
        for (int k = 0; k < operands.Count; k++)
        {
            var o = operands[k];
            if (o.Size != 1 || size == 1) continue;
            single[k] = true;
            string key = o.Buffer + "#1";
            if (!declared.TryGetValue(key, out string? local))
            {
                local = "s_" + o.Buffer;
                declared[key] = local;
                w.Line($"float {local} = {o.Buffer};");
            }
            names[k] = local;
        }
        if (run == size)
        {
            for (int k = 0; k < operands.Count; k++) if (!single[k]) names[k] = operands[k].Buffer;
            body(names, single, run);
            w.Close();
            return;
        }
        int runs = size / run;
        w.Open($"for (int r = 0; r < {runs}; r++)   // runs of {run}");
        for (int k = 0; k < operands.Count; k++)
        {
            if (single[k]) continue;
            var o = operands[k];
            if (o.Size == run) { names[k] = o.Buffer; continue; }   // the same elements in every run
            string key = o.Buffer + "#" + o.Size;
            if (!declared.TryGetValue(key, out string? row))
            {
                row = o.Buffer + "Run";
                declared[key] = row;
                // Run r of the output reads run r mod (size / run) of a broadcast operand.
                string offset = o.Size == size ? $"r * {run}" : $"r % {o.Size / run} * {run}";
                w.Line($"ref float {row} = ref Unsafe.Add(ref {o.Buffer}, {offset});");
            }
            names[k] = row;
        }
        body(names, single, run);
        w.Close();
        w.Close();
    }

    /// <summary>Element <paramref name="index"/> of an operand at a width: a load, or the broadcast single value.</summary>
    public static string Read(Isa isa, string name, bool single, string index) =>
        single ? isa.Broadcast(name) : isa.Load(name, index);
}
