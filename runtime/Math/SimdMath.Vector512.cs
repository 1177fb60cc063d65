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
    public static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> xc = Vector512.ClampNative(x, Vector512.Create(ExpFlushBelow), Vector512.Create(89f));
        Vector512<float> n = Vector512.Round(xc * Vector512.Create(1.44269504088896341f));
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693145751953125f), xc);   // ln2 high part (exact n * hi)
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-1.428606765330187e-06f), r);                 // ln2 low part
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(1.9875691500e-4f), r, Vector512.Create(1.3981999507e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        Vector512<float> y = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;           // 1 + r + r^2 P(r)
        Vector512<int> ni = Vector512.ConvertToInt32Native(n);                                          // n in [-150, 128]: exact
        Vector512<int> n1 = Vector512.ShiftRightArithmetic(ni, 1);
        Vector512<int> bias = Vector512.Create(127);
        Vector512<float> s1 = Vector512.ShiftLeft(n1 + bias, 23).AsSingle();
        Vector512<float> s2 = Vector512.ShiftLeft(ni - n1 + bias, 23).AsSingle();
        Vector512<float> e = Vector512.AndNot(y * s1 * s2, Vector512.LessThan(x, Vector512.Create(ExpFlushBelow)));
        return Vector512.ConditionalSelect(Vector512.IsNaN(x), x, e);
    }

    /// <summary>Natural logarithm. x = 2^e m with m in [sqrt(1/2), sqrt(2)) read from the bits (subnormals are
    /// scaled by 2^23 first), log(m) = f - f^2/2 + f^3 P(f) with f = m - 1 exact and P the Cephes logf degree-8
    /// polynomial, and e ln2 added in two parts. Log(0) = -Inf, Log(+Inf) = +Inf, Log(x &lt; 0) = NaN.
    /// Measured: within 1.2e-7 relative of MathF.Log (about 1 ulp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log(Vector512<float> x)
    {
        Vector512<float> subnormal = Vector512.LessThan(x, Vector512.Create(1.17549435e-38f));
        Vector512<float> xs = Vector512.ConditionalSelect(subnormal, x * Vector512.Create(8388608f), x);
        Vector512<int> u = xs.AsInt32() - Vector512.Create(0x3f3504f3);                                  // bits of sqrt(1/2)
        Vector512<float> f = ((u & Vector512.Create(0x007fffff)) + Vector512.Create(0x3f3504f3)).AsSingle() - Vector512<float>.One;
        Vector512<float> e = Vector512.ConvertToSingle(Vector512.ShiftRightArithmetic(u, 23))
                           - (subnormal & Vector512.Create(23f));
        Vector512<float> z = f * f;
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(7.0376836292e-2f), f, Vector512.Create(-1.1514610310e-1f));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(1.1676998740e-1f));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(-1.2420140846e-1f));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(1.4249322787e-1f));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(-1.6668057665e-1f));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(2.0000714765e-1f));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(-2.4999993993e-1f));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(3.3333331174e-1f));
        Vector512<float> y = Vector512.FusedMultiplyAdd(e, Vector512.Create(-2.12194440e-4f), p * f * z);
        y = Vector512.FusedMultiplyAdd(z, Vector512.Create(-0.5f), y);
        y = Vector512.FusedMultiplyAdd(e, Vector512.Create(0.693359375f), f + y);
        // Special cases: +Inf stays, 0 gives -Inf, negative and NaN give NaN.
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(float.PositiveInfinity)), x, y);
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<float>.Zero), Vector512.Create(float.NegativeInfinity), y);
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), y, Vector512.Create(float.NaN));
    }

    /// <summary>Hyperbolic tangent. For |x| &lt; 0.625 the Cephes tanhf odd polynomial x + x^3 P(x^2) (relative
    /// error about 1e-7, exact for subnormals); otherwise sign(x) (1 - 2 / (e^(2|x|) + 1)),
    /// which saturates to +-1 once e^(2|x|) overflows. Measured: within 2.2e-7 relative of MathF.Tanh.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> ax = Vector512.Abs(x);
        Vector512<float> z = x * x;
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(-5.70498872745e-3f), z, Vector512.Create(2.06390887954e-2f));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(-5.37397155531e-2f));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(1.33314422036e-1f));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(-3.33332819422e-1f));
        Vector512<float> small = Vector512.FusedMultiplyAdd(p * z, x, x);
        Vector512<float> large = Vector512<float>.One - Vector512.Create(2f) / (Exp(ax + ax) + Vector512<float>.One);
        // The sign is copied last for both branches: the polynomial alone would turn -0 into +0.
        return Vector512.CopySign(Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(0.625f)), small, large), x);
    }

    /// <summary>Logistic sigmoid, stable for any x: with e = e^-|x| (never overflows), 1 / (1 + e) for x &gt;= 0
    /// and e / (1 + e) for x &lt; 0, so the negative tail keeps its relative accuracy down to the subnormals.
    /// Measured: within 2.5e-7 relative of the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x)
    {
        Vector512<float> e = Exp(-Vector512.Abs(x));
        Vector512<float> num = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), e, Vector512<float>.One);
        return num / (Vector512<float>.One + e);
    }

    /// <summary>max(0, x) as x AND (x &gt; 0): NaN maps to 0 and -0 to +0, exactly like the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Relu(Vector512<float> x) => x & Vector512.GreaterThan(x, Vector512<float>.Zero);

    /// <summary>Heaviside step (1 for x &gt; 0, else 0; NaN maps to 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Step(Vector512<float> x) => Vector512<float>.One & Vector512.GreaterThan(x, Vector512<float>.Zero);

    /// <summary>GELU, exact erf form x Phi(x), with Phi(x) = erfc(-x/sqrt2)/2 as h = erfc(|x|/sqrt2)/2 (see ErfcCore)
    /// for for x &lt; 0 and 1 - h for x &gt;= 0, so the negative tail is accurate relative to the result. Gelu(-Inf) = -0.
    /// Measured: within 4.1e-7 relative of the float overload wherever |Gelu(x)| &gt; 1e-31 (x &gt; -11.9); below that
    /// e^(-x^2/2) is subnormal and only the absolute error (under 1e-38) is small.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Gelu(Vector512<float> x)
    {
        Vector512<float> h = ErfcHalf(x, out _);
        Vector512<float> phi = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), h, Vector512<float>.One - h);
        Vector512<float> y = x * phi;
        y = Vector512.ConditionalSelect(Vector512.IsNegativeInfinity(x), Vector512.Create(-0f), y);
        return Vector512.ConditionalSelect(Vector512.IsNaN(x), x, y);
    }

    /// <summary>GELU, tanh approximation, as the identical x sigmoid(2u) with u = sqrt(2/pi) (x + 0.044715 x^3)
    /// (see XSigmoid): one Exp and one division, no cancellation in the negative tail, limit -0 at -Inf.
    /// Measured: within 3.1e-7 relative of the float overload where |result| &gt; 0.05 and 1.5e-8 absolute elsewhere;
    /// in the negative tail the relative error grows like |2u| 1e-7 (the rounding of u).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GeluTanh(Vector512<float> x)
        => XSigmoid(x, x * Vector512.FusedMultiplyAdd(x * x, Vector512.Create((float)(2 * GeluTanhK * GeluTanhC)), Vector512.Create((float)(2 * GeluTanhK))));

    /// <summary>d tanh / dx from the output: (1 - y)(1 + y), bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> TanhGradFromOutput(Vector512<float> y) => (Vector512<float>.One - y) * (Vector512<float>.One + y);

    /// <summary>d sigmoid / dx from the output: y (1 - y), bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SigmoidGradFromOutput(Vector512<float> y) => y * (Vector512<float>.One - y);

    /// <summary>d relu / dx (0 at x = 0 and for NaN), bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReluGrad(Vector512<float> x) => Vector512<float>.One & Vector512.GreaterThan(x, Vector512<float>.Zero);

    /// <summary>d GELU(exact) / dx = Phi(x) + x phi(x), sharing e^(-x^2/2) between the two terms; the term x phi(x)
    /// is dropped where phi underflows, which gives the limits 0 and 1 at -Inf and +Inf.
    /// Measured against the float overload: 6.5e-8 absolute where |result| &lt; 0.05, otherwise 1.2e-6 relative at
    /// worst (next to the zero of the derivative near x = -0.75, where the two terms cancel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GeluGrad(Vector512<float> x)
    {
        Vector512<float> h = ErfcHalf(x, out Vector512<float> e);
        Vector512<float> phi = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), h, Vector512<float>.One - h);
        Vector512<float> y = Vector512.FusedMultiplyAdd(x, e * Vector512.Create((float)InvSqrt2Pi), phi);
        y = Vector512.ConditionalSelect(Vector512.Equals(e, Vector512<float>.Zero), phi, y);
        return Vector512.ConditionalSelect(Vector512.IsNaN(x), x, y);
    }

    /// <summary>d GELU(tanh) / dx = s + x v'(x) s (1 - s) with s = sigmoid(v), v = 2 sqrt(2/pi) (x + 0.044715 x^3),
    /// both
    /// computed from e^-|v| without cancellation (see SigmoidAndDerivative).
    /// Measured against the float overload: 4e-8 absolute where |result| &lt; 0.05, otherwise 1.0e-6 relative at
    /// worst (next to the zero of the derivative near x = -0.75, where the two terms cancel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GeluTanhGrad(Vector512<float> x)
    {
        Vector512<float> x2 = x * x;
        Vector512<float> v = x * Vector512.FusedMultiplyAdd(x2, Vector512.Create((float)(2 * GeluTanhK * GeluTanhC)), Vector512.Create((float)(2 * GeluTanhK)));
        Vector512<float> dv = Vector512.FusedMultiplyAdd(x2, Vector512.Create((float)(6 * GeluTanhK * GeluTanhC)), Vector512.Create((float)(2 * GeluTanhK)));
        Vector512<float> s = SigmoidAndDerivative(v, out Vector512<float> ds);
        Vector512<float> y = Vector512.FusedMultiplyAdd(x * dv, ds, s);
        return Vector512.ConditionalSelect(Vector512.Equals(ds, Vector512<float>.Zero), s, y);
    }

    /// <summary>Error function. For |x| &lt; 0.9, x P(x^2) with P a degree-5 Lawson (near-minimax) fit of the
    /// relative error (1.2e-8 in exact arithmetic, so exact at 0, for subnormals and -0); otherwise
    /// sign(x) (1 - erfc|x|) with erfc from ErfcCore below.
    /// Measured: within 2.5e-7 relative of the float overload (so also 2.5e-7 absolute).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Erf(Vector512<float> x)
    {
        Vector512<float> ax = Vector512.Abs(x);
        Vector512<float> z = x * x;
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(-0.000609036f), z, Vector512.Create(0.0050119627f));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(-0.026778908f));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(0.11282141f));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(-0.37612525f));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(1.1283791f));
        Vector512<float> small = x * p;
        Vector512<float> axc = Vector512.MinNative(ax, Vector512.Create(4f));                        // erf(4) rounds to 1
        Vector512<float> large = Vector512<float>.One - ErfcCore(axc, Exp(-(axc * axc)));
        large = Vector512.CopySign(large, x);
        Vector512<float> y = Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(0.9f)), small, large);
        return Vector512.ConditionalSelect(Vector512.IsNaN(x), x, y);
    }

    /// <summary>x for x &gt; 0, alpha * x otherwise (NaN propagates), bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LeakyRelu(Vector512<float> x, float alpha)
        => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, x * Vector512.Create(alpha));

    /// <summary>d leaky relu / dx: 1 for x &gt; 0, alpha otherwise, bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LeakyReluGrad(Vector512<float> x, float alpha)
        => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), Vector512<float>.One, Vector512.Create(alpha));

    /// <summary>x * sigmoid(beta x) (see XSigmoid): one Exp and one division, relative accuracy in both tails, and
    /// the limit 0 (signed like x) where sigmoid(beta x) vanishes. Measured: within 3e-7 relative of the float
    /// overload where |result| &gt; 0.05 and 1.2e-8 absolute elsewhere; far in the vanishing tail the relative
    /// error grows like |beta x| 6e-8 (the rounding of beta x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Swish(Vector512<float> x, float beta) => XSigmoid(x, x * Vector512.Create(beta));

    /// <summary>d swish / dx = s + v s (1 - s) with v = beta x, s = sigmoid(v), s and s (1 - s) from
    /// SigmoidAndDerivative (no cancellation); the limits at +-Inf are 0 or 1.
    /// Measured against the float overload: 3.5e-8 absolute where |result| &lt; 0.05, otherwise 6.5e-7 relative at
    /// worst (next to the zero of the derivative at beta x = -1.28).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SwishGrad(Vector512<float> x, float beta)
    {
        Vector512<float> v = x * Vector512.Create(beta);
        Vector512<float> s = SigmoidAndDerivative(v, out Vector512<float> ds);
        Vector512<float> y = Vector512.FusedMultiplyAdd(v, ds, s);
        return Vector512.ConditionalSelect(Vector512.Equals(ds, Vector512<float>.Zero), s, y);
    }

    // ---- exact element-wise functions: IEEE operations only, so every width gives the float overload's bits ----

    /// <summary>Square root (correctly rounded; NaN for x &lt; 0, -0 for -0), bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sqrt(Vector512<float> x) => Vector512.Sqrt(x);

    /// <summary>1 / sqrt(x) as a correctly rounded square root and a correctly rounded division (no approximate
    /// reciprocal square root instruction), bit-identical to the float overload: +Inf at +0, -Inf at -0, NaN below 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Rsqrt(Vector512<float> x) => Vector512<float>.One / Vector512.Sqrt(x);

    /// <summary>|x| (clears the sign bit), bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Abs(Vector512<float> x) => Vector512.Abs(x);

    /// <summary>d log / dx = 1 / x, bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LogGrad(Vector512<float> x) => Vector512<float>.One / x;

    /// <summary>d sqrt / dx from the output: 0.5 / y, bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SqrtGradFromOutput(Vector512<float> y) => Vector512.Create(0.5f) / y;

    /// <summary>d rsqrt / dx from the output: -0.5 y^3, multiplied left to right, bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> RsqrtGradFromOutput(Vector512<float> y) => Vector512.Create(-0.5f) * y * y * y;

    /// <summary>d |x| / dx = sign(x): 1, -1, or 0 at +-0 and for NaN; bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> AbsGrad(Vector512<float> x) =>
        (Vector512<float>.One & Vector512.GreaterThan(x, Vector512<float>.Zero)) - (Vector512<float>.One & Vector512.LessThan(x, Vector512<float>.Zero));

    /// <summary>The larger of a and b (IEEE 754-2019 maximum: NaN if either is NaN, +0 above -0), bit-identical to
    /// the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Maximum(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);

    /// <summary>The smaller of a and b (IEEE 754-2019 minimum: NaN if either is NaN, -0 below +0), bit-identical to
    /// the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Minimum(Vector512<float> a, Vector512<float> b) => Vector512.Min(a, b);

    /// <summary>The share of d maximum(self, other) that goes to self: 0 where self &lt; other, 0.5 on a tie, else 1
    /// (PyTorch's rule, so a NaN operand passes the whole gradient to both); bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MaximumGrad(Vector512<float> self, Vector512<float> other) =>
        Vector512.ConditionalSelect(Vector512.Equals(self, other), Vector512.Create(0.5f), Vector512<float>.One)
        & ~Vector512.LessThan(self, other);

    /// <summary>The share of d minimum(self, other) that goes to self: 0 where self &gt; other, 0.5 on a tie, else 1;
    /// bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MinimumGrad(Vector512<float> self, Vector512<float> other) =>
        Vector512.ConditionalSelect(Vector512.Equals(self, other), Vector512.Create(0.5f), Vector512<float>.One)
        & ~Vector512.GreaterThan(self, other);

    /// <summary>a where mask != 0, else b (a NaN mask selects a), bit-identical to the float overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Select(Vector512<float> mask, Vector512<float> a, Vector512<float> b) =>
        Vector512.ConditionalSelect(Vector512.Equals(mask, Vector512<float>.Zero), b, a);

    // ---- shared pieces ------------------------------------------------------------------------------------

    /// <summary>sigmoid(v) and sigmoid'(v) = s (1 - s), both accurate for any v: with e = e^-|v| and r = 1/(1 + e),
    /// s = r (v &gt;= 0) or e r (v &lt; 0) and s (1 - s) = e r^2, never 1 - s. NaN propagates to both.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SigmoidAndDerivative(Vector512<float> v, out Vector512<float> ds)
    {
        Vector512<float> e = Exp(-Vector512.Abs(v));
        Vector512<float> r = Vector512<float>.One / (Vector512<float>.One + e);
        Vector512<float> er = e * r;
        ds = er * r;
        return Vector512.ConditionalSelect(Vector512.LessThan(v, Vector512<float>.Zero), er, r);
    }

    /// <summary>x sigmoid(v) for any x and v: with e = e^-|v| (never overflows), x / (1 + e) for v &gt;= 0 and
    /// x e / (1 + e) for v &lt; 0. Where e underflows to 0 with v &lt; 0 the result is 0 signed like x, which is also
    /// the limit when x is infinite (x e would be Inf * 0 = NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> XSigmoid(Vector512<float> x, Vector512<float> v)
    {
        Vector512<float> e = Exp(-Vector512.Abs(v));
        Vector512<float> negative = Vector512.LessThan(v, Vector512<float>.Zero);
        Vector512<float> y = Vector512.ConditionalSelect(negative, x * e, x) / (Vector512<float>.One + e);
        return Vector512.ConditionalSelect(negative & Vector512.Equals(e, Vector512<float>.Zero), x & Vector512.Create(-0f), y);
    }

    /// <summary>erfc(|x| / sqrt2) / 2 (for any x; the sign is ignored), and e = e^(-x^2/2). x^2 is split into
    /// hi + lo exactly with an FMA and e = e^(-hi/2) (1 - lo/2), which removes the main error of the tail
    /// (up to 1e-6 relative at |x| = 5 otherwise). |x| is clamped to 15, where e is already 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ErfcHalf(Vector512<float> x, out Vector512<float> e)
    {
        Vector512<float> a = Vector512.MinNative(Vector512.Abs(x), Vector512.Create(15f));
        Vector512<float> hi = a * a;
        Vector512<float> lo = Vector512.FusedMultiplyAdd(a, a, -hi);
        Vector512<float> half = Vector512.Create(0.5f);
        e = Exp(-(hi * half));
        e = Vector512.FusedMultiplyAdd(e, -(lo * half), e);
        return half * ErfcCore(a * Vector512.Create((float)InvSqrt2), e);
    }

    /// <summary>erfc(z) for z in [0, Inf), given e = e^(-z^2): t e P(t) with t = 1/(1 + z/2) and P of degree 8, a
    /// Lawson (near-minimax) fit of the relative error of erfc on z in [0, 10]; 4.3e-8 in exact arithmetic and
    /// about 3e-7 in float (mostly from rounding t). Past z = 10 (erfc below 2.1e-45) t is held at 1/6.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ErfcCore(Vector512<float> z, Vector512<float> e)
    {
        Vector512<float> t = Vector512<float>.One / Vector512.FusedMultiplyAdd(Vector512.MinNative(z, Vector512.Create(10f)), Vector512.Create(0.5f), Vector512<float>.One);
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(-0.059068967f), t, Vector512.Create(0.284575f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(-0.48719996f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(0.2780672f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(-0.026625697f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(0.20268688f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(0.24310376f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(0.2823753f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(0.28208643f));
        return t * e * p;
    }
}
