using System;

namespace NetCompiler;

/// <summary>How an element-wise op of broadcast operands walks its output, the batch then the per-sample shape: in
/// <see cref="Count"/> runs of <see cref="Run"/> elements (run k is output elements k Run to (k + 1) Run - 1), along which
/// every operand is either contiguous or one repeated value (<see cref="Single"/>). Each operand steps through the output's
/// dimensions with its own strides, 0 along those it is repeated over (a 1 or a missing dimension of its shape, and the
/// batch when it is unbatched). Dimensions where every operand steps alike are merged first, as the generated loops merge
/// them (generator/Lowering/BroadcastLoops.cs), so that equal shapes are one run and a row repeated over a tensor is runs
/// of that row. Used by + - *, Div, Maximum, Minimum and Where, forward and backward.</summary>
internal sealed class BroadcastWalk
{
    private readonly int[] _outer;       // the merged dimensions before the run's
    private readonly int[][] _strides;   // per operand, along _outer
    private readonly bool[] _single;

    /// <param name="batch">The output's batch (0: unbatched).</param>
    /// <param name="shape">The output's per-sample shape, which every operand's broadcasts to.</param>
    /// <param name="operands">The operands; null stands for one constant value, repeated everywhere.</param>
    public BroadcastWalk(int batch, int[] shape, params Tensor?[] operands)
    {
        var dims = new int[shape.Length + 1];
        dims[0] = Shapes.Samples(batch);
        shape.CopyTo(dims, 1);
        var strides = new int[operands.Length][];
        for (int j = 0; j < operands.Length; j++) strides[j] = Strides(operands[j], dims);

        // Drop dimensions of 1; merge a dimension into the one before it when every operand steps over the pair as over
        // one dimension (stride before = stride * size: both contiguous, or both repeated).
        var merged = new int[dims.Length];
        var mergedStrides = new int[operands.Length][];
        for (int j = 0; j < operands.Length; j++) mergedStrides[j] = new int[dims.Length];
        int count = 0;
        for (int k = 0; k < dims.Length; k++)
        {
            if (dims[k] == 1) continue;
            bool joins = count > 0;
            for (int j = 0; j < operands.Length && joins; j++) joins = mergedStrides[j][count - 1] == strides[j][k] * dims[k];
            int at = joins ? count - 1 : count++;
            merged[at] = joins ? merged[at] * dims[k] : dims[k];
            for (int j = 0; j < operands.Length; j++) mergedStrides[j][at] = strides[j][k];
        }

        Run = count == 0 ? 1 : merged[count - 1];
        int outer = Math.Max(count - 1, 0);
        _outer = merged.AsSpan(0, outer).ToArray();
        _strides = new int[operands.Length][];
        _single = new bool[operands.Length];
        for (int j = 0; j < operands.Length; j++)
        {
            _strides[j] = mergedStrides[j].AsSpan(0, outer).ToArray();
            _single[j] = count == 0 || mergedStrides[j][count - 1] == 0;
        }
        Count = 1;
        foreach (int d in _outer) Count *= d;
    }

    /// <summary>Elements per run: the last merged dimension, along which every operand's stride is 1 or 0.</summary>
    public int Run { get; }

    /// <summary>Runs in the output.</summary>
    public int Count { get; }

    /// <summary>Whether operand <paramref name="operand"/> is one value repeated along every run.</summary>
    public bool Single(int operand) => _single[operand];

    /// <summary>Operand <paramref name="operand"/>'s part (values or gradient <paramref name="data"/>) in run
    /// <paramref name="run"/>: a span of <see cref="Run"/> elements, or of one for a <see cref="Single"/> operand.</summary>
    public ReadOnlySpan<float> At(int operand, ReadOnlySpan<float> data, int run) =>
        data.Slice(Offset(operand, run), _single[operand] ? 1 : Run);

    /// <inheritdoc cref="At(int, ReadOnlySpan{float}, int)"/>
    public Span<float> At(int operand, Span<float> data, int run) =>
        data.Slice(Offset(operand, run), _single[operand] ? 1 : Run);

    private int Offset(int operand, int run)
    {
        int[] strides = _strides[operand];
        int offset = 0;
        for (int d = _outer.Length - 1; d >= 0; d--)
        {
            offset += run % _outer[d] * strides[d];
            run /= _outer[d];
        }
        return offset;
    }

    /// <summary>An operand's strides along the output's dimensions (batch first): its own row-major strides, aligned at
    /// the last dimension, and 0 where it has 1 or no dimension.</summary>
    private static int[] Strides(Tensor? t, int[] dims)
    {
        var strides = new int[dims.Length];
        if (t is null) return strides;
        int stride = 1;
        for (int k = 1; k <= t.Shape.Length; k++)
        {
            int d = t.Shape[t.Shape.Length - k];
            strides[dims.Length - k] = d == 1 ? 0 : stride;
            stride *= d;
        }
        strides[0] = t.Batch > 0 ? t.SampleSize : 0;
        return strides;
    }
}
