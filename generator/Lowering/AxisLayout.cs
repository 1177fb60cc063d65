namespace NetCompiler.Generator.Lowering;

/// <summary>A shape seen around one axis as [Outer, Length, Inner]: element (o, k, i) is at <c>(o * Length + k) *
/// Inner + i</c>. Reductions and softmax along an axis loop over this; <see cref="Inner"/> = 1 is the contiguous case
/// (the last axis), which runs as vector loops over rows.</summary>
internal readonly struct AxisLayout
{
    public AxisLayout(int[] shape, int axis)
    {
        if (axis < 0) axis += shape.Length;
        int outer = 1, inner = 1;
        for (int k = 0; k < axis; k++) outer *= shape[k];
        for (int k = axis + 1; k < shape.Length; k++) inner *= shape[k];
        Outer = outer; Length = shape[axis]; Inner = inner;
    }

    public int Outer { get; }
    public int Length { get; }
    public int Inner { get; }
}
