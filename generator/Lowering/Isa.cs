namespace NetCompiler.Generator.Lowering;

/// <summary>The register widths every vectorized kernel is emitted for. The generated code picks one with
/// <c>Vector512.IsHardwareAccelerated</c> / <c>Vector256.IsHardwareAccelerated</c>, which the JIT folds to
/// constants, so only the chosen path is compiled.</summary>
internal enum Isa
{
    V512,
    V256,
    Scalar,
}

internal static class IsaText
{
    public static int Width(this Isa isa) => isa switch { Isa.V512 => 16, Isa.V256 => 8, _ => 1 };

    public static string Vector(this Isa isa) => isa == Isa.V512 ? "Vector512" : "Vector256";

    /// <summary>Element <paramref name="index"/> of the buffer <paramref name="reference"/> (a ref float expression).</summary>
    public static string Elem(string reference, string index) =>
        index == "0" ? reference : $"Unsafe.Add(ref {reference}, {index})";

    public static string Load(this Isa isa, string reference, string index) =>
        isa == Isa.Scalar ? Elem(reference, index) : $"{isa.Vector()}.LoadUnsafe(ref {reference}, (nuint)({index}))";

    public static string Broadcast(this Isa isa, string scalar) =>
        isa == Isa.Scalar ? scalar : $"{isa.Vector()}.Create({scalar})";

    /// <summary>The larger of two values (NaN if either is NaN, as MathF.Max and TensorPrimitives.Max).</summary>
    public static string Max(this Isa isa, string a, string b) =>
        isa == Isa.Scalar ? $"MathF.Max({a}, {b})" : $"{isa.Vector()}.Max({a}, {b})";

    /// <summary>The correctly rounded square root (IEEE: the same bits at every width).</summary>
    public static string Sqrt(this Isa isa, string x) => isa == Isa.Scalar ? $"MathF.Sqrt({x})" : $"{isa.Vector()}.Sqrt({x})";

    public static string Fma(this Isa isa, string a, string b, string c) =>
        isa == Isa.Scalar ? $"MathF.FusedMultiplyAdd({a}, {b}, {c})" : $"{isa.Vector()}.FusedMultiplyAdd({a}, {b}, {c})";

    /// <summary>The runtime class whose overload evaluates a transcendental (exp, log, tanh, ...) at this width:
    /// ScalarMath for one float (SimdMath's approximation on one lane, no libm call), else SimdMath.</summary>
    public static string Math(this Isa isa) => isa == Isa.Scalar ? "ScalarMath" : "SimdMath";

    public static string Zero(this Isa isa) => isa == Isa.Scalar ? "0f" : $"{isa.Vector()}<float>.Zero";

    /// <summary>Index expression <c>i + offset</c> written simply.</summary>
    public static string Plus(string index, int offset) =>
        offset == 0 ? index : index == "0" ? offset.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{index} + {offset}";
}
