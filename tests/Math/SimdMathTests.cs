using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text;
using NetCompiler;
using Xunit;
using Xunit.Abstractions;
using M = System.Math;
using NetCompiler.Tests.TestSupport;

// Not "NetCompiler.Tests.Math": a namespace named Math would hide System.Math from every file in
// NetCompiler.Tests.*. This name still matches the filter FullyQualifiedName~NetCompiler.Tests.Math.
namespace NetCompiler.Tests.MathFunctions;

/// <summary>SimdMath: every vector overload (Vector256 and Vector512, whichever of them is accelerated in this
/// process) against its float overload, and every float overload against an independent double-precision
/// reference, over a dense grid, all binades, random bit patterns and the special values. The maximum errors
/// are written to the test output; the bounds asserted are the measured ones with a little headroom.</summary>
public sealed class SimdMathTests
{
    private readonly ITestOutputHelper output;

    public SimdMathTests(ITestOutputHelper output) => this.output = output;

    // ---- inputs --------------------------------------------------------------------------------------------

    private static readonly float[] Specials =
    {
        0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, -float.NaN,
        float.MaxValue, -float.MaxValue, float.Epsilon, -float.Epsilon, 1.17549435e-38f, -1.17549435e-38f,
        1e-30f, -1e-30f, 1e-7f, -1e-7f, 88f, -88f, 89f, -89f, 104f, -104f, 87.33654f, -87.33654f,
        88.72283f, -88.72283f, 88.72284f, 103.97208f, -103.97208f, 103.28f, -103.28f, 0.625f, -0.625f,
        0.9f, -0.9f, 0.5f, -0.5f, 1f, -1f, 3.92f, -3.92f, 4f, -4f, 5.5f, -5.5f, 9f, -9f, 10f, -10f, 14.1f,
        -14.1f, 15f, -15f, 1e5f, -1e5f, 1e10f, -1e10f, 1e13f, -1e13f, 1e20f, -1e20f, 1e30f, -1e30f,
    };

    /// <summary>About 45k floats: a grid of step 1/128 over [-100, 100] (exact in float), five mantissas in every
    /// binade (subnormals included) with both signs, 8k random bit patterns (NaN payloads included), 8k
    /// uniform values in [-12, 12], and the specials. The length is a multiple of 16.</summary>
    internal static readonly float[] Inputs = BuildInputs();

    private static float[] BuildInputs()
    {
        var list = new List<float>(Specials);
        for (int i = -12800; i <= 12800; i++) list.Add(i / 128f);
        foreach (float m in new[] { 1f, 1.2345678f, 1.5f, 1.75f, 1.9999999f })
            for (int e = -149; e <= 127; e++)
            {
                float v = (float)M.ScaleB(m, e);
                list.Add(v); list.Add(-v);
            }
        var rng = new Random(12345);
        for (int i = 0; i < 8192; i++) list.Add(BitConverter.Int32BitsToSingle(rng.Next() ^ (rng.Next() << 1)));
        for (int i = 0; i < 8192; i++) list.Add((float)(rng.NextDouble() * 24 - 12));
        while (list.Count % 16 != 0) list.Add(0.25f);
        return list.ToArray();
    }

    // ---- comparison machinery ------------------------------------------------------------------------------

    private sealed class Stats
    {
        public double MaxRel, MaxAbs, AtRel = double.NaN, AtAbs = double.NaN;
        public int Failures;
        public readonly StringBuilder FirstFailures = new();
    }

    /// <summary>got agrees with want if both are NaN, both are the same infinity, or |got - want| &lt;= max(rel |want|,
    /// abs); zeros must also agree in sign when <paramref name="zeroSign"/> is set. The relative error is recorded
    /// only where |want| &gt;= abs / rel, the absolute error elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compare(Stats st, float x, double got, double want, double rel, double abs, bool zeroSign)
    {
        bool ok;
        if (double.IsNaN(want)) ok = double.IsNaN(got);
        else if (double.IsInfinity(want)) ok = got == want;
        else if (double.IsNaN(got) || double.IsInfinity(got)) ok = false;
        else
        {
            double err = M.Abs(got - want), aw = M.Abs(want);
            ok = err <= M.Max(rel * aw, abs);
            if (aw * rel >= abs) { double r = err / aw; if (r > st.MaxRel) { st.MaxRel = r; st.AtRel = x; } }
            else if (err > st.MaxAbs) { st.MaxAbs = err; st.AtAbs = x; }
            if (ok && zeroSign && got == 0 && want == 0) ok = double.IsNegative(got) == double.IsNegative(want);
        }
        if (!ok && st.Failures++ < 8) st.FirstFailures.Append($"  x={x:R} got={got:R} want={want:R}\n");
    }

