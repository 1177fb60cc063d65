// SimdMath overloads for one register width. The files SimdMath.Vector{128,256,512}.cs are identical up to
// the width (a test checks it): edit the 512-bit one, then regenerate the others with
//   cd runtime/Math && for w in 1''28 2''56; do sed s/Vector5''12/Vector$w/g SimdMath.Vector5''12.cs > SimdMath.Vector$w.cs; done
// (the quotes keep this line itself unchanged). The accuracy contract is in SimdMath.cs; each approximation's
// origin and error are on its method; the measured errors are checked in tests/Math/SimdMathTests.cs.
// The 128-bit overloads exist for ScalarMath, which runs them on one lane in compiled scalar code.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetCompiler;

public static partial class SimdMath
{
    /// <summary>e^x. Range reduction x = n ln2 + r with |r| &lt;= ln2/2 (n = round(x / ln2), ln2 split in a high part
    /// exact to 24 bits and a low part, both applied with FMA), e^r from the Cephes expf degree-5 polynomial
    /// (about 1 ulp), then scaling by 2^n as two exponent-field multiplies 2^(n/2) 2^(n - n/2) so that results
    /// round once and correctly. Results below the smallest normal float are flushed to 0: x is clamped to
    /// [ExpFlushBelow, 89] (ExpFlushBelow = -87.33654, the float just above ln 2^-126), so that no instruction here reads or
    /// writes a subnormal (Intel cores take a microcode assist for each one; .NET cannot set the flush-to-zero
    /// bits), and x below it gives 0. Above ln(float.MaxValue) the result overflows to +Inf; NaN is passed through.
    /// Measured: within 1.5e-7 relative of MathF.Exp (about 2 ulp) where the result is normal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        Vector128<float> xc = Vector128.ClampNative(x, Vector128.Create(ExpFlushBelow), Vector128.Create(89f));
        Vector128<float> n = Vector128.Round(xc * Vector128.Create(1.44269504088896341f));
        Vector128<float> r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-0.693145751953125f), xc);   // ln2 high part (exact n * hi)
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-1.428606765330187e-06f), r);                 // ln2 low part
        Vector128<float> p = Vector128.FusedMultiplyAdd(Vector128.Create(1.9875691500e-4f), r, Vector128.Create(1.3981999507e-3f));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(8.3334519073e-3f));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(4.1665795894e-2f));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(1.6666665459e-1f));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(5.0000001201e-1f));
        Vector128<float> y = Vector128.FusedMultiplyAdd(p, r * r, r) + Vector128<float>.One;           // 1 + r + r^2 P(r)
        Vector128<int> ni = Vector128.ConvertToInt32Native(n);                                          // n in [-150, 128]: exact
        Vector128<int> n1 = Vector128.ShiftRightArithmetic(ni, 1);
        Vector128<int> bias = Vector128.Create(127);
        Vector128<float> s1 = Vector128.ShiftLeft(n1 + bias, 23).AsSingle();
        Vector128<float> s2 = Vector128.ShiftLeft(ni - n1 + bias, 23).AsSingle();
        Vector128<float> e = Vector128.AndNot(y * s1 * s2, Vector128.LessThan(x, Vector128.Create(ExpFlushBelow)));
        return Vector128.ConditionalSelect(Vector128.IsNaN(x), x, e);
    }

    /// <summary>Natural logarithm. x = 2^e m with m in [sqrt(1/2), sqrt(2)) read from the bits (subnormals are
    /// scaled by 2^23 first), log(m) = f - f^2/2 + f^3 P(f) with f = m - 1 exact and P the Cephes logf degree-8
    /// polynomial, and e ln2 added in two parts. Log(0) = -Inf, Log(+Inf) = +Inf, Log(x &lt; 0) = NaN.
    /// Measured: within 1.2e-7 relative of MathF.Log (about 1 ulp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Log(Vector128<float> x)
    {
        Vector128<float> subnormal = Vector128.LessThan(x, Vector128.Create(1.17549435e-38f));
        Vector128<float> xs = Vector128.ConditionalSelect(subnormal, x * Vector128.Create(8388608f), x);
        Vector128<int> u = xs.AsInt32() - Vector128.Create(0x3f3504f3);                                  // bits of sqrt(1/2)
        Vector128<float> f = ((u & Vector128.Create(0x007fffff)) + Vector128.Create(0x3f3504f3)).AsSingle() - Vector128<float>.One;
        Vector128<float> e = Vector128.ConvertToSingle(Vector128.ShiftRightArithmetic(u, 23))
                           - (subnormal & Vector128.Create(23f));
        Vector128<float> z = f * f;
        Vector128<float> p = Vector128.FusedMultiplyAdd(Vector128.Create(7.0376836292e-2f), f, Vector128.Create(-1.1514610310e-1f));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(1.1676998740e-1f));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(-1.2420140846e-1f));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(1.4249322787e-1f));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(-1.6668057665e-1f));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(2.0000714765e-1f));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(-2.4999993993e-1f));
        p = Vector128.FusedMultiplyAdd(p, f, Vector128.Create(3.3333331174e-1f));
        Vector128<float> y = Vector128.FusedMultiplyAdd(e, Vector128.Create(-2.12194440e-4f), p * f * z);
        y = Vector128.FusedMultiplyAdd(z, Vector128.Create(-0.5f), y);
        y = Vector128.FusedMultiplyAdd(e, Vector128.Create(0.693359375f), f + y);
        // Special cases: +Inf stays, 0 gives -Inf, negative and NaN give NaN.
        y = Vector128.ConditionalSelect(Vector128.Equals(x, Vector128.Create(float.PositiveInfinity)), x, y);
        y = Vector128.ConditionalSelect(Vector128.Equals(x, Vector128<float>.Zero), Vector128.Create(float.NegativeInfinity), y);
        return Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(x, Vector128<float>.Zero), y, Vector128.Create(float.NaN));
    }

    /// <summary>Hyperbolic tangent. For |x| &lt; 0.625 the Cephes tanhf odd polynomial x + x^3 P(x^2) (relative
    /// error about 1e-7, exact for subnormals); otherwise sign(x) (1 - 2 / (e^(2|x|) + 1)),
    /// which saturates to +-1 once e^(2|x|) overflows. Measured: within 2.2e-7 relative of MathF.Tanh.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        Vector128<float> ax = Vector128.Abs(x);
        Vector128<float> z = x * x;
        Vector128<float> p = Vector128.FusedMultiplyAdd(Vector128.Create(-5.70498872745e-3f), z, Vector128.Create(2.06390887954e-2f));
        p = Vector128.FusedMultiplyAdd(p, z, Vector128.Create(-5.37397155531e-2f));
        p = Vector128.FusedMultiplyAdd(p, z, Vector128.Create(1.33314422036e-1f));
        p = Vector128.FusedMultiplyAdd(p, z, Vector128.Create(-3.33332819422e-1f));
        Vector128<float> small = Vector128.FusedMultiplyAdd(p * z, x, x);
        Vector128<float> large = Vector128<float>.One - Vector128.Create(2f) / (Exp(ax + ax) + Vector128<float>.One);
        // The sign is copied last for both branches: the polynomial alone would turn -0 into +0.
        return Vector128.CopySign(Vector128.ConditionalSelect(Vector128.LessThan(ax, Vector128.Create(0.625f)), small, large), x);
    }

    /// <summary>Logistic sigmoid, stable for any x: with e = e^-|x| (never overflows), 1 / (1 + e) for x &gt;= 0
    /// and e / (1 + e) for x &lt; 0, so the negative tail keeps its relative accuracy down to the subnormals.
    /// Measured: within 2.5e-7 relative of the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x)
    {
        Vector128<float> e = Exp(-Vector128.Abs(x));
        Vector128<float> num = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), e, Vector128<float>.One);
        return num / (Vector128<float>.One + e);
    }

    /// <summary>max(0, x) as x AND (x &gt; 0): NaN maps to 0 and -0 to +0, exactly like the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Relu(Vector128<float> x) => x & Vector128.GreaterThan(x, Vector128<float>.Zero);

    /// <summary>Heaviside step (1 for x &gt; 0, else 0; NaN maps to 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Step(Vector128<float> x) => Vector128<float>.One & Vector128.GreaterThan(x, Vector128<float>.Zero);

    /// <summary>GELU, exact erf form x Phi(x), with Phi(x) = erfc(-x/sqrt2)/2 as h = erfc(|x|/sqrt2)/2 (see ErfcCore)
    /// for for x &lt; 0 and 1 - h for x &gt;= 0, so the negative tail is accurate relative to the result. Gelu(-Inf) = -0.
    /// Measured: within 4.1e-7 relative of the float overload wherever |Gelu(x)| &gt; 1e-31 (x &gt; -11.9); below that
    /// e^(-x^2/2) is subnormal and only the absolute error (under 1e-38) is small.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Gelu(Vector128<float> x)
    {
        Vector128<float> h = ErfcHalf(x, out _);
        Vector128<float> phi = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), h, Vector128<float>.One - h);
        Vector128<float> y = x * phi;
        y = Vector128.ConditionalSelect(Vector128.IsNegativeInfinity(x), Vector128.Create(-0f), y);
        return Vector128.ConditionalSelect(Vector128.IsNaN(x), x, y);
    }

    /// <summary>GELU, tanh approximation, as the identical x sigmoid(2u) with u = sqrt(2/pi) (x + 0.044715 x^3)
    /// (see XSigmoid): one Exp and one division, no cancellation in the negative tail, limit -0 at -Inf.
    /// Measured: within 3.1e-7 relative of the float overload where |result| &gt; 0.05 and 1.5e-8 absolute elsewhere;
    /// in the negative tail the relative error grows like |2u| 1e-7 (the rounding of u).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> GeluTanh(Vector128<float> x)
        => XSigmoid(x, x * Vector128.FusedMultiplyAdd(x * x, Vector128.Create((float)(2 * GeluTanhK * GeluTanhC)), Vector128.Create((float)(2 * GeluTanhK))));

    /// <summary>d tanh / dx from the output: (1 - y)(1 + y), bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> TanhGradFromOutput(Vector128<float> y) => (Vector128<float>.One - y) * (Vector128<float>.One + y);

    /// <summary>d sigmoid / dx from the output: y (1 - y), bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SigmoidGradFromOutput(Vector128<float> y) => y * (Vector128<float>.One - y);

    /// <summary>d relu / dx (0 at x = 0 and for NaN), bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ReluGrad(Vector128<float> x) => Vector128<float>.One & Vector128.GreaterThan(x, Vector128<float>.Zero);

    /// <summary>d GELU(exact) / dx = Phi(x) + x phi(x), sharing e^(-x^2/2) between the two terms; the term x phi(x)
    /// is dropped where phi underflows, which gives the limits 0 and 1 at -Inf and +Inf.
    /// Measured against the float overload: 6.5e-8 absolute where |result| &lt; 0.05, otherwise 1.2e-6 relative at
    /// worst (next to the zero of the derivative near x = -0.75, where the two terms cancel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> GeluGrad(Vector128<float> x)
    {
        Vector128<float> h = ErfcHalf(x, out Vector128<float> e);
        Vector128<float> phi = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), h, Vector128<float>.One - h);
        Vector128<float> y = Vector128.FusedMultiplyAdd(x, e * Vector128.Create((float)InvSqrt2Pi), phi);
        y = Vector128.ConditionalSelect(Vector128.Equals(e, Vector128<float>.Zero), phi, y);
        return Vector128.ConditionalSelect(Vector128.IsNaN(x), x, y);
    }

    /// <summary>d GELU(tanh) / dx = s + x v'(x) s (1 - s) with s = sigmoid(v), v = 2 sqrt(2/pi) (x + 0.044715 x^3),
    /// both
    /// computed from e^-|v| without cancellation (see SigmoidAndDerivative).
    /// Measured against the float overload: 4e-8 absolute where |result| &lt; 0.05, otherwise 1.0e-6 relative at
    /// worst (next to the zero of the derivative near x = -0.75, where the two terms cancel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> GeluTanhGrad(Vector128<float> x)
    {
        Vector128<float> x2 = x * x;
        Vector128<float> v = x * Vector128.FusedMultiplyAdd(x2, Vector128.Create((float)(2 * GeluTanhK * GeluTanhC)), Vector128.Create((float)(2 * GeluTanhK)));
        Vector128<float> dv = Vector128.FusedMultiplyAdd(x2, Vector128.Create((float)(6 * GeluTanhK * GeluTanhC)), Vector128.Create((float)(2 * GeluTanhK)));
        Vector128<float> s = SigmoidAndDerivative(v, out Vector128<float> ds);
        Vector128<float> y = Vector128.FusedMultiplyAdd(x * dv, ds, s);
        return Vector128.ConditionalSelect(Vector128.Equals(ds, Vector128<float>.Zero), s, y);
    }

    /// <summary>Error function. For |x| &lt; 0.9, x P(x^2) with P a degree-5 Lawson (near-minimax) fit of the
    /// relative error (1.2e-8 in exact arithmetic, so exact at 0, for subnormals and -0); otherwise
    /// sign(x) (1 - erfc|x|) with erfc from ErfcCore below.
    /// Measured: within 2.5e-7 relative of the float overload (so also 2.5e-7 absolute).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Erf(Vector128<float> x)
    {
        Vector128<float> ax = Vector128.Abs(x);
        Vector128<float> z = x * x;
        Vector128<float> p = Vector128.FusedMultiplyAdd(Vector128.Create(-0.000609036f), z, Vector128.Create(0.0050119627f));
        p = Vector128.FusedMultiplyAdd(p, z, Vector128.Create(-0.026778908f));
        p = Vector128.FusedMultiplyAdd(p, z, Vector128.Create(0.11282141f));
        p = Vector128.FusedMultiplyAdd(p, z, Vector128.Create(-0.37612525f));
        p = Vector128.FusedMultiplyAdd(p, z, Vector128.Create(1.1283791f));
        Vector128<float> small = x * p;
        Vector128<float> axc = Vector128.MinNative(ax, Vector128.Create(4f));                        // erf(4) rounds to 1
        Vector128<float> large = Vector128<float>.One - ErfcCore(axc, Exp(-(axc * axc)));
        large = Vector128.CopySign(large, x);
        Vector128<float> y = Vector128.ConditionalSelect(Vector128.LessThan(ax, Vector128.Create(0.9f)), small, large);
        return Vector128.ConditionalSelect(Vector128.IsNaN(x), x, y);
    }

    /// <summary>x for x &gt; 0, alpha * x otherwise (NaN propagates), bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LeakyRelu(Vector128<float> x, float alpha)
        => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), x, x * Vector128.Create(alpha));

    /// <summary>d leaky relu / dx: 1 for x &gt; 0, alpha otherwise, bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LeakyReluGrad(Vector128<float> x, float alpha)
        => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), Vector128<float>.One, Vector128.Create(alpha));

    /// <summary>x * sigmoid(beta x) (see XSigmoid): one Exp and one division, relative accuracy in both tails, and
    /// the limit 0 (signed like x) where sigmoid(beta x) vanishes. Measured: within 3e-7 relative of the float
    /// overload where |result| &gt; 0.05 and 1.2e-8 absolute elsewhere; far in the vanishing tail the relative
    /// error grows like |beta x| 6e-8 (the rounding of beta x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Swish(Vector128<float> x, float beta) => XSigmoid(x, x * Vector128.Create(beta));

    /// <summary>d swish / dx = s + v s (1 - s) with v = beta x, s = sigmoid(v), s and s (1 - s) from
    /// SigmoidAndDerivative (no cancellation); the limits at +-Inf are 0 or 1.
    /// Measured against the float overload: 3.5e-8 absolute where |result| &lt; 0.05, otherwise 6.5e-7 relative at
    /// worst (next to the zero of the derivative at beta x = -1.28).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SwishGrad(Vector128<float> x, float beta)
    {
        Vector128<float> v = x * Vector128.Create(beta);
        Vector128<float> s = SigmoidAndDerivative(v, out Vector128<float> ds);
        Vector128<float> y = Vector128.FusedMultiplyAdd(v, ds, s);
        return Vector128.ConditionalSelect(Vector128.Equals(ds, Vector128<float>.Zero), s, y);
    }

    // ---- exact element-wise functions: IEEE operations only, so every width gives the float overload's bits ----

    /// <summary>Square root (correctly rounded; NaN for x &lt; 0, -0 for -0), bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sqrt(Vector128<float> x) => Vector128.Sqrt(x);

    /// <summary>1 / sqrt(x) as a correctly rounded square root and a correctly rounded division (no approximate
    /// reciprocal square root instruction), bit-identical to the float overload: +Inf at +0, -Inf at -0, NaN below 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Rsqrt(Vector128<float> x) => Vector128<float>.One / Vector128.Sqrt(x);

    /// <summary>|x| (clears the sign bit), bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Abs(Vector128<float> x) => Vector128.Abs(x);

    /// <summary>d log / dx = 1 / x, bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LogGrad(Vector128<float> x) => Vector128<float>.One / x;

    /// <summary>d sqrt / dx from the output: 0.5 / y, bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SqrtGradFromOutput(Vector128<float> y) => Vector128.Create(0.5f) / y;

    /// <summary>d rsqrt / dx from the output: -0.5 y^3, multiplied left to right, bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> RsqrtGradFromOutput(Vector128<float> y) => Vector128.Create(-0.5f) * y * y * y;

    /// <summary>d |x| / dx = sign(x): 1, -1, or 0 at +-0 and for NaN; bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> AbsGrad(Vector128<float> x) =>
        (Vector128<float>.One & Vector128.GreaterThan(x, Vector128<float>.Zero)) - (Vector128<float>.One & Vector128.LessThan(x, Vector128<float>.Zero));

    /// <summary>The larger of a and b (IEEE 754-2019 maximum: NaN if either is NaN, +0 above -0), bit-identical to
    /// the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Maximum(Vector128<float> a, Vector128<float> b) => Vector128.Max(a, b);

    /// <summary>The smaller of a and b (IEEE 754-2019 minimum: NaN if either is NaN, -0 below +0), bit-identical to
    /// the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Minimum(Vector128<float> a, Vector128<float> b) => Vector128.Min(a, b);

    /// <summary>The share of d maximum(self, other) that goes to self: 0 where self &lt; other, 0.5 on a tie, else 1
    /// (PyTorch's rule, so a NaN operand passes the whole gradient to both); bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MaximumGrad(Vector128<float> self, Vector128<float> other) =>
        Vector128.ConditionalSelect(Vector128.Equals(self, other), Vector128.Create(0.5f), Vector128<float>.One)
        & ~Vector128.LessThan(self, other);

    /// <summary>The share of d minimum(self, other) that goes to self: 0 where self &gt; other, 0.5 on a tie, else 1;
    /// bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MinimumGrad(Vector128<float> self, Vector128<float> other) =>
        Vector128.ConditionalSelect(Vector128.Equals(self, other), Vector128.Create(0.5f), Vector128<float>.One)
        & ~Vector128.GreaterThan(self, other);

    /// <summary>a where mask != 0, else b (a NaN mask selects a), bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Select(Vector128<float> mask, Vector128<float> a, Vector128<float> b) =>
        Vector128.ConditionalSelect(Vector128.Equals(mask, Vector128<float>.Zero), b, a);

    // ---- shared pieces ------------------------------------------------------------------------------------

    /// <summary>sigmoid(v) and sigmoid'(v) = s (1 - s), both accurate for any v: with e = e^-|v| and r = 1/(1 + e),
    /// s = r (v &gt;= 0) or e r (v &lt; 0) and s (1 - s) = e r^2, never 1 - s. NaN propagates to both.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> SigmoidAndDerivative(Vector128<float> v, out Vector128<float> ds)
    {
        Vector128<float> e = Exp(-Vector128.Abs(v));
        Vector128<float> r = Vector128<float>.One / (Vector128<float>.One + e);
        Vector128<float> er = e * r;
        ds = er * r;
        return Vector128.ConditionalSelect(Vector128.LessThan(v, Vector128<float>.Zero), er, r);
    }

    /// <summary>x sigmoid(v) for any x and v: with e = e^-|v| (never overflows), x / (1 + e) for v &gt;= 0 and
    /// x e / (1 + e) for v &lt; 0. Where e underflows to 0 with v &lt; 0 the result is 0 signed like x, which is also
    /// the limit when x is infinite (x e would be Inf * 0 = NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> XSigmoid(Vector128<float> x, Vector128<float> v)
    {
        Vector128<float> e = Exp(-Vector128.Abs(v));
        Vector128<float> negative = Vector128.LessThan(v, Vector128<float>.Zero);
        Vector128<float> y = Vector128.ConditionalSelect(negative, x * e, x) / (Vector128<float>.One + e);
        return Vector128.ConditionalSelect(negative & Vector128.Equals(e, Vector128<float>.Zero), x & Vector128.Create(-0f), y);
    }

    /// <summary>erfc(|x| / sqrt2) / 2 (for any x; the sign is ignored), and e = e^(-x^2/2). x^2 is split into
    /// hi + lo exactly with an FMA and e = e^(-hi/2) (1 - lo/2), which removes the main error of the tail
    /// (up to 1e-6 relative at |x| = 5 otherwise). |x| is clamped to 15, where e is already 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ErfcHalf(Vector128<float> x, out Vector128<float> e)
    {
        Vector128<float> a = Vector128.MinNative(Vector128.Abs(x), Vector128.Create(15f));
        Vector128<float> hi = a * a;
        Vector128<float> lo = Vector128.FusedMultiplyAdd(a, a, -hi);
        Vector128<float> half = Vector128.Create(0.5f);
        e = Exp(-(hi * half));
        e = Vector128.FusedMultiplyAdd(e, -(lo * half), e);
        return half * ErfcCore(a * Vector128.Create((float)InvSqrt2), e);
    }

    /// <summary>erfc(z) for z in [0, Inf), given e = e^(-z^2): t e P(t) with t = 1/(1 + z/2) and P of degree 8, a
    /// Lawson (near-minimax) fit of the relative error of erfc on z in [0, 10]; 4.3e-8 in exact arithmetic and
    /// about 3e-7 in float (mostly from rounding t). Past z = 10 (erfc below 2.1e-45) t is held at 1/6.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ErfcCore(Vector128<float> z, Vector128<float> e)
    {
        Vector128<float> t = Vector128<float>.One / Vector128.FusedMultiplyAdd(Vector128.MinNative(z, Vector128.Create(10f)), Vector128.Create(0.5f), Vector128<float>.One);
        Vector128<float> p = Vector128.FusedMultiplyAdd(Vector128.Create(-0.059068967f), t, Vector128.Create(0.284575f));
        p = Vector128.FusedMultiplyAdd(p, t, Vector128.Create(-0.48719996f));
        p = Vector128.FusedMultiplyAdd(p, t, Vector128.Create(0.2780672f));
        p = Vector128.FusedMultiplyAdd(p, t, Vector128.Create(-0.026625697f));
        p = Vector128.FusedMultiplyAdd(p, t, Vector128.Create(0.20268688f));
        p = Vector128.FusedMultiplyAdd(p, t, Vector128.Create(0.24310376f));
        p = Vector128.FusedMultiplyAdd(p, t, Vector128.Create(0.2823753f));
        p = Vector128.FusedMultiplyAdd(p, t, Vector128.Create(0.28208643f));
        return t * e * p;
    }
}
