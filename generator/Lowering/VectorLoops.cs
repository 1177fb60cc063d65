using System;
using NetCompiler.Generator.Emit;

namespace NetCompiler.Generator.Lowering;

/// <summary>Emits loops over a constant number of floats with a Vector512 path, a Vector256 path and a portable
/// path. Short runs become straight-line scalar code. Every trip count and tail is a constant; on the Vector512 path a
/// tail of 8 or more floats takes one Vector256 step first.</summary>
internal static class VectorLoops
{
    /// <summary>Up to this many elements, a map is written as straight-line scalar statements.</summary>
    public const int StraightLineLimit = 8;

    /// <summary>out[i] = value(i) (or += when <paramref name="accumulate"/>) for i in [0, n).</summary>
    /// <param name="value">Expression of element(s) at an index, for a register width.</param>
    public static void Map(SourceWriter w, int n, string output, bool accumulate, Func<Isa, string, string> value)
    {
        if (n <= StraightLineLimit)
        {
            for (int k = 0; k < n; k++) w.Line(ScalarStore(output, SourceWriter.Int(k), accumulate, value(Isa.Scalar, SourceWriter.Int(k))));
            return;
        }
        bool first = true;
        foreach (var isa in new[] { Isa.V512, Isa.V256 })
        {
            int width = isa.Width(), full = n / width * width;
            if (full == 0) continue;
            w.Open($"{(first ? "if" : "else if")} ({isa.Vector()}.IsHardwareAccelerated)");
            first = false;
            string store(string index) => accumulate
                ? $"{isa.Vector()}.StoreUnsafe({isa.Load(output, index)} + {value(isa, index)}, ref {output}, (nuint)({index}));"
                : $"{isa.Vector()}.StoreUnsafe({value(isa, index)}, ref {output}, (nuint)({index}));";
            if (full == width) w.Line(store("0"));
            else
            {
                w.Open($"for (int i = 0; i < {full}; i += {width})");
                w.Line(store("i"));
                w.Close();
            }
            if (isa == Isa.V512 && n - full >= Isa.V256.Width())
            {
                // Half a register left: one Vector256 step before the scalar tail.
                string index = SourceWriter.Int(full);
                w.Line(accumulate
                    ? $"Vector256.StoreUnsafe({Isa.V256.Load(output, index)} + {value(Isa.V256, index)}, ref {output}, (nuint)({index}));"
                    : $"Vector256.StoreUnsafe({value(Isa.V256, index)}, ref {output}, (nuint)({index}));");
                full += Isa.V256.Width();
            }
            ScalarTail(w, full, n, output, accumulate, value);
            w.Close();
        }
        w.Open("else");
        w.Open($"for (int i = 0; i < {n}; i++)");
        w.Line(ScalarStore(output, "i", accumulate, value(Isa.Scalar, "i")));
        w.Close();
        w.Close();
    }

    /// <summary>Declares <c>float <paramref name="result"/></c> = the fold of <paramref name="step"/> over
    /// [0, n), where step(isa, index, accumulator) returns the updated accumulator expression.</summary>
    public static void Reduce(SourceWriter w, int n, string result, Func<Isa, string, string, string> step)
    {
        w.Line($"float {result} = 0f;");
        if (n <= StraightLineLimit)
        {
            for (int k = 0; k < n; k++) w.Line($"{result} = {step(Isa.Scalar, SourceWriter.Int(k), result)};");
            return;
        }
        bool first = true;
        foreach (var isa in new[] { Isa.V512, Isa.V256 })
        {
            int width = isa.Width(), vectors = n / width;
            if (vectors == 0) continue;
            w.Open($"{(first ? "if" : "else if")} ({isa.Vector()}.IsHardwareAccelerated)");
            first = false;
            int lanes = Math.Min(4, vectors);         // independent accumulators hide FMA latency
            int blocked = vectors / lanes * lanes * width;
            for (int a = 0; a < lanes; a++) w.Line($"var acc{a} = {isa.Zero()};");
            if (blocked == lanes * width)
                for (int a = 0; a < lanes; a++) w.Line($"acc{a} = {step(isa, SourceWriter.Int(a * width), "acc" + a)};");
            else
            {
                w.Open($"for (int i = 0; i < {blocked}; i += {lanes * width})");
                for (int a = 0; a < lanes; a++) w.Line($"acc{a} = {step(isa, IsaText.Plus("i", a * width), "acc" + a)};");
                w.Close();
            }
            for (int start = blocked; start + width <= n; start += width)
                w.Line($"acc0 = {step(isa, SourceWriter.Int(start), "acc0")};");
            string sum = lanes switch { 1 => "acc0", 2 => "acc0 + acc1", 3 => "acc0 + acc1 + acc2", _ => "(acc0 + acc1) + (acc2 + acc3)" };
            w.Line($"{result} = {isa.Vector()}.Sum({sum});");
            int tail = vectors * width;
            if (isa == Isa.V512 && n - tail >= Isa.V256.Width())
            {
                // Half a register left: its Vector256 partial sums, then the scalar tail.
                w.Line($"{result} += Vector256.Sum({step(Isa.V256, SourceWriter.Int(tail), Isa.V256.Zero())});");
                tail += Isa.V256.Width();
            }
            for (int k = tail; k < n; k++) w.Line($"{result} = {step(Isa.Scalar, SourceWriter.Int(k), result)};");
            w.Close();
        }
        w.Open("else");
        w.Open($"for (int i = 0; i < {n}; i++)");
        w.Line($"{result} = {step(Isa.Scalar, "i", result)};");
        w.Close();
        w.Close();
    }

    private static void ScalarTail(SourceWriter w, int from, int n, string output, bool accumulate, Func<Isa, string, string> value)
    {
        if (n - from <= 4)
        {
            for (int k = from; k < n; k++) w.Line(ScalarStore(output, SourceWriter.Int(k), accumulate, value(Isa.Scalar, SourceWriter.Int(k))));
            return;
        }
        w.Open($"for (int i = {from}; i < {n}; i++)");
        w.Line(ScalarStore(output, "i", accumulate, value(Isa.Scalar, "i")));
        w.Close();
    }

    private static string ScalarStore(string output, string index, bool accumulate, string value) =>
        $"{IsaText.Elem(output, index)} {(accumulate ? "+=" : "=")} {value};";
}
