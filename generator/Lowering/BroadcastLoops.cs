using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Emit;

namespace NetCompiler.Generator.Lowering;

/// <summary>One buffer of an element-wise loop with broadcasting: its name (a <c>ref float</c>) and its per-sample shape,
/// which broadcasts to the loop's (<see cref="Ops.Broadcasting"/>).</summary>
internal readonly struct BroadcastOperand
{
    public BroadcastOperand(string buffer, int[] shape)
    {
        Buffer = buffer; Shape = shape;
        int size = 1;
        foreach (int d in shape) size *= d;
        Size = size;
    }

    public string Buffer { get; }
    public int[] Shape { get; }
    public int Size { get; }
}

/// <summary>Element-wise loops over operands broadcast to the output's shape (the rule of the element-wise ops of several
/// operands): the body is written for one run of output elements along which every operand is either contiguous or one
/// repeated value. Two walks, chosen from the shapes. When every operand is the output's trailing dimensions (after its
/// leading 1s: same shape, a single value, a row repeated over leading dimensions), the output is walked in runs as long
/// as the smallest operand that is not a single value. Otherwise (a 1 inside an operand's shape, or operands that
/// broadcast each other, as <c>[T, 1] - [1, T]</c>) loops nest over the output's dimensions, merged where every operand
/// steps alike, with a constant stride per operand (0 along the dimensions it is repeated over); the innermost dimension
/// is the run. Used by + - * (for the second walk), Div, Maximum, Minimum and Where, forward and backward.</summary>
internal static class BroadcastLoops
{
    /// <summary>Whether every operand is, without its leading 1s, the trailing dimensions of <paramref name="shape"/>, so
    /// that output element i reads element i mod size of each and the runs of the first walk apply.</summary>
    public static bool Suffixed(int[] shape, params int[][] operands)
    {
        foreach (var o in operands)
        {
            int lead = 0;
            while (lead < o.Length && o[lead] == 1) lead++;
            if (o.Length - lead > shape.Length) return false;
            for (int k = 1; k <= o.Length - lead; k++)
                if (o[o.Length - k] != shape[shape.Length - k]) return false;
        }
        return true;
    }

    /// <summary>Writes <paramref name="body"/> once per run of the output of <paramref name="shape"/> (once in all when
    /// every operand is the output's shape or a single value). The body gets, per operand, the name of the <c>ref float</c>
    /// at the run's first element (or of a float local holding the value repeated along the run), whether it is that
    /// single value (load it with <see cref="IsaText.Broadcast"/>, not per element), and the run's length.</summary>
    public static void Runs(KernelContext c, int[] shape, IReadOnlyList<BroadcastOperand> operands, Action<string[], bool[], int> body) =>
        Walk(c, shape, operands, -1, body);

    /// <summary>Adds d loss / d operand into <paramref name="gradient"/> from the per-element <paramref name="share"/> of the
    /// output's gradient, read through <paramref name="operands"/>: accumulated with <c>+=</c> along a run where the
    /// gradient is contiguous (which sums the elements of an operand repeated over outer dimensions), and summed in one
    /// reduction where it is one element repeated along the run.</summary>
    /// <param name="sum">A name for the reduction's local, unique in the method.</param>
    public static void AddGradient(KernelContext c, int[] shape, List<BroadcastOperand> operands, BroadcastOperand gradient,
        string sum, Func<Isa, string[], bool[], string, string> share)
    {
        operands.Add(gradient);
        int target = operands.Count - 1;
        Walk(c, shape, operands, target, (n, single, run) =>
        {
            if (!single[target])
            {
                VectorLoops.Map(c.W, run, n[target], true, (isa, i) => share(isa, n, single, i));
                return;
            }
            VectorLoops.Reduce(c.W, run, sum, (isa, i, acc) => $"{acc} + {share(isa, n, single, i)}");
            c.W.Line($"{n[target]} += {sum};");
        });
    }

    /// <summary>Element <paramref name="index"/> of an operand at a width: a load, or the broadcast single value.</summary>
    public static string Read(Isa isa, string name, bool single, string index) =>
        single ? isa.Broadcast(name) : isa.Load(name, index);

    /// <summary>Either walk; operand <paramref name="target"/> (-1: none) is written, so it is named by a <c>ref float</c>
    /// even where it is a single value.</summary>
    private static void Walk(KernelContext c, int[] shape, IReadOnlyList<BroadcastOperand> operands, int target, Action<string[], bool[], int> body)
    {
        var names = new Names(operands.Count);
        c.W.Open("");
        int size = 1;
        foreach (int d in shape) size *= d;
        // A single value repeated over a longer output is read once, into a local.
        for (int k = 0; k < operands.Count; k++)
        {
            var o = operands[k];
            if (o.Size != 1 || size == 1) continue;
            names.Single[k] = true;
            names.Name[k] = k == target ? o.Buffer : names.Declare(c.W, o.Buffer + "#1", "s_" + o.Buffer, n => $"float {n} = {o.Buffer};");
        }
        if (Suffixed(shape, operands.Select(o => o.Shape).ToArray())) RunLoops(c, size, operands, names, body);
        else NestedLoops(c, shape, operands, target, names, body);
        c.W.Close();
    }

