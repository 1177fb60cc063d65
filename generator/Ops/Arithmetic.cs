using System.Collections.Generic;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>Tensor <c>a + b</c>, <c>a - b</c>, <c>a * b</c> (and <c>a / number</c>, traced as a product) with
/// broadcasting (<see cref="Broadcasting"/>): each operand is repeated along the dimensions where it has 1 or none.</summary>
internal sealed class BinaryArithmeticOp : OpDefinition
{
    private BinaryArithmeticOp(OpKind kind, string symbol, string gradientRule) : base(kind, OpTraits.ElementWise)
    {
        Symbol = symbol; GradientRule = gradientRule;
    }

    public static readonly BinaryArithmeticOp Add = new(OpKind.Add, "+", "`da += dy`, `db += dy` (summed over broadcast dimensions)");
    public static readonly BinaryArithmeticOp Sub = new(OpKind.Sub, "-", "`da += dy`, `db -= dy` (summed over broadcast dimensions)");
    public static readonly BinaryArithmeticOp Mul = new(OpKind.Mul, "*", "`da += dy b`, `db += dy a` (summed over broadcast dimensions)");

    /// <summary>The C# operator.</summary>
    public string Symbol { get; }

    public override bool KeepsFinite(Node node) => true;

    public override string Syntax => Kind == OpKind.Mul ? "`a * b`, `a / number`" : $"`a {Symbol} b`";
    public override string ShapeRule => Broadcasting.ShapeRule;
    public override string GradientRule { get; }
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("vector map", Forward, Backward) };

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] a = query.In(0), b = query.In(1);
        return Broadcasting.Shape(a, b) ?? query.Mismatch($"{ShapeQuery.Text(a)} {Symbol} {ShapeQuery.Text(b)} cannot broadcast ({Broadcasting.Rule}){PositionHint(a, b)}");
    }

    /// <summary>For shapes that differ in their first dimension only (a sequence and a position table, as
    /// <c>wte.Forward(idx) + wpe.Weight</c> writes them), what that usually means.</summary>
    private static string PositionHint(int[] a, int[] b)
    {
        if (a.Length < 2 || a.Length != b.Length || a[0] == 1 || b[0] == 1) return "";
        for (int d = 1; d < a.Length; d++)
            if (a[d] != b[d]) return "";
        return $"; if one is a sequence and the other a position table, the table has {System.Math.Min(a[0], b[0])} rows for {System.Math.Max(a[0], b[0])} positions: " +
            "declare it with a row for every position of the input's [Shape] (or shorten the input)";
    }

    /// <summary>A product's backward reads the other operand; a sum's and a difference's read dy alone.</summary>
    public override bool BackwardReadsOperand(Node node, int operand) => Kind == OpKind.Mul;

    public override bool BackwardReadsOutput(Node node) => false;

    // out = a (+|-|*) b. Suffix broadcasting (same shapes, a scalar, a row repeated over leading dimensions: the common
    // cases) runs in rows; any other goes through BroadcastLoops' strided loops.
    private static void Forward(KernelContext c, Node node)
    {
        var (a, b) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        string output = c.V(node.Id), va = c.V(a.Id), vb = c.V(b.Id);
        string op = ((BinaryArithmeticOp)OpRegistry.For(node.Op)).Symbol;
        if (!BroadcastLoops.Suffixed(node.Shape, a.Shape, b.Shape))
        {
            var operands = new[] { new BroadcastOperand(output, node.Shape), new BroadcastOperand(va, a.Shape), new BroadcastOperand(vb, b.Shape) };
            BroadcastLoops.Runs(c, node.Shape, operands, (n, single, run) => VectorLoops.Map(c.W, run, n[0], false, (isa, i) =>
                $"{BroadcastLoops.Read(isa, n[1], single[1], i)} {op} {BroadcastLoops.Read(isa, n[2], single[2], i)}"));
            return;
        }
        ForEachRow(c, node.Size, a.Size, b.Size, va, vb, output, (ra, rb, ro, n, sa, sb) =>
            VectorLoops.Map(c.W, n, ro, false, (isa, i) => $"{Operand(isa, ra, sa, i)} {op} {Operand(isa, rb, sb, i)}"));
    }

    private static void Backward(KernelContext c, Node node)
    {
        var (a, b) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        string dy = c.D(node.Id);
        for (int side = 0; side < 2; side++)
        {
            var self = side == 0 ? a : b;
            var other = side == 0 ? b : a;
            if (!c.HasGradient(self.Id)) continue;   // x * x: both sides add into the same gradient
            bool product = node.Op == OpKind.Mul;
            string ds = c.D(self.Id), vo = product ? c.V(other.Id) : "";
            string Factor(Isa isa, string g, string o, bool oScalar, string i)
            {
                string gi = isa.Load(g, i);
                string term = node.Op switch
                {
                    OpKind.Mul => $"{gi} * {Operand(isa, o, oScalar, i)}",
                    OpKind.Sub when side == 1 => "-" + gi,
                    _ => gi,
                };
                return term;
            }
            if (!BroadcastLoops.Suffixed(node.Shape, a.Shape, b.Shape))
            {
                // dy, and for * the other operand (+ and - read dy alone), summed into self where it was repeated.
                var operands = new List<BroadcastOperand> { new(dy, node.Shape) };
                if (product) operands.Add(new BroadcastOperand(vo, other.Shape));
                BroadcastLoops.AddGradient(c, node.Shape, operands, new BroadcastOperand(ds, self.Shape), $"sum{node.Id}_{side}",
                    (isa, n, single, i) => Factor(isa, n[0], n[1], single[1], i));
                continue;
            }
            if (self.Size == node.Size)
            {
                // A sum or difference passes dy itself as the (unread) other operand: nothing else is read.
                // The first write into a slot that comes alive here stores (the slot is not zeroed first).
                bool accumulate = !c.ClaimFreshGradient(self.Id, node.Size);
                ForEachRow(c, node.Size, node.Size, product ? other.Size : node.Size, dy, product ? vo : dy, ds, (rg, ro, rs, n, _, oScalar) =>
                    VectorLoops.Map(c.W, n, rs, accumulate, (isa, i) => Factor(isa, rg, ro, oScalar, i)));
            }
            else if (self.Size == 1)
            {
                // A broadcast scalar receives the sum of its contributions.
                string sum = $"sum{node.Id}_{side}";
                c.W.Open("");
                VectorLoops.Reduce(c.W, node.Size, sum, (isa, i, acc) => $"{acc} + {Factor(isa, dy, vo, false, i)}");
                c.W.Line($"{ds} += {sum};");
                c.W.Close();
            }
            else
            {
                // A broadcast row receives the sum over the rows it was repeated across.
                int reps = node.Size / self.Size;
                c.W.Open($"for (int r = 0; r < {reps}; r++)");
                c.W.Line($"ref float gRow = ref Unsafe.Add(ref {dy}, r * {self.Size});");
                string otherRow = product && other.Size == node.Size ? "oRow" : vo;
                if (product && other.Size == node.Size) c.W.Line($"ref float oRow = ref Unsafe.Add(ref {vo}, r * {self.Size});");
                bool oScalar = other.Size == 1 && self.Size != 1;
                VectorLoops.Map(c.W, self.Size, ds, true, (isa, i) => Factor(isa, "gRow", otherRow, oScalar, i));
                c.W.Close();
            }
        }
    }

    /// <summary>Runs <paramref name="body"/> over rows so that both operands line up with the output:
    /// equal sizes in one pass; a scalar operand broadcast; a smaller operand repeated per row.</summary>
    private static void ForEachRow(KernelContext c, int size, int sizeA, int sizeB, string a, string b, string output,
        System.Action<string, string, string, int, bool, bool> body)
    {
        if (sizeA == sizeB || sizeA == 1 || sizeB == 1)
        {
            string sa = sizeA == 1 && size != 1 ? "s_" + a : a;
            string sb = sizeB == 1 && size != 1 ? "s_" + b : b;
            c.W.Open("");
            if (sa != a) c.W.Line($"float {sa} = {a};");
            if (sb != b) c.W.Line($"float {sb} = {b};");
            body(sa, sb, output, size, sa != a, sb != b);
            c.W.Close();
            return;
        }
        int row = System.Math.Min(sizeA, sizeB);
        c.W.Open($"for (int r = 0; r < {size / row}; r++)");
        c.W.Line($"ref float outRow = ref Unsafe.Add(ref {output}, r * {row});");
        string ra = a, rb = b;
        if (sizeA != row) { c.W.Line($"ref float aRow = ref Unsafe.Add(ref {a}, r * {row});"); ra = "aRow"; }
        if (sizeB != row) { c.W.Line($"ref float bRow = ref Unsafe.Add(ref {b}, r * {row});"); rb = "bRow"; }
        body(ra, rb, "outRow", row, false, false);
        c.W.Close();
    }

    private static string Operand(Isa isa, string reference, bool scalar, string index) =>
        scalar ? isa.Broadcast(reference) : isa.Load(reference, index);
}

/// <summary>Tensor negation <c>-x</c>.</summary>
internal sealed class NegOp : OpDefinition
{
    private NegOp() : base(OpKind.Neg, OpTraits.ElementWise) { }

    public static readonly NegOp Instance = new();

    public override bool KeepsFinite(Node node) => true;

    public override string Syntax => "`-x`";
    public override string ShapeRule => "`x`'s shape";
    public override string GradientRule => "`dx -= dy`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("vector map", Forward, Backward) };

    public override int[]? InferShape(ShapeQuery query) => query.In(0);

    public override bool BackwardReadsOperand(Node node, int operand) => false;

    public override bool BackwardReadsOutput(Node node) => false;

    private static void Forward(KernelContext c, Node node)
    {
        string x = c.V(node.Inputs[0]), y = c.V(node.Id);
        VectorLoops.Map(c.W, node.Size, y, false, (isa, i) => $"-{isa.Load(x, i)}");
    }

    private static void Backward(KernelContext c, Node node)
    {
        int input = node.Inputs[0];
        if (!c.HasGradient(input)) return;
        string dy = c.D(node.Id), dx = c.D(input);
        VectorLoops.Map(c.W, node.Size, dx, true, (isa, i) => "-" + isa.Load(dy, i));
    }
}
