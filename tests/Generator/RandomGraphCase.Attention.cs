using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace NetCompiler.Tests.Generator;

// The attention step of the recurrent (sequence) graphs: the Attention op or a [MultiHeadAttention] layer over rank-2
// values [T, F], self or cross (keys and values from another value of another length), causal or not, with random heads,
// half the time a key padding mask from ids, and the op sometimes with T5's relative position bias and a scale.
internal sealed partial class RandomGraphCase
{
    /// <summary>Rows and features an attention operand may have (the compiled kernel works in blocks of four query rows
    /// and registers of 16 keys, so a few of either cross those sizes).</summary>
    private static bool Attendable(Value v) => v.Rank == 2 && v.Shape[0] <= 20 && v.Shape[1] <= 24;

    /// <summary>One attention over rank-2 values: the kind cycles with the graph's index (the op self-attending, the op
    /// cross-attending, the layer self-attending, the layer cross-attending), so a few graphs cover them all.</summary>
    private bool AttentionStep()
    {
        var q = Pick(Attendable);
        if (q is null) return false;
        int kind = Index % 4;
        bool layer = kind >= 2, cross = kind % 2 == 1;
        var memory = cross ? Pick(v => Attendable(v) && v != q) : null;
        int tq = q.Shape[0], width = q.Shape[1];
        bool causal = memory is null && _rng.NextDouble() < 0.6;
        var divisors = Enumerable.Range(1, width).Where(h => width % h == 0).ToArray();
        int heads = divisors[_rng.Next(divisors.Length)];
        var reads = memory is null ? new[] { q } : new[] { q, memory };
        string flags = causal ? ", causal" : "";
        (string Name, int PadId)? padding = _rng.NextDouble() < 0.5 ? KeyIds((memory ?? q).Shape[0]) : null;
        if (padding is not null) flags += $", padding id {padding.Value.PadId}";
        Value result;
        if (layer)
        {
            var options = new List<string> { width.ToString(CultureInfo.InvariantCulture), heads.ToString(CultureInfo.InvariantCulture) };
            if (causal) options.Add("Causal = true");
            if (memory is not null && memory.Shape[1] != width) options.Add($"KeyValueDim = {memory.Shape[1]}");
            if (_rng.NextDouble() < 0.3) options.Add("Bias = false");
            string name = Name("a");
            _fields.Add($"    [MultiHeadAttention({string.Join(", ", options)})] MultiHeadAttention {name};");
            if (padding is not null) options.Add($"PadId = {padding.Value.PadId}");
            string paddingArgument = padding is null ? "" : ", padding: " + padding.Value.Name;
            result = Emit($"{name}.Forward({q.Name}{(memory is null ? "" : ", " + memory.Name)}{paddingArgument})", new[] { tq, width },
                $"multi-head attention, {heads} head(s){flags}", reads);
            Families |= GraphFamily.AttentionLayer;
        }
        else
        {
            // Keys through tanh: a key shifted by a constant (a bias upstream) shifts a row of scores, which softmax
            // ignores, so that bias's gradient would be zero up to rounding, comparing only noise.
            var source = memory ?? q;
            string key = $"Tanh({source.Name})", value = memory is null || _rng.NextDouble() < 0.5 ? source.Name : $"Sigmoid({source.Name})";
            if (source.Shape[1] != width) key = $"Tanh(MatMul({source.Name}, {Param(new[] { source.Shape[1], width })}))";
            int valueWidth = source.Shape[1] % heads == 0 ? source.Shape[1] : width;
            if (valueWidth != source.Shape[1]) value = $"MatMul({value}, {Param(new[] { source.Shape[1], width })})";
            string paddingArguments = padding is null ? "" : $", keyIds: {padding.Value.Name}, padId: {padding.Value.PadId}";
            string biasArguments = "";
            if (_rng.NextDouble() < 0.4)
            {
                // T5's relative position bias of a [buckets, heads] table (or one matrix for every head), and a scale.
                bool bidirectional = !causal || _rng.NextDouble() < 0.5;
                int buckets = _rng.Next(bidirectional ? 4 : 2, 11), exact = (bidirectional ? buckets / 2 : buckets) / 2;
                int tableHeads = _rng.NextDouble() < 0.5 ? heads : 1, keys = source.Shape[0];
                string bias = $"RelativePositionBias({Param(new[] { buckets, tableHeads })}, {tq}, {keys}, {(bidirectional ? "true" : "false")}, {exact + 1 + _rng.Next(8)})";
                if (tableHeads == 1) bias = $"Reshape({bias}, {tq}, {keys})";
                string scale = new[] { "1f", "0.5f", "0f" }[_rng.Next(3)];
                biasArguments = $", bias: {bias}, scale: {scale}";
                flags += $", relative bias ({buckets} buckets{(bidirectional ? "" : ", one-sided")}), scale {scale}";
                Families |= GraphFamily.AttentionBias;
            }
            result = Emit($"Attention({q.Name}, {key}, {value}, {heads}{(causal ? ", causal: true" : "")}{paddingArguments}{biasArguments})", new[] { tq, valueWidth },
                $"attention, {heads} head(s){flags}", reads);
            Families |= GraphFamily.AttentionOp;
        }
        if (memory is not null) Families |= GraphFamily.AttentionCross;
        if (causal) Families |= GraphFamily.AttentionCausal;
        if (padding is not null) Families |= GraphFamily.AttentionPadding;
        return true;
    }

    /// <summary>A new ids input of <paramref name="keys"/> ids for an attention's key padding, also looked up in a table of
    /// three rows (so the data draws ids 0..2 and the pad id, one of them, a third of the time: sequences with a padded
    /// first key, whose first causal query sees no key, and all-padding ones among them); the looked-up value joins the
    /// graph like any other.</summary>
    private (string Name, int PadId) KeyIds(int keys)
    {
        const int Rows = 3;
        string name = Name("ids");
        int dim = _rng.Next(1, 4);
        Emit($"Gather({Param(new[] { Rows, dim }, "Init = Init.Normal, Std = 1f")}, {name})", new[] { keys, dim }, $"{Rows} rows of {dim}, the padding ids' own table");
        Inputs.Add(new GraphInput(name, new[] { keys }, InputKind.Tokens, Rows));
        return (name, _rng.Next(Rows));
    }
}
