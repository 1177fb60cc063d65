using System.Collections.Generic;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>Transpose(x)</c>: swaps the last two dimensions. y[.., q, p] = x[.., p, q]; dx[.., p, q] += dy[.., q, p].</summary>
internal sealed class TransposeOp : OpDefinition
{
    private TransposeOp() : base(OpKind.Transpose, OpTraits.None, "Transpose") { }

    public static readonly TransposeOp Instance = new();

    public override bool KeepsFinite(Node node) => true;

    public override string Syntax => "`Transpose(x)`";
    public override string ShapeRule => "`[..., M, N] -> [..., N, M]`";
    public override string GradientRule => "`dx += Transpose(dy)`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("index loops", Forward, Backward) };

    /// <summary>Moves dy back; reads no value.</summary>
    public override bool BackwardReadsOperand(Node node, int operand) => false;

    public override bool BackwardReadsOutput(Node node) => false;

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] a = query.In(0);
        if (a.Length < 2) return query.Mismatch($"Transpose needs at least two dimensions, got {ShapeQuery.Text(a)}");
        var r = (int[])a.Clone();
        (r[r.Length - 1], r[r.Length - 2]) = (r[r.Length - 2], r[r.Length - 1]);
        return r;
    }

    private static void Forward(KernelContext c, Node node) => Transpose(c, node, c.V(node.Inputs[0]), c.V(node.Id), "=", forward: true);

    private static void Backward(KernelContext c, Node node)
    {
        if (c.HasGradient(node.Inputs[0])) Transpose(c, node, c.D(node.Id), c.D(node.Inputs[0]), "+=", forward: false);
    }

    private static void Transpose(KernelContext c, Node node, string from, string to, string assign, bool forward)
    {
        var x = c.Graph[node.Inputs[0]];
        int p = x.Shape[x.Shape.Length - 2], q = x.Last, batches = x.Size / (p * q);
        string xi = $"b * {p * q} + i * {q} + j", yi = $"b * {p * q} + j * {p} + i";
        c.W.Open($"for (int b = 0; b < {batches}; b++)");
        c.W.Open($"for (int i = 0; i < {p}; i++)");
        c.W.Open($"for (int j = 0; j < {q}; j++)");
        c.W.Line(forward ? $"Unsafe.Add(ref {to}, {yi}) {assign} Unsafe.Add(ref {from}, {xi});"
                         : $"Unsafe.Add(ref {to}, {xi}) {assign} Unsafe.Add(ref {from}, {yi});");
        c.W.Close(); c.W.Close(); c.W.Close();
    }
}
