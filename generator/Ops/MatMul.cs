using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary><c>MatMul(a, b)</c> over the last two dimensions: [..., M, K] x [..., K, N] -> [..., M, N], a rank-1 a a row
/// and a rank-1 b a column; the leading (stacked-matrix) dimensions broadcast when one list is a suffix of the other, as
/// in the eager op. With one b matrix, a's leading dimensions fold into M. Forward: each output row is a sum of rows of
/// b scaled by a[m, k] (vector axpy over N), or a dot product when N = 1. Backward: da[m, k] += dot(dy[m, :], b[k, :]);
/// db[k, :] += a[m, k] * dy[m, :], per matrix.</summary>
internal sealed class MatMulOp : OpDefinition
{
    private MatMulOp() : base(OpKind.MatMul, OpTraits.None, "MatMul") { }

    public static readonly MatMulOp Instance = new();

    public override string Syntax => "`MatMul(a, b)`";
    public override string ShapeRule => "`[..., M, K] x [..., K, N] -> [..., M, N]`; leading dimensions broadcast (suffix); rank-1 `a` a row, `b` a column";
    public override string GradientRule => "`da += dy b^T`, `db += a^T dy`";
    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("row axpy", Forward, Backward) };
    protected override int TensorOperands => 2;

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] a = query.In(0), b = query.In(1);
        string both = $"{ShapeQuery.Text(a)} x {ShapeQuery.Text(b)}";
        if (a.Length == 0 || b.Length == 0) return query.Mismatch($"MatMul needs tensors of rank 1 or more, got {both}");
        int k = a[a.Length - 1], kb = b.Length == 1 ? b[0] : b[b.Length - 2];
        if (k != kb) return query.Mismatch($"MatMul inner dimensions differ: {both} ({k} vs {kb})");
        int[] leadA = Lead(a), leadB = Lead(b);
        int[]? lead = IsSuffix(leadB, leadA) ? leadA : IsSuffix(leadA, leadB) ? leadB : null;
        if (lead is null)
            return query.Mismatch($"MatMul's leading dimensions {ShapeQuery.Text(leadA)} and {ShapeQuery.Text(leadB)} do not broadcast (one must be a suffix of the other) in {both}");
        var shape = new List<int>(lead);
        if (a.Length > 1) shape.Add(a[a.Length - 2]);
        if (b.Length > 1) shape.Add(b[b.Length - 1]);
        return shape.ToArray();
    }

    /// <summary>The stacked-matrix dimensions of an operand: all but its last two.</summary>
    private static int[] Lead(int[] shape) => shape.Length > 2 ? shape.Take(shape.Length - 2).ToArray() : new int[0];

    private static bool IsSuffix(int[] small, int[] large) =>
        small.Length <= large.Length && small.SequenceEqual(large.Skip(large.Length - small.Length));

    private static int Size(int[] shape) => shape.Aggregate(1, (x, y) => x * y);

    /// <summary>The loop structure: <see cref="Matrices"/> products of [M, K] x [K, N], operand a cycling through
    /// <see cref="A"/> distinct matrices and b through <see cref="B"/> (broadcast leading dimensions). With one b
    /// matrix, a's leading dimensions are folded into M and there is one product.</summary>
    private readonly struct Dims
    {
        public Dims(int matrices, int a, int b, int m, int k, int n) { Matrices = matrices; A = a; B = b; M = m; K = k; N = n; }
        public int Matrices { get; }
        public int A { get; }
        public int B { get; }
        public int M { get; }
        public int K { get; }
        public int N { get; }

        public static Dims Of(KernelContext c, Node node)
        {
            var (a, b) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
            int k = a.Last, n = b.Shape.Length == 1 ? 1 : b.Last;
            int pb = Size(Lead(b.Shape));
            if (pb == 1) return new Dims(1, 1, 1, a.Size / k, k, n);
            int pa = Size(Lead(a.Shape)), m = a.Shape.Length == 1 ? 1 : a.Shape[a.Shape.Length - 2];
            return new Dims(System.Math.Max(pa, pb), pa, pb, m, k, n);
        }

        /// <summary>The offset of matrix <c>mat</c> of an operand with <paramref name="distinct"/> matrices of
        /// <paramref name="size"/> floats, written simply.</summary>
        public string Offset(int distinct, int size) =>
            distinct == 1 ? "0" : distinct == Matrices ? $"mat * {size}" : $"mat % {distinct} * {size}";
    }

    /// <summary>Writes <paramref name="body"/> once per matrix product with the names of that product's a, b and out
    /// (a loop over <c>mat</c> with ref locals when there are several).</summary>
    private static void PerMatrix(KernelContext c, Dims d, string a, string b, string y, System.Action<string, string, string> body)
    {
        if (d.Matrices == 1) { body(a, b, y); return; }
        c.W.Open($"for (int mat = 0; mat < {d.Matrices}; mat++)");
        c.W.Line($"ref float aMat = ref Unsafe.Add(ref {a}, {d.Offset(d.A, d.M * d.K)});");
        c.W.Line($"ref float bMat = ref Unsafe.Add(ref {b}, {d.Offset(d.B, d.K * d.N)});");
        c.W.Line($"ref float yMat = ref Unsafe.Add(ref {y}, mat * {d.M * d.N});");
        body("aMat", "bMat", "yMat");
        c.W.Close();
    }

    private static void Forward(KernelContext c, Node node)
    {
        var d = Dims.Of(c, node);
        int m = d.M, k = d.K, n = d.N;
        PerMatrix(c, d, c.V(node.Inputs[0]), c.V(node.Inputs[1]), c.V(node.Id), (a, b, y) =>
        {
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
        });
    }

    private static void Backward(KernelContext c, Node node)
    {
        var d = Dims.Of(c, node);
        int m = d.M, k = d.K, n = d.N;
        int ia = node.Inputs[0], ib = node.Inputs[1];
        bool needA = c.HasGradient(ia), needB = c.HasGradient(ib);   // a == b: both terms add into one gradient
        if (needA)
            PerMatrix(c, d, c.D(ia), c.V(ib), c.D(node.Id), (da, b, dy) =>
            {
                c.W.Open($"for (int m = 0; m < {m}; m++)");
                c.W.Line($"ref float dyRow = ref Unsafe.Add(ref {dy}, m * {n});");
                c.W.Open($"for (int k = 0; k < {k}; k++)");
                c.W.Line($"ref float bRow = ref Unsafe.Add(ref {b}, k * {n});");
                VectorLoops.Reduce(c.W, n, "dot", (isa, i, acc) => isa.Fma(isa.Load("dyRow", i), isa.Load("bRow", i), acc));
                c.W.Line($"Unsafe.Add(ref {da}, m * {k} + k) += dot;");
                c.W.Close();
                c.W.Close();
            });
        if (needB)
            PerMatrix(c, d, c.V(ia), c.D(ib), c.D(node.Id), (a, db, dy) =>
            {
                c.W.Open($"for (int m = 0; m < {m}; m++)");
                c.W.Line($"ref float dyRow = ref Unsafe.Add(ref {dy}, m * {n});");
                c.W.Open($"for (int k = 0; k < {k}; k++)");
                c.W.Line($"float aik = Unsafe.Add(ref {a}, m * {k} + k);");
                c.W.Line($"ref float dbRow = ref Unsafe.Add(ref {db}, k * {n});");
                VectorLoops.Map(c.W, n, "dbRow", true, (isa, i) => $"{isa.Broadcast("aik")} * {isa.Load("dyRow", i)}");
                c.W.Close();
                c.W.Close();
            });
    }
}
