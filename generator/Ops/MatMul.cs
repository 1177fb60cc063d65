using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>MatMul(a, b)</c>: out [M, N] = a [M, K] x b [K, N] (a's leading dimensions folded into M; a rank-1 b is
/// [K, 1]). Forward: each output row is a sum of rows of b scaled by a[m, k] (vector axpy over N), or a dot product when
/// N = 1. Backward: da[m, k] += dot(dy[m, :], b[k, :]); db[k, :] += a[m, k] * dy[m, :].</summary>
internal sealed class MatMulOp : OpDefinition
{
    private MatMulOp() : base(OpKind.MatMul, OpTraits.None, "MatMul") { }

    public static readonly MatMulOp Instance = new();

    public override string Syntax => "`MatMul(a, b)`";
    public override string ShapeRule => "`[..., K] x [K, N] -> [..., N]`; a rank-1 `b` is a column";
    public override string GradientRule => "`da += dy b^T`, `db += a^T dy`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("row axpy", Forward, Backward) };
    protected override int TensorOperands => 2;

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] a = query.In(0), b = query.In(1);
        string both = $"{ShapeQuery.Text(a)} x {ShapeQuery.Text(b)}";
        if (a.Length == 0 || b.Length == 0) return query.Mismatch($"MatMul needs tensors, got {both}");
        if (b.Length > 2) return query.Mismatch($"MatMul's right operand must have rank 1 or 2, got {both}");
        int k = a[a.Length - 1], kb = b[0];
        if (k != kb) return query.Mismatch($"MatMul inner dimensions differ: {both} ({k} vs {kb})");
        var lead = a.Take(a.Length - 1);
        return b.Length == 1 ? lead.ToArray() : lead.Concat(new[] { b[1] }).ToArray();
    }

    private static (int M, int K, int N) Dims(KernelContext c, Node node)
    {
        var (a, b) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
        int k = a.Last;
        int n = b.Shape.Length == 1 ? 1 : b.Shape[1];
        return (a.Size / k, k, n);
    }

    private static void Forward(KernelContext c, Node node)
    {
        var (m, k, n) = Dims(c, node);
        string a = c.V(node.Inputs[0]), b = c.V(node.Inputs[1]), y = c.V(node.Id);
        c.W.Open($"for (int m = 0; m < {m}; m++)");
        c.W.Line($"ref float aRow = ref Unsafe.Add(ref {a}, m * {k});");
        if (n == 1)
        {
            VectorLoops.Reduce(c.W, k, "sum", (isa, i, acc) => isa.Fma(isa.Load("aRow", i), isa.Load(b, i), acc));
            c.W.Line($"Unsafe.Add(ref {y}, m) = sum;");
        }
        else
        {
            c.W.Line($"ref float yRow = ref Unsafe.Add(ref {y}, m * {n});");
            VectorLoops.Map(c.W, n, "yRow", false, (isa, i) => isa.Zero());
            c.W.Open($"for (int k = 0; k < {k}; k++)");
            c.W.Line("float aik = Unsafe.Add(ref aRow, k);");
            c.W.Line($"ref float bRow = ref Unsafe.Add(ref {b}, k * {n});");
            VectorLoops.Map(c.W, n, "yRow", true, (isa, i) => $"{isa.Broadcast("aik")} * {isa.Load("bRow", i)}");
            c.W.Close();
        }
        c.W.Close();
    }

    private static void Backward(KernelContext c, Node node)
    {
        var (m, k, n) = Dims(c, node);
        int ia = node.Inputs[0], ib = node.Inputs[1];
        bool needA = c.HasGradient(ia), needB = c.HasGradient(ib);   // a == b: both terms add into one gradient
        string dy = c.D(node.Id), a = c.V(ia), b = c.V(ib);
        c.W.Open($"for (int m = 0; m < {m}; m++)");
        c.W.Line($"ref float dyRow = ref Unsafe.Add(ref {dy}, m * {n});");
        if (needA)
        {
            string da = c.D(ia);
            c.W.Open($"for (int k = 0; k < {k}; k++)");
            c.W.Line($"ref float bRow = ref Unsafe.Add(ref {b}, k * {n});");
            VectorLoops.Reduce(c.W, n, "dot", (isa, i, acc) => isa.Fma(isa.Load("dyRow", i), isa.Load("bRow", i), acc));
            c.W.Line($"Unsafe.Add(ref {da}, m * {k} + k) += dot;");
            c.W.Close();
        }
        if (needB)
        {
            string db = c.D(ib);
            c.W.Open($"for (int k = 0; k < {k}; k++)");
            c.W.Line($"float aik = Unsafe.Add(ref {a}, m * {k} + k);");
            c.W.Line($"ref float dbRow = ref Unsafe.Add(ref {db}, k * {n});");
            VectorLoops.Map(c.W, n, "dbRow", true, (isa, i) => $"{isa.Broadcast("aik")} * {isa.Load("dyRow", i)}");
            c.W.Close();
        }
        c.W.Close();
    }
}
