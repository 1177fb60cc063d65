using System.Collections.Generic;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>Where(mask, a, b)</c>: a where the mask is nonzero, else b, element-wise, the three shapes broadcast
/// together (<see cref="Broadcasting"/>: a causal <c>Triangle(t, t)</c> mask over [heads, t, t] scores and a number for b,
/// say). The gradient goes to a where the mask is nonzero and to b elsewhere; nothing flows into the mask, so the mask
/// must not depend on a parameter (NC0107): it is a constant (<c>Triangle</c>), an input, or computed from those (or
/// through Step).</summary>
internal sealed class WhereOp : OpDefinition
{
    private WhereOp() : base(OpKind.Where, OpTraits.ElementWise, "Where") { }

    public static readonly WhereOp Instance = new();

    public override string Syntax => "`Where(mask, a, b)` (`b` may be a number)";
    public override string ShapeRule => "`mask`, `a` and `b` broadcast together, as `a + b`";
    public override string GradientRule => "`da += dy [mask != 0]`, `db += dy [mask == 0]` (summed over broadcast dimensions); none to the mask (NC0107 if it depends on a parameter)";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("vector map", Forward, Backward) };

    protected override int TensorOperands => 3;

    public override bool Differentiable(NodeSpec node, int operand) => operand != 0;

    public override string OperandName(int operand) => operand == 0 ? "the mask (argument 1)" : base.OperandName(operand);

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] mask = query.In(0), a = query.In(1), b = query.In(2);
        return Broadcasting.Shape(mask, a, b)
            ?? query.Mismatch($"Where(mask {ShapeQuery.Text(mask)}, {ShapeQuery.Text(a)}, {ShapeQuery.Text(b)}) cannot broadcast ({Broadcasting.Rule})");
    }

    // y = mask != 0 ? a : b (SimdMath.Select), each operand repeated along the dimensions it broadcasts over.
    private static void Forward(KernelContext c, Node node)
    {
        var operands = new List<BroadcastOperand> { new(c.V(node.Id), node.Shape) };
        foreach (int input in node.Inputs) operands.Add(new BroadcastOperand(c.V(input), c.Graph[input].Shape));
        BroadcastLoops.Runs(c, node.Shape, operands, (n, single, run) =>
            VectorLoops.Map(c.W, run, n[0], false, (isa, i) =>
                $"SimdMath.Select({BroadcastLoops.Read(isa, n[1], single[1], i)}, {BroadcastLoops.Read(isa, n[2], single[2], i)}, {BroadcastLoops.Read(isa, n[3], single[3], i)})"));
    }

    // da += Select(mask, dy, 0), db += Select(mask, 0, dy); a broadcast branch receives the sum over the elements it was
    // repeated to.
    private static void Backward(KernelContext c, Node node)
    {
        for (int side = 1; side <= 2; side++)
        {
            var self = c.Graph[node.Inputs[side]];
            if (!c.HasGradient(self.Id)) continue;   // Where(m, x, x): both branches add into the same gradient
            var mask = c.Graph[node.Inputs[0]];
            var operands = new List<BroadcastOperand> { new(c.D(node.Id), node.Shape), new(c.V(mask.Id), mask.Shape) };
            int branch = side;
            string Share(Isa isa, string[] n, bool[] single, string i)
            {
                string dy = BroadcastLoops.Read(isa, n[0], single[0], i), m = BroadcastLoops.Read(isa, n[1], single[1], i);
                return branch == 1 ? $"SimdMath.Select({m}, {dy}, {isa.Zero()})" : $"SimdMath.Select({m}, {isa.Zero()}, {dy})";
            }
            BroadcastLoops.AddGradient(c, node.Shape, operands, new BroadcastOperand(c.D(self.Id), self.Shape), $"sum{node.Id}_{side}", Share);
        }
    }
}