    private void Report(string what, Stats st)
    {
        output.WriteLine($"{what,-44} max rel {st.MaxRel:E2} (x={st.AtRel:G6})  max abs near 0 {st.MaxAbs:E2} (x={st.AtAbs:G6})");
        Assert.True(st.Failures == 0, $"{what}: {st.Failures} mismatches, first:\n{st.FirstFailures}");
    }

    /// <summary>One function at all three widths. The evaluation loop below is generic over struct implementations,
    /// so it is compiled fully optimized per function with the SimdMath calls inlined: no tier-0 code, no delegate
    /// calls, which keeps the test fast (above all in the software-only mode).</summary>
    private interface IFunction
    {
        float Scalar(float x);
        Vector256<float> V256(Vector256<float> x);
        Vector512<float> V512(Vector512<float> x);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Evaluate<F>(F f, float[] x, float[] scalar, float[] v256, float[] v512) where F : struct, IFunction
    {
        for (int i = 0; i < x.Length; i++) scalar[i] = f.Scalar(x[i]);
        for (int i = 0; i < x.Length; i += 8) f.V256(Vector256.LoadUnsafe(ref x[i])).StoreUnsafe(ref v256[i]);
        for (int i = 0; i < x.Length; i += 16) f.V512(Vector512.LoadUnsafe(ref x[i])).StoreUnsafe(ref v512[i]);
    }

    /// <summary>Inputs for the vector overloads: all of them where Vector256 is accelerated, else (the software
    /// path, which is much slower and computes the same bits) the specials and every eighth other input.</summary>
    internal static readonly float[] VectorInputs = Vector256.IsHardwareAccelerated ? Inputs : Subsample();

    private static float[] Subsample()
    {
        var list = new List<float>(Specials);
        for (int i = Specials.Length; i < Inputs.Length; i += 8) list.Add(Inputs[i]);
        while (list.Count % 16 != 0) list.Add(0.25f);
        return list.ToArray();
    }

    /// <summary>Vector256 and Vector512 overloads against the float overload on every input, every lane; and the
    /// two widths against each other, bit for bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void VectorsAgree<F>(string name, F f, double rel, double abs = 2 * 1.401298464324817E-45, bool zeroSign = true)
        where F : struct, IFunction
    {
        float[] x = VectorInputs;
        float[] want = new float[x.Length], got256 = new float[x.Length], got512 = new float[x.Length];
        Evaluate(f, x, want, got256, got512);

        var st = new Stats();
        for (int i = 0; i < x.Length; i++) Compare(st, x[i], got256[i], want[i], rel, abs, zeroSign);
        Report($"{name} Vector256 vs float", st);
        st = new Stats();
        for (int i = 0; i < x.Length; i++) Compare(st, x[i], got512[i], want[i], rel, abs, zeroSign);
        Report($"{name} Vector512 vs float", st);

        // The two files are the same code, so the two widths must agree to the bit (NaN payloads aside).
        for (int i = 0; i < x.Length; i++)
            if (!(float.IsNaN(got256[i]) && float.IsNaN(got512[i])) && BitConverter.SingleToInt32Bits(got256[i]) != BitConverter.SingleToInt32Bits(got512[i]))
                Assert.Fail($"{name}({x[i]:R}): Vector256 gives {got256[i]:R}, Vector512 gives {got512[i]:R}");
    }

