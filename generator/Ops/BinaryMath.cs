using System;
using System.Collections.Generic;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>Element-wise <c>a / b</c> of two tensors (<c>Div</c>), <c>Maximum(a, b)</c> and <c>Minimum(a, b)</c>, with the
/// broadcasting of <c>+ - *</c> (<see cref="Broadcasting"/>; a broadcast operand's gradient is summed over the dimensions
/// it was repeated along). Division is IEEE (x / 0 is ±Inf or NaN, as PyTorch); Maximum and Minimum propagate
/// NaN and, on ties, give each operand half the gradient, as torch.maximum / torch.minimum do.</summary>
internal sealed class BinaryMathOp : OpDefinition
{
    private readonly string _syntax;
    private readonly Func<string, string, string> _apply;

    private BinaryMathOp(OpKind kind, string dslName, string syntax, string gradientRule, Func<string, string, string> apply)
        : base(kind, OpTraits.ElementWise, dslName)
    {
        _syntax = syntax; GradientRule = gradientRule; _apply = apply;
    }

    public static readonly BinaryMathOp Div = new(OpKind.Div, "Div", "`a / b`, `number / b`, `Div(a, b)`",
        "`da += dy / b`, `db -= dy y / b` (summed over broadcast dimensions)", (a, b) => $"{a} / {b}");

    public static readonly BinaryMathOp Maximum = new(OpKind.Maximum, "Maximum", "`Maximum(a, b)`",
        "`da += dy [a > b]`, `db += dy [b > a]`, half each on a tie (summed over broadcast dimensions)",
        (a, b) => $"SimdMath.Maximum({a}, {b})");

    public static readonly BinaryMathOp Minimum = new(OpKind.Minimum, "Minimum", "`Minimum(a, b)`",
        "`da += dy [a < b]`, `db += dy [b < a]`, half each on a tie (summed over broadcast dimensions)",
        (a, b) => $"SimdMath.Minimum({a}, {b})");

    public override bool KeepsFinite(Node node) => Kind != OpKind.Div;

    public override string Syntax => _syntax;
    public override string ShapeRule => Broadcasting.ShapeRule;
    public override string GradientRule { get; }
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("vector map", Forward, Backward) };

    protected override int TensorOperands => 2;

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] a = query.In(0), b = query.In(1);
        return Broadcasting.Shape(a, b)
            ?? query.Mismatch($"{Kind}({ShapeQuery.Text(a)}, {ShapeQuery.Text(b)}) cannot broadcast ({Broadcasting.Rule})");
    }

    // y = a / b, maximum(a, b) or minimum(a, b), each operand repeated along the dimensions it broadcasts over.
    private static void Forward(KernelContext c, Node node)
    {
        var op = (BinaryMathOp)OpRegistry.For(node.Op);
        var (a, b) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        var operands = new[] { new BroadcastOperand(c.V(node.Id), node.Shape), new BroadcastOperand(c.V(a.Id), a.Shape), new BroadcastOperand(c.V(b.Id), b.Shape) };
        BroadcastLoops.Runs(c, node.Shape, operands, (n, single, run) =>
            VectorLoops.Map(c.W, run, n[0], false, (isa, i) =>
                op._apply(BroadcastLoops.Read(isa, n[1], single[1], i), BroadcastLoops.Read(isa, n[2], single[2], i))));
    }

    // Each operand that needs it gets its share of dy: Div's da = dy / b and db = -(dy (y / b)) (PyTorch's
    // -dy (a / b) / b, with a / b the output y); Maximum's and Minimum's dy times the share SimdMath.MaximumGrad /
    // MinimumGrad gives (1, 0, or 0.5 on a tie). A broadcast operand receives the sum over the elements it was repeated to.
    private static void Backward(KernelContext c, Node node)
    {
        var (a, b) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        for (int side = 0; side < 2; side++)
        {
            var self = side == 0 ? a : b;
            var other = side == 0 ? b : a;
            if (!c.HasGradient(self.Id)) continue;   // Maximum(x, x): both sides add into the same gradient
            // Operands: dy, then what the share reads (Div: b for da, y and b for db; Maximum / Minimum: self and
            // other), then the gradient being accumulated.
            var reads = node.Op != OpKind.Div ? new[] { self, other } : side == 0 ? new[] { b } : new[] { node, b };
            var operands = new List<BroadcastOperand> { new(c.D(node.Id), node.Shape) };
            foreach (var read in reads) operands.Add(new BroadcastOperand(c.V(read.Id), read.Shape));
            string Share(Isa isa, string[] n, bool[] single, string i)
            {
                string Read(int k) => BroadcastLoops.Read(isa, n[k], single[k], i);
                return node.Op switch
                {
                    OpKind.Div when side == 0 => $"{Read(0)} / {Read(1)}",            // dy / b
                    OpKind.Div => $"-({Read(0)} * ({Read(1)} / {Read(2)}))",          // -(dy (y / b))
                    OpKind.Maximum => $"{Read(0)} * SimdMath.MaximumGrad({Read(1)}, {Read(2)})",
                    _ => $"{Read(0)} * SimdMath.MinimumGrad({Read(1)}, {Read(2)})",
                };
            }
            BroadcastLoops.AddGradient(c, node.Shape, operands, new BroadcastOperand(c.D(self.Id), self.Shape), $"sum{node.Id}_{side}", Share);
        }
    }
}
