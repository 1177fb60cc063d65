// Element-wise math for generated kernels and the interpreted path.
//
// Layout. One overload per register width, so an emitted expression reads the same on every ISA path:
//   SimdMath.cs            float overloads: the portable path and the accuracy reference
//   SimdMath.Vector512.cs  Vector512<float> overloads: branch-free polynomial approximations
//   SimdMath.Vector256.cs  the same code for Vector256<float>, generated from the 512-bit file (see its header;
//                          a test checks that the two files stay identical up to the width)
// The vector code only uses the cross-platform System.Runtime.Intrinsics API, so it is correct (if slow)
// where a width is not accelerated, including under DOTNET_EnableHWIntrinsic=0, and it gives bit-identical
// results on the hardware and software paths.
//
// Accuracy contract (checked by tests/Math/SimdMathTests.cs over a dense grid, every binade, random bit patterns
// and the special values +-0, +-Inf, NaN, subnormals and +-float.MaxValue): every vector overload agrees with its
// float overload within 2e-6 relative, or 1e-7 absolute where the result is near zero (measured: 4e-7 relative
// or better for the functions, 1.2e-6 relative / 6.5e-8 absolute for the gradients next to their zeros), and
// the float overloads agree with double-precision references within a few ulp. Special values follow the float
// overloads: NaN propagates (except Relu, Step and ReluGrad, which map NaN to 0 like the comparisons they are),
// infinities give the mathematical limits (Exp(-Inf) = 0, Tanh(+-Inf) = +-1, Gelu(-Inf) = -0,
// Swish(-Inf, 1) = -0, GeluGrad(+Inf) = 1), overflow gives +Inf and underflow gives subnormals, then 0 (the vector
// Exp, and what is built on it, flushes to 0 below the smallest normal float instead: no subnormal ever enters a
// vector instruction there, which on Intel cores costs a microcode assist each; the contract's absolute tolerance
// near zero covers the difference).
//
// Exact functions. Sqrt, Rsqrt (a correctly rounded square root, then a division: no approximate reciprocal
// square root instruction), Abs, Maximum / Minimum (IEEE 754-2019 maximum / minimum: NaN propagates, -0 < +0),
// Select, and the gradients LogGrad, SqrtGradFromOutput, RsqrtGradFromOutput, AbsGrad, MaximumGrad and MinimumGrad
// are IEEE operations, compares and blends only: every width gives the float overload's bits (checked).
//
// Cost note (no timings here on purpose; measure with bench/). Every vector function is straight-line code with
// no branches, table lookups or gathers, and inlines completely (the JIT emits no calls). Exp is about 28
// instructions: one rounding, two FMAs for the reduction, a degree-5 polynomial and two exponent-scaling
// multiplies. Log is a bit-level reduction plus a degree-8 polynomial. Tanh, Sigmoid, Swish, GeluTanh and their
// gradients add one division to an Exp; Gelu and GeluGrad one Exp, one division and a degree-8 polynomial; Erf
// adds a degree-5 polynomial to that. Relu, Step, LeakyRelu and their gradients are a compare plus an AND or a
// blend. Special values are handled with a final compare and blend, never with branches. In unoptimized (tier-0)
// code nothing is inlined and each call is slow, so hot callers should be [MethodImpl(AggressiveOptimization)].
using System;
using System.Runtime.CompilerServices;

namespace NetCompiler;

/// <summary>Element-wise math used by generated kernels and the interpreted path, with one overload per
/// register width (float, Vector256, Vector512) so an emitted expression reads the same on every ISA path.
/// The float overloads are the accurate reference (MathF, or double precision where float loses accuracy);
/// the vector overloads are branch-free polynomial approximations that agree with them within 2e-6 relative
/// (1e-7 absolute near zero) over the whole float range, including infinities, NaN and subnormals.</summary>
public static partial class SimdMath
{
    private const double InvSqrt2 = 0.70710678118654752440;      // 1/sqrt(2)
    private const double InvSqrt2Pi = 0.39894228040143267794;    // 1/sqrt(2 pi)
    private const double GeluTanhK = 0.79788456080286535588;     // sqrt(2/pi)
    private const double GeluTanhC = 0.044715;

    /// <summary>The vector Exp gives 0 below this float, the one just above ln(2^-126) = -87.3365448: below it e^x is
    /// subnormal, and computing it would read and write subnormals (see the 512-bit Exp).</summary>
    private const float ExpFlushBelow = -87.33654f;

    /// <summary>e^x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x) => MathF.Exp(x);

    /// <summary>Natural logarithm.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Log(float x) => MathF.Log(x);

    /// <summary>Hyperbolic tangent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => MathF.Tanh(x);

    /// <summary>Logistic sigmoid 1 / (1 + e^-x), evaluated in double: correct to the last bit in practice,
    /// including the subnormal results for x below about -87.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => (float)(1.0 / (1.0 + Math.Exp(-(double)x)));