    private struct ExpF : IFunction { public float Scalar(float x) => SimdMath.Exp(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.Exp(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.Exp(x); }
    private struct LogF : IFunction { public float Scalar(float x) => SimdMath.Log(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.Log(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.Log(x); }
    private struct TanhF : IFunction { public float Scalar(float x) => SimdMath.Tanh(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.Tanh(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.Tanh(x); }
    private struct SigmoidF : IFunction { public float Scalar(float x) => SimdMath.Sigmoid(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.Sigmoid(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.Sigmoid(x); }
    private struct ErfF : IFunction { public float Scalar(float x) => SimdMath.Erf(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.Erf(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.Erf(x); }
    private struct GeluF : IFunction { public float Scalar(float x) => SimdMath.Gelu(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.Gelu(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.Gelu(x); }
    private struct GeluTanhF : IFunction { public float Scalar(float x) => SimdMath.GeluTanh(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.GeluTanh(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.GeluTanh(x); }
    private struct ReluF : IFunction { public float Scalar(float x) => SimdMath.Relu(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.Relu(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.Relu(x); }
    private struct StepF : IFunction { public float Scalar(float x) => SimdMath.Step(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.Step(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.Step(x); }
    private struct ReluGradF : IFunction { public float Scalar(float x) => SimdMath.ReluGrad(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.ReluGrad(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.ReluGrad(x); }
    private struct TanhGradFromOutputF : IFunction { public float Scalar(float x) => SimdMath.TanhGradFromOutput(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.TanhGradFromOutput(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.TanhGradFromOutput(x); }
    private struct SigmoidGradFromOutputF : IFunction { public float Scalar(float x) => SimdMath.SigmoidGradFromOutput(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.SigmoidGradFromOutput(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.SigmoidGradFromOutput(x); }
    private struct GeluGradF : IFunction { public float Scalar(float x) => SimdMath.GeluGrad(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.GeluGrad(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.GeluGrad(x); }
    private struct GeluTanhGradF : IFunction { public float Scalar(float x) => SimdMath.GeluTanhGrad(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.GeluTanhGrad(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.GeluTanhGrad(x); }
    private struct LeakyReluF(float a) : IFunction { public float Scalar(float x) => SimdMath.LeakyRelu(x, a); public Vector256<float> V256(Vector256<float> x) => SimdMath.LeakyRelu(x, a); public Vector512<float> V512(Vector512<float> x) => SimdMath.LeakyRelu(x, a); }
    private struct LeakyReluGradF(float a) : IFunction { public float Scalar(float x) => SimdMath.LeakyReluGrad(x, a); public Vector256<float> V256(Vector256<float> x) => SimdMath.LeakyReluGrad(x, a); public Vector512<float> V512(Vector512<float> x) => SimdMath.LeakyReluGrad(x, a); }
    private struct SwishF(float b) : IFunction { public float Scalar(float x) => SimdMath.Swish(x, b); public Vector256<float> V256(Vector256<float> x) => SimdMath.Swish(x, b); public Vector512<float> V512(Vector512<float> x) => SimdMath.Swish(x, b); }
    private struct SwishGradF(float b) : IFunction { public float Scalar(float x) => SimdMath.SwishGrad(x, b); public Vector256<float> V256(Vector256<float> x) => SimdMath.SwishGrad(x, b); public Vector512<float> V512(Vector512<float> x) => SimdMath.SwishGrad(x, b); }

    private struct SqrtF : IFunction { public float Scalar(float x) => SimdMath.Sqrt(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.Sqrt(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.Sqrt(x); }
    private struct RsqrtF : IFunction { public float Scalar(float x) => SimdMath.Rsqrt(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.Rsqrt(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.Rsqrt(x); }
    private struct AbsF : IFunction { public float Scalar(float x) => SimdMath.Abs(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.Abs(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.Abs(x); }
    private struct LogGradF : IFunction { public float Scalar(float x) => SimdMath.LogGrad(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.LogGrad(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.LogGrad(x); }
    private struct SqrtGradFromOutputF : IFunction { public float Scalar(float x) => SimdMath.SqrtGradFromOutput(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.SqrtGradFromOutput(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.SqrtGradFromOutput(x); }
    private struct RsqrtGradFromOutputF : IFunction { public float Scalar(float x) => SimdMath.RsqrtGradFromOutput(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.RsqrtGradFromOutput(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.RsqrtGradFromOutput(x); }
    private struct AbsGradF : IFunction { public float Scalar(float x) => SimdMath.AbsGrad(x); public Vector256<float> V256(Vector256<float> x) => SimdMath.AbsGrad(x); public Vector512<float> V512(Vector512<float> x) => SimdMath.AbsGrad(x); }

    /// <summary>The float overload against a double-precision reference, on every input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScalarMatchesReference(string name, Func<float, float> scalar, Func<double, double> reference,
        double rel, double abs = 1.401298464324817E-45)
    {
        var st = new Stats();
        foreach (float x in Inputs)
        {
            double want = reference(x);
            if (double.IsInfinity((float)want)) want = (float)want;   // beyond the float range: must overflow
            Compare(st, x, scalar(x), want, rel, abs, zeroSign: false);
        }
        Report($"{name} float vs double reference", st);
    }

    // ---- independent double references ---------------------------------------------------------------------

    /// <summary>erfc(z) in double, by a different method than the runtime's: the Maclaurin series of erf for
    /// |z| &lt; 2 (at most 3e-13 relative error in erfc there) and the Laplace continued fraction
    /// erfc(z) = e^(-z^2) / sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))) above, evaluated backwards
    /// with enough terms for 1e-15 at z = 2.</summary>
    private static double Erfc(double z)
    {
        if (double.IsNaN(z)) return z;
        if (z < 0) return 2 - Erfc(-z);
        if (z < 2) return 1 - ErfSeries(z);
        if (z > 27) return 0;
        double f = z;
        for (int n = 160; n >= 1; n--) f = z + n * 0.5 / f;
        return M.Exp(-z * z) / (f * 1.7724538509055160273);
    }

    private static double ErfSeries(double z)
    {
        double z2 = z * z, term = z, sum = z;
        for (int n = 1; n < 100; n++)
        {
            term *= -z2 / n;
            double d = term / (2 * n + 1);
            sum += d;
            if (M.Abs(d) < 1e-17 * M.Abs(sum)) break;
        }
        return sum * 1.1283791670955126;
    }

    private static double ErfRef(double x)
    {
        if (double.IsNaN(x)) return x;
        if (M.Abs(x) < 0.5) return ErfSeries(x);
        return M.CopySign(1 - Erfc(M.Abs(x)), x);
    }

    private static double Phi(double x) => 0.5 * Erfc(-x / M.Sqrt(2));                // standard normal CDF
    private static double Pdf(double x) => M.Exp(-0.5 * x * x) / M.Sqrt(2 * M.PI);
    private const double K = 0.79788456080286535588, C = 0.044715;

    private static double GeluRef(double x) => double.IsNegativeInfinity(x) ? 0 : x * Phi(x);
    private static double GeluGradRef(double x) => double.IsInfinity(x) ? (x > 0 ? 1 : 0) : Phi(x) + x * Pdf(x);
    private static double SigmoidRef(double v) => v >= 0 ? 1 / (1 + M.Exp(-v)) : M.Exp(v) / (1 + M.Exp(v));
    private static double SigmoidDerivRef(double v) { double e = M.Exp(-M.Abs(v)); return e / ((1 + e) * (1 + e)); }
    private static double SwishRef(double x, double beta) => double.IsInfinity(x) && beta * x < 0 ? 0 : x * SigmoidRef(beta * x);
    private static double SwishGradRef(double x, double beta)
    {
        double v = beta * x, d = SigmoidDerivRef(v);
        return d == 0 ? SigmoidRef(v) : SigmoidRef(v) + v * d;
    }
    private static double GeluTanhV(double x) => 2 * K * (x + C * x * x * x);            // 0.5(1 + tanh(u)) = sigmoid(2u)
    private static double GeluTanhRef(double x) => double.IsNegativeInfinity(x) ? 0 : x * SigmoidRef(GeluTanhV(x));
    private static double GeluTanhGradRef(double x)
    {
        double v = GeluTanhV(x), d = SigmoidDerivRef(v);
        return d == 0 ? SigmoidRef(v) : SigmoidRef(v) + x * 2 * K * (1 + 3 * C * x * x) * d;
    }

    // ---- the functions -------------------------------------------------------------------------------------

    [Fact]
    public void Exp()
    {
        ScalarMatchesReference("Exp", SimdMath.Exp, M.Exp, rel: 1.2e-7);
        VectorsAgree("Exp", new ExpF(), rel: 2.5e-7, abs: SmallestNormal);   // the vector Exp flushes subnormal results
    }

    [Fact]
    public void Log()
    {
        ScalarMatchesReference("Log", SimdMath.Log, M.Log, rel: 1.2e-7);
        VectorsAgree("Log", new LogF(), rel: 2.5e-7);
    }

    [Fact]
    public void Tanh()
    {
        ScalarMatchesReference("Tanh", SimdMath.Tanh, M.Tanh, rel: 2e-7);          // MathF.Tanh: up to 1.3 ulp
        VectorsAgree("Tanh", new TanhF(), rel: 4e-7);
    }

    [Fact]
    public void Sigmoid()
    {
        ScalarMatchesReference("Sigmoid", SimdMath.Sigmoid, SigmoidRef, rel: 6e-8);
        VectorsAgree("Sigmoid", new SigmoidF(), rel: 4e-7, abs: SmallestNormal);
    }

    [Fact]
    public void Erf()
    {
        ScalarMatchesReference("Erf", SimdMath.Erf, ErfRef, rel: 6e-8);
        VectorsAgree("Erf", new ErfF(), rel: 4e-7);
    }

    [Fact]
    public void Gelu()
    {
        ScalarMatchesReference("Gelu", SimdMath.Gelu, GeluRef, rel: 6e-8);
        VectorsAgree("Gelu", new GeluF(), rel: 6e-7, abs: 1e-37);   // relative down to 1e-31
    }

    [Fact]
    public void GeluTanh()
    {
        ScalarMatchesReference("GeluTanh", SimdMath.GeluTanh, GeluTanhRef, rel: 6e-8);
        VectorsAgree("GeluTanh", new GeluTanhF(), rel: 5e-7, abs: 3e-8);
    }

    [Fact]
    public void ReluStepAndReluGradAreExact()
    {
        ScalarMatchesReference("Relu", SimdMath.Relu, x => x > 0 ? x : 0, rel: 0);
        ScalarMatchesReference("Step", SimdMath.Step, x => x > 0 ? 1 : 0, rel: 0);
        ScalarMatchesReference("ReluGrad", SimdMath.ReluGrad, x => x > 0 ? 1 : 0, rel: 0);
        VectorsAgree("Relu", new ReluF(), rel: 0, abs: 0);
        VectorsAgree("Step", new StepF(), rel: 0, abs: 0);
        VectorsAgree("ReluGrad", new ReluGradF(), rel: 0, abs: 0);
        Assert.Equal(0, BitConverter.SingleToInt32Bits(SimdMath.Relu(-0f)));
        Assert.Equal(0, BitConverter.SingleToInt32Bits(SimdMath.Relu(Vector512.Create(-0f)).ToScalar()));
        Assert.Equal(0f, SimdMath.Relu(Vector256.Create(float.NaN)).ToScalar());
    }

    [Fact]
    public void LeakyReluAndGradAreExact()
    {
        foreach (float alpha in new[] { 0.01f, 0.2f, 1.5f })
        {
            ScalarMatchesReference($"LeakyRelu({alpha})", x => SimdMath.LeakyRelu(x, alpha), x => x > 0 ? x : (double)(alpha * (float)x), rel: 0);
            ScalarMatchesReference($"LeakyReluGrad({alpha})", x => SimdMath.LeakyReluGrad(x, alpha), x => x > 0 ? 1 : alpha, rel: 0);
            VectorsAgree($"LeakyRelu({alpha})", new LeakyReluF(alpha), rel: 0, abs: 0);
            VectorsAgree($"LeakyReluGrad({alpha})", new LeakyReluGradF(alpha), rel: 0, abs: 0);
        }
    }

    [Fact]
    public void Swish()
    {
        foreach (float beta in new[] { 1f, 1.702f, 0.5f, -1f })
        {
            ScalarMatchesReference($"Swish({beta})", x => SimdMath.Swish(x, beta), x => SwishRef(x, beta), rel: 6e-8);
            VectorsAgree($"Swish({beta})", new SwishF(beta), rel: 5e-7, abs: 3e-8);
        }
    }

    [Fact]
    public void TanhAndSigmoidGradsFromOutput()
    {
        // Inputs here are outputs y: the grid and bit patterns cover [-1, 1] densely and far outside it.
        ScalarMatchesReference("TanhGradFromOutput", SimdMath.TanhGradFromOutput, y => 1 - y * y, rel: 1.2e-7);
        ScalarMatchesReference("SigmoidGradFromOutput", SimdMath.SigmoidGradFromOutput, y => y * (1 - y), rel: 1.2e-7);
        VectorsAgree("TanhGradFromOutput", new TanhGradFromOutputF(), rel: 0, abs: 0);
        VectorsAgree("SigmoidGradFromOutput", new SigmoidGradFromOutputF(), rel: 0, abs: 0);
    }

    [Fact]
    public void GeluGrad()
    {
        ScalarMatchesReference("GeluGrad", SimdMath.GeluGrad, GeluGradRef, rel: 7e-8, abs: 1e-10);
        VectorsAgree("GeluGrad", new GeluGradF(), rel: 2e-6, abs: 1e-7, zeroSign: false);
    }

    [Fact]
    public void GeluTanhGrad()
    {
        ScalarMatchesReference("GeluTanhGrad", SimdMath.GeluTanhGrad, GeluTanhGradRef, rel: 7e-8, abs: 1e-10);
        VectorsAgree("GeluTanhGrad", new GeluTanhGradF(), rel: 2e-6, abs: 1e-7, zeroSign: false);
    }

    [Fact]
    public void SwishGrad()
    {
        foreach (float beta in new[] { 1f, 1.702f, 0.5f, -1f })
        {
            ScalarMatchesReference($"SwishGrad({beta})", x => SimdMath.SwishGrad(x, beta), x => SwishGradRef(x, beta), rel: 7e-8, abs: 1e-10);
            VectorsAgree($"SwishGrad({beta})", new SwishGradF(beta), rel: 2e-6, abs: 1e-7, zeroSign: false);
        }
    }

    [Fact]
    public void SqrtRsqrtAbsAndTheirGradientsAreExactAtEveryWidth()
    {
        // IEEE operations only: the float overloads are within half an ulp of the double reference per rounding, and
        // every vector lane gives the float overload's bits (zeros with their sign, NaN for negative square roots).
        ScalarMatchesReference("Sqrt", SimdMath.Sqrt, M.Sqrt, rel: 6e-8);
        ScalarMatchesReference("Rsqrt", SimdMath.Rsqrt, x => 1 / M.Sqrt(x), rel: 1.2e-7);
        ScalarMatchesReference("Abs", SimdMath.Abs, M.Abs, rel: 0);
        ScalarMatchesReference("LogGrad", SimdMath.LogGrad, x => 1 / x, rel: 6e-8);
        ScalarMatchesReference("SqrtGradFromOutput", SimdMath.SqrtGradFromOutput, y => 0.5 / y, rel: 6e-8);
        ScalarMatchesReference("RsqrtGradFromOutput", SimdMath.RsqrtGradFromOutput, y => -0.5 * y * y * y, rel: 2e-7);
        ScalarMatchesReference("AbsGrad", SimdMath.AbsGrad, x => double.IsNaN(x) ? 0 : M.Sign(x), rel: 0);
        VectorsAgree("Sqrt", new SqrtF(), rel: 0, abs: 0);
        VectorsAgree("Rsqrt", new RsqrtF(), rel: 0, abs: 0);
        VectorsAgree("Abs", new AbsF(), rel: 0, abs: 0);
        VectorsAgree("LogGrad", new LogGradF(), rel: 0, abs: 0);
        VectorsAgree("SqrtGradFromOutput", new SqrtGradFromOutputF(), rel: 0, abs: 0);
        VectorsAgree("RsqrtGradFromOutput", new RsqrtGradFromOutputF(), rel: 0, abs: 0);
        VectorsAgree("AbsGrad", new AbsGradF(), rel: 0, abs: 0);
        Assert.Equal(float.PositiveInfinity, SimdMath.Rsqrt(Vector512.Create(0f)).ToScalar());
        Assert.Equal(float.NegativeInfinity, SimdMath.Rsqrt(Vector256.Create(-0f)).ToScalar());
        Assert.True(float.IsNaN(SimdMath.Sqrt(Vector512.Create(-1f)).ToScalar()));
        Assert.Equal(float.PositiveInfinity, SimdMath.SqrtGradFromOutput(0f));
    }

    /// <summary>The two-operand functions (Maximum, Minimum, their gradient shares) and Select: every vector lane gives
    /// the float overload's bits over pairs of inputs (every input against a shifted copy, against itself, and the
    /// special values against each other), and the float overloads follow PyTorch's rules.</summary>
    [Fact]
    public void BinaryFunctionsAreExactAtEveryWidth()
    {
        float[] x = VectorInputs;
        var a = new List<float>(); var b = new List<float>();
        for (int i = 0; i < x.Length; i++) { a.Add(x[i]); b.Add(x[(i + 7) % x.Length]); a.Add(x[i]); b.Add(x[i]); }
        foreach (float p in Specials) foreach (float q in Specials) { a.Add(p); b.Add(q); }
        while (a.Count % 16 != 0) { a.Add(1f); b.Add(2f); }
        float[] av = a.ToArray(), bv = b.ToArray();
        void Agree(string name, Func<float, float, float> scalar, Func<Vector256<float>, Vector256<float>, Vector256<float>> v256,
            Func<Vector512<float>, Vector512<float>, Vector512<float>> v512)
        {
            for (int i = 0; i < av.Length; i += 16)
            {
                var w = v512(Vector512.LoadUnsafe(ref av[i]), Vector512.LoadUnsafe(ref bv[i]));
                var h0 = v256(Vector256.LoadUnsafe(ref av[i]), Vector256.LoadUnsafe(ref bv[i]));
                var h1 = v256(Vector256.LoadUnsafe(ref av[i + 8]), Vector256.LoadUnsafe(ref bv[i + 8]));
                for (int lane = 0; lane < 16; lane++)
                {
                    float want = scalar(av[i + lane], bv[i + lane]), half = lane < 8 ? h0.GetElement(lane) : h1.GetElement(lane - 8);
                    bool Same(float got) => BitConverter.SingleToInt32Bits(got) == BitConverter.SingleToInt32Bits(want) || (float.IsNaN(got) && float.IsNaN(want));
                    if (!Same(w.GetElement(lane)) || !Same(half))
                        Assert.Fail($"{name}({av[i + lane]:R}, {bv[i + lane]:R}): float {want:R}, Vector512 {w.GetElement(lane):R}, Vector256 {half:R}");
                }
            }
        }
        Agree("Maximum", SimdMath.Maximum, SimdMath.Maximum, SimdMath.Maximum);
        Agree("Minimum", SimdMath.Minimum, SimdMath.Minimum, SimdMath.Minimum);
        Agree("MaximumGrad", SimdMath.MaximumGrad, SimdMath.MaximumGrad, SimdMath.MaximumGrad);
        Agree("MinimumGrad", SimdMath.MinimumGrad, SimdMath.MinimumGrad, SimdMath.MinimumGrad);
        Agree("Select(m, a, 3)", (m, v) => SimdMath.Select(m, v, 3f), (m, v) => SimdMath.Select(m, v, Vector256.Create(3f)),
            (m, v) => SimdMath.Select(m, v, Vector512.Create(3f)));

        Assert.True(float.IsNaN(SimdMath.Maximum(float.NaN, 1f)) && float.IsNaN(SimdMath.Minimum(1f, float.NaN)));
        Assert.Equal(0, BitConverter.SingleToInt32Bits(SimdMath.Maximum(-0f, 0f)));
        Assert.True(float.IsNegative(SimdMath.Minimum(0f, -0f)));
        Assert.Equal(0.5f, SimdMath.MaximumGrad(2f, 2f));
        Assert.Equal(1f, SimdMath.MaximumGrad(3f, 2f));
        Assert.Equal(0f, SimdMath.MaximumGrad(1f, 2f));
        Assert.Equal(1f, SimdMath.MaximumGrad(float.NaN, 2f));   // PyTorch: a NaN operand passes dy to both
        Assert.Equal(1f, SimdMath.MinimumGrad(1f, 2f));
        Assert.Equal(0f, SimdMath.MinimumGrad(3f, 2f));
        Assert.Equal(7f, SimdMath.Select(float.NaN, 7f, 3f));      // a NaN mask is nonzero
        Assert.Equal(3f, SimdMath.Select(-0f, 7f, 3f));
    }

    /// <summary>The derivative formulas against central differences of the double references of the functions
    /// themselves (step 1e-5, truncation error below 1e-9).</summary>
    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        const double h = 1e-5;
        double worst = 0;
        for (int i = -2000; i <= 2000; i++)
        {
            float x = i / 200f;
            if (M.Abs(x) < 2 * h) continue;
            void Check(string name, float grad, Func<double, double> f)
            {
                double fd = (f(x + h) - f(x - h)) / (2 * h), err = M.Abs(grad - fd);
                worst = M.Max(worst, err);
                Assert.True(err <= 1e-6 + 1e-6 * M.Abs(fd), $"{name}'({x}) = {grad}, finite difference {fd}");
            }
            Check("Gelu", SimdMath.GeluGrad(x), GeluRef);
            Check("GeluTanh", SimdMath.GeluTanhGrad(x), GeluTanhRef);
            Check("Swish", SimdMath.SwishGrad(x, 1.702f), v => SwishRef(v, 1.702f));
            Check("Tanh", SimdMath.TanhGradFromOutput(SimdMath.Tanh(x)), M.Tanh);
            Check("Sigmoid", SimdMath.SigmoidGradFromOutput(SimdMath.Sigmoid(x)), SigmoidRef);
            Check("LeakyRelu", SimdMath.LeakyReluGrad(x, 0.1f), v => v > 0 ? v : 0.1 * v);
            Check("Relu", SimdMath.ReluGrad(x), v => v > 0 ? v : 0);
        }
        output.WriteLine($"worst |grad - finite difference| {worst:E2}");
    }

    private const float SmallestNormal = 1.17549435e-38f;

    [Fact]
    public void SpecialValues()
    {
        float inf = float.PositiveInfinity;
        Assert.Equal(1f, SimdMath.Exp(Vector512.Create(-0f)).ToScalar());
        Assert.Equal(0f, SimdMath.Exp(Vector256.Create(-inf)).ToScalar());
        Assert.Equal(inf, SimdMath.Exp(Vector256.Create(88.72284f)).ToScalar());
        float big = SimdMath.Exp(Vector256.Create(88.72283f)).ToScalar();
        Assert.True(float.IsFinite(big) && big > 3.40e38f, big.ToString("R"));
        // Flushed to 0 below the smallest normal float (2^-126 = e^-87.336545), exact just above it.
        Assert.Equal(0f, SimdMath.Exp(Vector512.Create(-87.34f)).ToScalar());
        Assert.Equal(0f, SimdMath.Exp(Vector256.Create(-103.9f)).ToScalar());
        Assert.Equal(0f, SimdMath.Sigmoid(Vector512.Create(-90f)).ToScalar());
        float smallest = SimdMath.Exp(Vector512.Create(-87.33654f)).ToScalar();
        Assert.True(smallest >= SmallestNormal && smallest < 1.0001f * SmallestNormal, smallest.ToString("R"));
        Assert.Equal(-inf, SimdMath.Log(Vector256.Create(-0f)).ToScalar());
        Assert.True(float.IsNaN(SimdMath.Log(Vector512.Create(-1f)).ToScalar()));
        Assert.Equal(MathF.Log(float.Epsilon), SimdMath.Log(Vector512.Create(float.Epsilon)).ToScalar());
        Assert.True(float.IsNegative(SimdMath.Tanh(Vector512.Create(-0f)).ToScalar()));
        Assert.True(float.IsNegative(SimdMath.Erf(Vector256.Create(-0f)).ToScalar()));
        Assert.Equal(-1f, SimdMath.Tanh(Vector256.Create(-inf)).ToScalar());
        Assert.Equal(1f, SimdMath.Erf(Vector512.Create(inf)).ToScalar());
        Assert.Equal(0f, SimdMath.Gelu(Vector512.Create(-inf)).ToScalar());
        Assert.Equal(inf, SimdMath.Gelu(Vector256.Create(inf)).ToScalar());
        Assert.Equal(0f, SimdMath.GeluTanh(-inf));
        Assert.Equal(0f, SimdMath.Swish(Vector512.Create(-inf), 1f).ToScalar());
        Assert.Equal(1f, SimdMath.GeluGrad(Vector256.Create(inf)).ToScalar());
        Assert.Equal(0f, SimdMath.SwishGrad(Vector512.Create(-inf), 1f).ToScalar());
        Assert.Equal(0f, SimdMath.Sigmoid(Vector512.Create(-100f)).ToScalar());   // flushed (the float overload is exact)
        Assert.Equal(3.7200760e-44f, SimdMath.Sigmoid(-100f));
    }

    /// <summary>SimdMath.Vector256.cs and SimdMath.Vector128.cs must be SimdMath.Vector512.cs with the width replaced
    /// (see its header).</summary>
    [Fact]
    public void NarrowerSourcesAreTheVector512SourceWithTheWidthReplaced()
    {
        string math = SourceCheckout.PathOf("runtime", "Math");
        string v512 = File.ReadAllText(Path.Combine(math, "SimdMath.Vector512.cs"));
        string v256 = File.ReadAllText(Path.Combine(math, "SimdMath.Vector256.cs"));
        string v128 = File.ReadAllText(Path.Combine(math, "SimdMath.Vector128.cs"));
        Assert.Equal(v512.Replace("Vector512", "Vector256"), v256);
        Assert.Equal(v512.Replace("Vector512", "Vector128"), v128);
    }

    [Fact]
    public void ReportsWhichPathsAreAccelerated()
        => output.WriteLine($"Vector256 accelerated: {Vector256.IsHardwareAccelerated}, Vector512 accelerated: {Vector512.IsHardwareAccelerated}");
}
