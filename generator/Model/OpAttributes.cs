namespace NetCompiler.Generator.Model;

/// <summary>The typed attributes of one node: what the op takes besides its tensor operands (an activation's alpha,
/// a constant's value, a parameter's index; later axes, shapes, strides). Each op that has some declares a record
/// deriving from this one, next to its definition in <c>Ops/</c> when only that op uses it. Records compare by value,
/// so a node's spec stays equatable and the incremental generator can cache it.</summary>
internal abstract record OpAttributes
{
    /// <summary>No attributes: the op is determined by its kind and operands.</summary>
    public static readonly OpAttributes None = new NoAttributes();
}

/// <summary>The attributes of an op that has none.</summary>
internal sealed record NoAttributes : OpAttributes;

/// <summary>One compile-time float: LeakyRelu's alpha, Swish's beta, a constant's value. Compared by bits, since 0f and
/// -0f (or two NaNs) are emitted differently.</summary>
internal sealed record ScalarAttribute(float Value) : OpAttributes
{
    public bool Equals(ScalarAttribute? other) => other is not null && BitwiseFloatComparer.Instance.Equals(Value, other.Value);

    public override int GetHashCode() => BitwiseFloatComparer.Instance.GetHashCode(Value);
}

/// <summary>Which of <see cref="NetworkSpec.Inputs"/> an <see cref="OpKind.Input"/> leaf is.</summary>
internal sealed record InputAttribute(int Index) : OpAttributes;

/// <summary>Which parameter of <see cref="NetworkSpec.Parameters"/> a <see cref="OpKind.Param"/> leaf reads.</summary>
internal sealed record ParameterAttribute(int Index) : OpAttributes;

/// <summary>Which buffer of <see cref="NetworkSpec.Buffers"/> a <see cref="OpKind.Buffer"/> leaf reads.</summary>
internal sealed record BufferAttribute(int Index) : OpAttributes;

/// <summary>One axis of the per-sample shape, as written (negative counts from the end, as in PyTorch).</summary>
internal sealed record AxisAttribute(int Axis) : OpAttributes;

/// <summary>A list of dimensions or axes, as written: Reshape's new shape (one entry may be -1, inferred), Permute's
/// order of axes.</summary>
internal sealed record DimensionsAttribute(EquatableArray<int> Values) : OpAttributes;

/// <summary>Slice's range: <see cref="Length"/> entries from <see cref="Start"/> along <see cref="Axis"/>. A piece of
/// <c>Split(x, axis, sizes...)</c> also holds all the <see cref="Split"/> sizes (empty for a Slice), which the shape rule
/// checks against the axis.</summary>
internal sealed record SliceAttribute(int Axis, int Start, int Length, EquatableArray<int> Split = default) : OpAttributes;

/// <summary>What a reduction (Sum, Mean, Max) reduces: every element of the sample (<see cref="All"/>), or one axis
/// (negative counts from the end), kept as a dimension of 1 when <see cref="KeepDim"/>.</summary>
internal sealed record ReduceAttribute(bool All, int Axis, bool KeepDim) : OpAttributes
{
    public static readonly ReduceAttribute Everything = new(true, 0, false);
}