    /// <summary>max(0, x); NaN maps to 0 and -0 to +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Relu(float x) => x > 0f ? x : 0f;

    /// <summary>Heaviside step (1 for x > 0, else 0; NaN maps to 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Step(float x) => x > 0f ? 1f : 0f;

    /// <summary>GELU, exact erf form: x * Phi(x) with Phi the standard normal CDF, evaluated in double through
    /// erfc so that the negative tail keeps its relative accuracy. Gelu(-Inf) = -0.</summary>
    public static float Gelu(float x)
    {
        if (float.IsNegativeInfinity(x)) return -0f;
        return (float)(x * NormalCdf(x));
    }

    /// <summary>GELU, tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), evaluated in double as
    /// the identical x / (1 + e^(-2u)), which has no cancellation for negative x. GeluTanh(-Inf) = -0.</summary>
    public static float GeluTanh(float x)
    {
        double xd = x;
        double d = 1.0 + Math.Exp(-2.0 * GeluTanhK * xd * (1.0 + GeluTanhC * xd * xd));
        return double.IsPositiveInfinity(d) ? (x < 0f ? -0f : 0f) : (float)(xd / d);
    }

    /// <summary>d tanh / dx expressed with the output y: (1 - y)(1 + y), which is 1 - y^2 without the
    /// cancellation near |y| = 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float TanhGradFromOutput(float y) => (1f - y) * (1f + y);

    /// <summary>d sigmoid / dx expressed with the output y: y (1 - y).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SigmoidGradFromOutput(float y) => y * (1f - y);

    /// <summary>d relu / dx (0 at x = 0 and for NaN). Also correct when given the relu output instead of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReluGrad(float x) => x > 0f ? 1f : 0f;

    /// <summary>d GELU(exact) / dx = Phi(x) + x phi(x), in double. The limits are 0 at -Inf and 1 at +Inf.</summary>
    public static float GeluGrad(float x)
    {
        double xd = x, e = Math.Exp(-0.5 * xd * xd);
        double cdf = NormalCdf(xd);
        return e == 0.0 ? (float)cdf : (float)(cdf + xd * InvSqrt2Pi * e);
    }

    /// <summary>d GELU(tanh) / dx = s + x s (1 - s) dv/dx with s = sigmoid(v), v = 2 sqrt(2/pi) (x + 0.044715 x^3),
    /// in double. The limits are 0 at -Inf and 1 at +Inf.</summary>
    public static float GeluTanhGrad(float x)
    {
        double xd = x, x2 = xd * xd;
        double v = 2.0 * GeluTanhK * xd * (1.0 + GeluTanhC * x2);
        double dv = 2.0 * GeluTanhK * (1.0 + 3.0 * GeluTanhC * x2);
        SigmoidAndDerivative(v, out double s, out double ds);
        return ds == 0.0 ? (float)s : (float)(s + xd * dv * ds);
    }

    /// <summary>Error function, evaluated in double (relative error below 2e-10 before the rounding to float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Erf(float x) => (float)ErfDouble(x);

    /// <summary>x for x > 0, alpha * x otherwise (NaN propagates).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LeakyRelu(float x, float alpha) => x > 0f ? x : alpha * x;

    /// <summary>d leaky relu / dx: 1 for x > 0, alpha otherwise (also for NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LeakyReluGrad(float x, float alpha) => x > 0f ? 1f : alpha;

    /// <summary>x * sigmoid(beta x), in double. The limit 0 (signed like x) is returned where sigmoid(beta x)
    /// vanishes, so Swish(-Inf, beta > 0) = -0 rather than NaN.</summary>
    public static float Swish(float x, float beta)
    {
        double d = 1.0 + Math.Exp(-((double)beta * x));
        return double.IsPositiveInfinity(d) ? (x < 0f ? -0f : 0f) : (float)(x / d);
    }

    /// <summary>d swish / dx = s + beta x s (1 - s) with s = sigmoid(beta x), in double. The limits at
    /// +-Inf are 0 or 1.</summary>
    public static float SwishGrad(float x, float beta)
    {
        double v = (double)beta * x;
        SigmoidAndDerivative(v, out double s, out double ds);
        return ds == 0.0 ? (float)s : (float)(s + v * ds);
    }

    /// <summary>Square root (correctly rounded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sqrt(float x) => MathF.Sqrt(x);

    /// <summary>1 / sqrt(x), two correctly rounded operations: +Inf at +0, -Inf at -0, NaN below 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Rsqrt(float x) => 1f / MathF.Sqrt(x);

    /// <summary>|x|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Abs(float x) => MathF.Abs(x);

    /// <summary>d log / dx = 1 / x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LogGrad(float x) => 1f / x;

    /// <summary>d sqrt / dx from the output y = sqrt(x): 0.5 / y (+Inf at x = 0, as PyTorch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SqrtGradFromOutput(float y) => 0.5f / y;

    /// <summary>d rsqrt / dx from the output y = 1 / sqrt(x): -0.5 y^3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RsqrtGradFromOutput(float y) => -0.5f * y * y * y;