    private static void RunLoops(KernelContext c, int size, IReadOnlyList<BroadcastOperand> operands, Names names, Action<string[], bool[], int> body)
    {
        var w = c.W;
        int run = operands.Where(o => o.Size > 1).Select(o => o.Size).DefaultIfEmpty(size).Min();
        if (run == size)
        {
            for (int k = 0; k < operands.Count; k++) if (!names.Single[k]) names.Name[k] = operands[k].Buffer;
            body(names.Name, names.Single, run);
            return;
        }
        w.Open($"for (int r = 0; r < {size / run}; r++)   // runs of {run}");
        for (int k = 0; k < operands.Count; k++)
        {
            if (names.Single[k]) continue;
            var o = operands[k];
            if (o.Size == run) { names.Name[k] = o.Buffer; continue; }   // the same elements in every run
            // Run r of the output reads run r mod (size / run) of a broadcast operand.
            string offset = o.Size == size ? $"r * {run}" : $"r % {o.Size / run} * {run}";
            names.Name[k] = names.Declare(w, o.Buffer + "#" + o.Size, o.Buffer + "Run", n => $"ref float {n} = ref Unsafe.Add(ref {o.Buffer}, {offset});");
        }
        body(names.Name, names.Single, run);
        w.Close();
    }

    /// <summary>Loops over the output's merged dimensions but the last, which is the run: an operand's stride along it is
    /// 1 (it has that dimension) or 0 (it is repeated along it, a single value per run).</summary>
    private static void NestedLoops(KernelContext c, int[] shape, IReadOnlyList<BroadcastOperand> operands, int target, Names names,
        Action<string[], bool[], int> body)
    {
        var w = c.W;
        var (dims, strides) = StridedCopy.Merge(shape, operands.Select(o => Strides(o.Shape, shape)).ToArray());
        int loops = dims.Length - 1, run = dims[loops];
        for (int k = 0; k < loops; k++)
            w.Open($"for (int i{k} = 0; i{k} < {dims[k]}; i{k}++)" + (k == 0 ? $"   // {string.Join(" x ", dims.Take(loops))} runs of {run}" : ""));
        for (int k = 0; k < operands.Count; k++)
        {
            if (names.Single[k]) continue;
            var o = operands[k];
            string offset = StridedCopy.Index(strides[k], 0, loops);
            names.Single[k] = strides[k][loops] == 0;
            if (names.Single[k] && k != target)
                names.Name[k] = names.Declare(w, o.Buffer + "=" + string.Join(",", strides[k]), o.Buffer + "At",
                    n => $"float {n} = {IsaText.Elem(o.Buffer, offset)};");
            else if (offset == "0") names.Name[k] = o.Buffer;
            else
                names.Name[k] = names.Declare(w, o.Buffer + "&" + string.Join(",", strides[k]), o.Buffer + (names.Single[k] ? "At" : "Run"),
                    n => $"ref float {n} = ref Unsafe.Add(ref {o.Buffer}, {offset});");
        }
        body(names.Name, names.Single, run);
        for (int k = 0; k < loops; k++) w.Close();
    }

    /// <summary>An operand's strides along the output's dimensions: its own row-major strides, aligned at the last
    /// dimension, and 0 where it has 1 or no dimension.</summary>
    private static int[] Strides(int[] operand, int[] shape)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int k = 1; k <= operand.Length; k++)
        {
            int d = operand[operand.Length - k];
            strides[shape.Length - k] = d == 1 ? 0 : stride;
            stride *= d;
        }
        return strides;
    }

    /// <summary>The names the body reads each operand by, and the locals declared for them: one per distinct buffer and
    /// layout (x * x reads one), each name used once in the walk's block (two views of one buffer get two).</summary>
    private sealed class Names
    {
        private readonly Dictionary<string, string> _declared = new();
        private readonly HashSet<string> _taken = new();

        public Names(int count) { Name = new string[count]; Single = new bool[count]; }

        public string[] Name { get; }
        public bool[] Single { get; }

        public string Declare(SourceWriter w, string key, string name, Func<string, string> declaration)
        {
            if (_declared.TryGetValue(key, out string? existing)) return existing;
            string unique = name;
            for (int n = 2; !_taken.Add(unique); n++) unique = name + n;
            w.Line(declaration(unique));
            _declared[key] = unique;
            return unique;
        }
    }
}
