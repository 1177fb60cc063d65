namespace NetCompiler;

// Arithmetic operators. Binary tensor operators broadcast per sample as NumPy does: the shapes are aligned at the last
// dimension and each pair of dimensions is equal or one of them 1 ([T, D] + [D], [T, 1] - [1, T], a scalar []); an
// unbatched operand is broadcast over the other's batch, and two batched operands must have the same batch. The gradient of a broadcast operand is summed back to its shape.
// A mismatch throws ArgumentException naming the operator and both shapes.
public sealed partial class Tensor
{
    /// <summary>Element-wise sum with broadcasting.</summary>
    /// <exception cref="System.ArgumentException">The shapes or batches do not broadcast.</exception>
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Binary(Ops.BinaryKind.Add, a, b);

    /// <summary>Element-wise difference with broadcasting.</summary>
    /// <exception cref="System.ArgumentException">The shapes or batches do not broadcast.</exception>
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Binary(Ops.BinaryKind.Subtract, a, b);

    /// <summary>Element-wise (Hadamard) product with broadcasting.</summary>
    /// <exception cref="System.ArgumentException">The shapes or batches do not broadcast.</exception>
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Binary(Ops.BinaryKind.Multiply, a, b);

    /// <summary>Adds a constant to every element.</summary>
    public static Tensor operator +(Tensor a, float b) => Ops.Binary(Ops.BinaryKind.Add, a, Scalar(b));

    /// <summary>Adds a constant to every element.</summary>
    public static Tensor operator +(float a, Tensor b) => Ops.Binary(Ops.BinaryKind.Add, Scalar(a), b);

    /// <summary>Subtracts a constant from every element.</summary>
    public static Tensor operator -(Tensor a, float b) => Ops.Binary(Ops.BinaryKind.Subtract, a, Scalar(b));

    /// <summary>Subtracts every element from a constant.</summary>
    public static Tensor operator -(float a, Tensor b) => Ops.Binary(Ops.BinaryKind.Subtract, Scalar(a), b);

    /// <summary>Multiplies every element by a constant.</summary>
    public static Tensor operator *(Tensor a, float b) => Ops.Binary(Ops.BinaryKind.Multiply, a, Scalar(b));

    /// <summary>Multiplies every element by a constant.</summary>
    public static Tensor operator *(float a, Tensor b) => Ops.Binary(Ops.BinaryKind.Multiply, Scalar(a), b);

    /// <summary>Element-wise quotient with broadcasting (<see cref="Ops.Div"/>).</summary>
    /// <exception cref="System.ArgumentException">The shapes or batches do not broadcast.</exception>
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Div(a, b);

    /// <summary>Divides a constant by every element (<see cref="Ops.Div"/>).</summary>
    public static Tensor operator /(float a, Tensor b) => Ops.Div(Scalar(a), b);

    /// <summary>Divides every element by a constant.</summary>
    public static Tensor operator /(Tensor a, float b) => Ops.Divide(a, b);

    /// <summary>Negates every element.</summary>
    public static Tensor operator -(Tensor a) => Ops.Negate(a);
}