    /// <summary>d |x| / dx = sign(x), 0 at +-0 (as PyTorch) and for NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float AbsGrad(float x) => x > 0f ? 1f : x < 0f ? -1f : 0f;

    /// <summary>The larger of a and b: NaN if either is NaN, +0 above -0 (torch.maximum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Maximum(float a, float b) => MathF.Max(a, b);

    /// <summary>The smaller of a and b: NaN if either is NaN, -0 below +0 (torch.minimum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Minimum(float a, float b) => MathF.Min(a, b);

    /// <summary>The share of d maximum(self, other) / d output that goes to self, as PyTorch: 0 where self &lt; other,
    /// half on a tie (each operand gets half), 1 otherwise (also when either is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaximumGrad(float self, float other) => self < other ? 0f : self == other ? 0.5f : 1f;

    /// <summary>The share of d minimum(self, other) / d output that goes to self, as PyTorch: 0 where self &gt; other,
    /// half on a tie, 1 otherwise (also when either is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MinimumGrad(float self, float other) => self > other ? 0f : self == other ? 0.5f : 1f;

    /// <summary>a where mask != 0, else b (Where's element; a NaN mask counts as nonzero, as a bool of NaN in PyTorch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Select(float mask, float a, float b) => mask != 0f ? a : b;

    // ---- double-precision helpers of the float overloads -------------------------------------------------

    /// <summary>sigmoid(v) and its derivative sigmoid(v) (1 - sigmoid(v)) = e / (1 + e)^2 with e = exp(-|v|),
    /// both without cancellation or overflow for any v.</summary>
    private static void SigmoidAndDerivative(double v, out double s, out double ds)
    {
        double e = Math.Exp(-Math.Abs(v)), r = 1.0 / (1.0 + e);
        s = v < 0 ? e * r : r;
        ds = e * r * r;
    }

    /// <summary>Standard normal CDF Phi(x) = erfc(-x / sqrt 2) / 2, from erfc of |x| so that the small side of
    /// each tail is relatively accurate: Phi itself for x &lt; 0 and 1 - Phi for x &gt; 0. x^2 / 2 is exact in
    /// double for a float x.</summary>
    private static double NormalCdf(double x)
    {
        double h = 0.5 * ErfcDouble(Math.Abs(x) * InvSqrt2, 0.5 * x * x);
        return x < 0 ? h : 1.0 - h;
    }

    /// <summary>erf(x) in double.</summary>
    private static double ErfDouble(double x)
    {
        double ax = Math.Abs(x);
        if (ax < 0.9) return x * ErfSmallPoly(x * x);
        if (ax >= 6.0) return Math.CopySign(1.0, x);        // erfc(6) = 2e-17: exactly +-1 in double
        return Math.CopySign(1.0 - ErfcDouble(ax, ax * ax), x); // NaN fails both tests and propagates here
    }

    // erf(x) / x = P(x^2) on |x| < 0.9: degree-8 polynomial, Lawson (near-minimax) fit of relative error
    // against a 1e-15 Taylor reference; max relative error 1.4e-13.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ErfSmallPoly(double s)
    {
        double p = -1.4213453951737832E-05 + s * 1.1484862711714496E-06;
        p = 1.1998493334740598E-04 + s * p;
        p = -8.5456445110044530E-04 + s * p;
        p = 5.2239026475341400E-03 + s * p;
        p = -2.6866158805290592E-02 + s * p;
        p = 0.11283791576839283 + s * p;
        p = -0.3761263890028918 + s * p;
        return 1.1283791670953642 + s * p;
    }

    /// <summary>erfc(z) for z &gt;= 0 (NaN propagates), given z2 = z * z as accurately as the caller has it.
    /// erfc(z) = t e^(-z^2) P(t) with t = 1 / (1 + z/2) in (1/6.25, 1]: degree-12 Lawson fit of the relative
    /// error against a Taylor / continued-fraction reference on z in [0, 10.5]; max relative error 1.7e-10.
    /// Beyond 10.5 the result (below 1e-49) is far under the float range and t is held at its end value.</summary>
    private static double ErfcDouble(double z, double z2)
    {
        double t = 1.0 / (1.0 + 0.5 * Math.Min(z, 10.5));
        double p = 0.04285568637930178 + t * -0.01059740119878511;
        p = 0.0006612409960768127 + t * p;
        p = -0.3107574627901907 + t * p;
        p = 0.7518053734387654 + t * p;
        p = -0.7883867101932521 + t * p;
        p = 0.38404382527032715 + t * p;
        p = -0.18118629460870306 + t * p;
        p = 0.13220468745917469 + t * p;
        p = 0.16733312593392152 + t * p;
        p = 0.2479068312788587 + t * p;
        p = 0.2820200085235785 + t * p;
        p = 0.28209708934118166 + t * p;
        return t * p * Math.Exp(-z2);
    }
}
