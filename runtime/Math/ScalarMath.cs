// Fast transcendentals for one float, for compiled scalar code (the straight-line kernels of small networks and
// the tails of vector loops). The float overloads of SimdMath are the accurate reference and call MathF or Math
// (a libm call each, about 10-20 ns here, which dominates a network as small as seed 000's); these run SimdMath's
// branch-free polynomial approximations on lane 0 of a Vector128 instead. So a compiled scalar op gives exactly
// the value one lane of the vectorized kernels gives (tests/Math/ScalarMathTests.cs checks it bit for bit), with
// SimdMath's accuracy contract. Element-wise functions without a transcendental (Relu, Step, LeakyRelu and the
// gradients written from the output) are exact already: use SimdMath's float overloads for those.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetCompiler;

/// <summary>SimdMath's vector approximations evaluated for a single float (on lane 0 of a Vector128): the same
/// result as one lane of the Vector256/Vector512 kernels, without a libm call. Used by generated scalar code and by
/// the interpreted path for the elements after its last full vector.</summary>
public static class ScalarMath
{
    /// <summary>e^x (SimdMath's approximation, within about 2 ulp of MathF.Exp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x) => SimdMath.Exp(Vector128.CreateScalar(x)).ToScalar();

    /// <summary>Natural logarithm (SimdMath's approximation, within about 1 ulp of MathF.Log).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Log(float x) => SimdMath.Log(Vector128.CreateScalar(x)).ToScalar();

    /// <summary>Hyperbolic tangent (SimdMath's approximation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => SimdMath.Tanh(Vector128.CreateScalar(x)).ToScalar();

    /// <summary>Logistic sigmoid (SimdMath's approximation, stable for any x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => SimdMath.Sigmoid(Vector128.CreateScalar(x)).ToScalar();

    /// <summary>GELU, exact erf form (SimdMath's approximation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Gelu(float x) => SimdMath.Gelu(Vector128.CreateScalar(x)).ToScalar();

    /// <summary>GELU, tanh form (SimdMath's approximation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GeluTanh(float x) => SimdMath.GeluTanh(Vector128.CreateScalar(x)).ToScalar();

    /// <summary>Swish x sigmoid(beta x) (SimdMath's approximation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Swish(float x, float beta) => SimdMath.Swish(Vector128.CreateScalar(x), beta).ToScalar();

    /// <summary>d GELU(exact) / dx (SimdMath's approximation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GeluGrad(float x) => SimdMath.GeluGrad(Vector128.CreateScalar(x)).ToScalar();

    /// <summary>d GELU(tanh) / dx (SimdMath's approximation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GeluTanhGrad(float x) => SimdMath.GeluTanhGrad(Vector128.CreateScalar(x)).ToScalar();

    /// <summary>d swish / dx (SimdMath's approximation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SwishGrad(float x, float beta) => SimdMath.SwishGrad(Vector128.CreateScalar(x), beta).ToScalar();
}
