using System.Collections.Generic;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>The query and key counts of a relative position bias, whether it is bidirectional, and the distance from
/// which all distances share a bucket.</summary>
internal sealed record RelativePositionBiasAttribute(int Queries, int Keys, bool Bidirectional, int MaxDistance) : OpAttributes;

/// <summary><c>RelativePositionBias(table, queries, keys, bidirectional, maxDistance)</c>: T5's bias of attention scores,
/// y[h, i, j] = table[bucket(j - i), h], from a [buckets, heads] table. The bucket depends on j - i only, so the kernel
/// walks the diagonals: one <c>RelativePositions.Bucket</c> call (the eager op's) per diagonal, then a copy of the
/// table entry along it per head; backward sums each diagonal's gradient into its entry.</summary>
internal sealed class RelativePositionBiasOp : OpDefinition
{
    private RelativePositionBiasOp() : base(OpKind.RelativePositionBias, OpTraits.None, "RelativePositionBias") { }

    public static readonly RelativePositionBiasOp Instance = new();

    public override string Syntax => "`RelativePositionBias(table, queries, keys, bidirectional, maxDistance)` (T5; `table` an `[Embedding(buckets, heads)]`'s `Weight`)";
    public override string ShapeRule => "`[buckets, heads] -> [heads, queries, keys]`; at least 4 buckets (2 one-sided); maxDistance above a side's exact buckets";
    public override string GradientRule => "`dtable[bucket(j - i), h] += dy[h, i, j]`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("diagonal copies", Forward, Backward) };

    public override Parse.TraceValue Build(Parse.OpCall call)
    {
        int table = call.Tensor(0, "the table of RelativePositionBias");
        float queries = call.Number(1, "the queries of RelativePositionBias"), keys = call.Number(2, "the keys of RelativePositionBias");
        bool bidirectional = call.Flag(3, "bidirectional of RelativePositionBias");
        float maxDistance = call.Number(4, "the maximum distance of RelativePositionBias");
        foreach (var (value, name) in new[] { (queries, "queries"), (keys, "keys"), (maxDistance, "maximum distance") })
            if (value != (int)value) throw call.Unsupported($"RelativePositionBias with {name} {value}", $"the {name} must be a whole number");
        return call.Node(Kind, new[] { table }, new RelativePositionBiasAttribute((int)queries, (int)keys, bidirectional, (int)maxDistance));
    }

    public override bool BackwardReadsOperand(Node node, int operand) => false;

    public override bool BackwardReadsOutput(Node node) => false;

    public override int[]? InferShape(ShapeQuery query)
    {
        var a = (RelativePositionBiasAttribute)query.Node.Attributes;
        int[] table = query.In(0);
        if (table.Length != 2) return query.Mismatch($"RelativePositionBias's table must be [buckets, heads], got {ShapeQuery.Text(table)}");
        int buckets = table[0], minimum = a.Bidirectional ? 4 : 2, exact = (a.Bidirectional ? buckets / 2 : buckets) / 2;
        if (buckets < minimum)
            return query.Mismatch($"RelativePositionBias has {buckets} buckets; a {(a.Bidirectional ? "bidirectional" : "one-sided")} bias needs at least {minimum}");
        if (a.Queries < 1 || a.Keys < 1)
            return query.Mismatch($"RelativePositionBias has {a.Queries} queries and {a.Keys} keys; both must be at least 1");
        if (a.MaxDistance <= exact)
            return query.Mismatch($"RelativePositionBias's maximum distance {a.MaxDistance} must exceed the {exact} distances that have a bucket each");
        return new[] { table[1], a.Queries, a.Keys };
    }

    /// <summary>Opens the loops over the diagonals d = j - i and the heads, with <c>bucket</c> and the diagonal's first
    /// and last-plus-one query rows declared.</summary>
    private static (int Heads, int Queries, int Keys) OpenDiagonals(KernelContext c, Node node)
    {
        var a = (RelativePositionBiasAttribute)node.Attributes;
        int[] table = c.Graph[node.Inputs[0]].Shape;
        int heads = table[1], tq = a.Queries, tk = a.Keys;
        c.W.Open($"for (int d = {-(tq - 1)}; d < {tk}; d++)");
        c.W.Line($"int bucket = RelativePositions.Bucket(d, {(a.Bidirectional ? "true" : "false")}, {table[0]}, {a.MaxDistance});");
        c.W.Line($"int first = Math.Max(0, -d), end = Math.Min({tq}, {tk} - d);   // the query rows whose key i + d exists");
        c.W.Open($"for (int h = 0; h < {heads}; h++)");
        return (heads, tq, tk);
    }

    // y[h, i, i + d] = table[bucket(d), h]
    private static void Forward(KernelContext c, Node node)
    {
        var (heads, tq, tk) = OpenDiagonals(c, node);
        c.W.Line($"float entry = Unsafe.Add(ref {c.V(node.Inputs[0])}, bucket * {heads} + h);");
        c.W.Line($"for (int i = first; i < end; i++) Unsafe.Add(ref {c.V(node.Id)}, (h * {tq} + i) * {tk} + i + d) = entry;");
        c.W.Close();
        c.W.Close();
    }

    // dtable[bucket(d), h] += sum_i dy[h, i, i + d]
    private static void Backward(KernelContext c, Node node)
    {
        if (!c.HasGradient(node.Inputs[0])) return;
        var (heads, tq, tk) = OpenDiagonals(c, node);
        c.W.Line("float sum = 0f;");
        c.W.Line($"for (int i = first; i < end; i++) sum += Unsafe.Add(ref {c.D(node.Id)}, (h * {tq} + i) * {tk} + i + d);");
        c.W.Line($"Unsafe.Add(ref {c.D(node.Inputs[0])}, bucket * {heads} + h) += sum;");
        c.W.Close();
        c.W.Close();
    }
}
