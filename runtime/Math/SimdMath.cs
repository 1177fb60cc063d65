using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetCompiler;

/// <summary>Element-wise math used by generated kernels and the interpreted path, with one overload per
/// register width (float, Vector256, Vector512) so an emitted expression reads the same on every ISA path.
/// The float overloads are the accurate reference (MathF); the vector overloads are evaluated lane by lane
/// until vectorized approximations replace them.</summary>
public static class SimdMath
{
    /// <summary>e^x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x) => MathF.Exp(x);
    /// <summary>e^x.</summary>
    public static Vector256<float> Exp(Vector256<float> x) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = Exp(s[i]); return Vector256.Create<float>(s); }
    /// <summary>e^x.</summary>
    public static Vector512<float> Exp(Vector512<float> x) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = Exp(s[i]); return Vector512.Create<float>(s); }

    /// <summary>Natural logarithm.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Log(float x) => MathF.Log(x);
    /// <summary>Natural logarithm.</summary>
    public static Vector256<float> Log(Vector256<float> x) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = Log(s[i]); return Vector256.Create<float>(s); }
    /// <summary>Natural logarithm.</summary>
    public static Vector512<float> Log(Vector512<float> x) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = Log(s[i]); return Vector512.Create<float>(s); }

    /// <summary>Hyperbolic tangent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => MathF.Tanh(x);
    /// <summary>Hyperbolic tangent.</summary>
    public static Vector256<float> Tanh(Vector256<float> x) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = Tanh(s[i]); return Vector256.Create<float>(s); }
    /// <summary>Hyperbolic tangent.</summary>
    public static Vector512<float> Tanh(Vector512<float> x) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = Tanh(s[i]); return Vector512.Create<float>(s); }

    /// <summary>Logistic sigmoid.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
    /// <summary>Logistic sigmoid.</summary>
    public static Vector256<float> Sigmoid(Vector256<float> x) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = Sigmoid(s[i]); return Vector256.Create<float>(s); }
    /// <summary>Logistic sigmoid.</summary>
    public static Vector512<float> Sigmoid(Vector512<float> x) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = Sigmoid(s[i]); return Vector512.Create<float>(s); }

    /// <summary>max(0, x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Relu(float x) => x > 0f ? x : 0f;
    /// <summary>max(0, x).</summary>
    public static Vector256<float> Relu(Vector256<float> x) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = Relu(s[i]); return Vector256.Create<float>(s); }
    /// <summary>max(0, x).</summary>
    public static Vector512<float> Relu(Vector512<float> x) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = Relu(s[i]); return Vector512.Create<float>(s); }

    /// <summary>Heaviside step (1 for x > 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Step(float x) => x > 0f ? 1f : 0f;
    /// <summary>Heaviside step (1 for x > 0).</summary>
    public static Vector256<float> Step(Vector256<float> x) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = Step(s[i]); return Vector256.Create<float>(s); }
    /// <summary>Heaviside step (1 for x > 0).</summary>
    public static Vector512<float> Step(Vector512<float> x) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = Step(s[i]); return Vector512.Create<float>(s); }

    /// <summary>GELU, exact erf form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Gelu(float x) => 0.5f * x * (1f + Erf(x * 0.70710678f));
    /// <summary>GELU, exact erf form.</summary>
    public static Vector256<float> Gelu(Vector256<float> x) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = Gelu(s[i]); return Vector256.Create<float>(s); }
    /// <summary>GELU, exact erf form.</summary>
    public static Vector512<float> Gelu(Vector512<float> x) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = Gelu(s[i]); return Vector512.Create<float>(s); }

    /// <summary>GELU, tanh approximation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GeluTanh(float x) => 0.5f * x * (1f + MathF.Tanh(0.7978845608f * (x + 0.044715f * x * x * x)));
    /// <summary>GELU, tanh approximation.</summary>
    public static Vector256<float> GeluTanh(Vector256<float> x) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = GeluTanh(s[i]); return Vector256.Create<float>(s); }
    /// <summary>GELU, tanh approximation.</summary>
    public static Vector512<float> GeluTanh(Vector512<float> x) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = GeluTanh(s[i]); return Vector512.Create<float>(s); }

    /// <summary>d tanh / dx expressed with the output y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float TanhGradFromOutput(float y) => 1f - y * y;
    /// <summary>d tanh / dx expressed with the output y.</summary>
    public static Vector256<float> TanhGradFromOutput(Vector256<float> y) { Span<float> s = stackalloc float[8]; y.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = TanhGradFromOutput(s[i]); return Vector256.Create<float>(s); }
    /// <summary>d tanh / dx expressed with the output y.</summary>
    public static Vector512<float> TanhGradFromOutput(Vector512<float> y) { Span<float> s = stackalloc float[16]; y.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = TanhGradFromOutput(s[i]); return Vector512.Create<float>(s); }

    /// <summary>d sigmoid / dx expressed with the output y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SigmoidGradFromOutput(float y) => y * (1f - y);
    /// <summary>d sigmoid / dx expressed with the output y.</summary>
    public static Vector256<float> SigmoidGradFromOutput(Vector256<float> y) { Span<float> s = stackalloc float[8]; y.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = SigmoidGradFromOutput(s[i]); return Vector256.Create<float>(s); }
    /// <summary>d sigmoid / dx expressed with the output y.</summary>
    public static Vector512<float> SigmoidGradFromOutput(Vector512<float> y) { Span<float> s = stackalloc float[16]; y.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = SigmoidGradFromOutput(s[i]); return Vector512.Create<float>(s); }

    /// <summary>d relu / dx (0 at x = 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReluGrad(float x) => x > 0f ? 1f : 0f;
    /// <summary>d relu / dx (0 at x = 0).</summary>
    public static Vector256<float> ReluGrad(Vector256<float> x) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = ReluGrad(s[i]); return Vector256.Create<float>(s); }
    /// <summary>d relu / dx (0 at x = 0).</summary>
    public static Vector512<float> ReluGrad(Vector512<float> x) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = ReluGrad(s[i]); return Vector512.Create<float>(s); }

    /// <summary>d GELU(exact) / dx.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GeluGrad(float x) => 0.5f * (1f + Erf(x * 0.70710678f)) + x * 0.3989422804f * MathF.Exp(-0.5f * x * x);
    /// <summary>d GELU(exact) / dx.</summary>
    public static Vector256<float> GeluGrad(Vector256<float> x) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = GeluGrad(s[i]); return Vector256.Create<float>(s); }
    /// <summary>d GELU(exact) / dx.</summary>
    public static Vector512<float> GeluGrad(Vector512<float> x) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = GeluGrad(s[i]); return Vector512.Create<float>(s); }

    /// <summary>d GELU(tanh) / dx.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GeluTanhGrad(float x) => GeluTanhGradScalar(x);
    /// <summary>d GELU(tanh) / dx.</summary>
    public static Vector256<float> GeluTanhGrad(Vector256<float> x) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = GeluTanhGrad(s[i]); return Vector256.Create<float>(s); }
    /// <summary>d GELU(tanh) / dx.</summary>
    public static Vector512<float> GeluTanhGrad(Vector512<float> x) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = GeluTanhGrad(s[i]); return Vector512.Create<float>(s); }

    /// <summary>Error function.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Erf(float x) => ErfScalar(x);
    /// <summary>Error function.</summary>
    public static Vector256<float> Erf(Vector256<float> x) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = Erf(s[i]); return Vector256.Create<float>(s); }
    /// <summary>Error function.</summary>
    public static Vector512<float> Erf(Vector512<float> x) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = Erf(s[i]); return Vector512.Create<float>(s); }

    /// <summary>x for x > 0, alpha * x otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LeakyRelu(float x, float alpha) => x > 0f ? x : alpha * x;
    /// <summary>x for x > 0, alpha * x otherwise.</summary>
    public static Vector256<float> LeakyRelu(Vector256<float> x, float alpha) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = LeakyRelu(s[i], alpha); return Vector256.Create<float>(s); }
    /// <summary>x for x > 0, alpha * x otherwise.</summary>
    public static Vector512<float> LeakyRelu(Vector512<float> x, float alpha) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = LeakyRelu(s[i], alpha); return Vector512.Create<float>(s); }

    /// <summary>d leaky relu / dx.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LeakyReluGrad(float x, float alpha) => x > 0f ? 1f : alpha;
    /// <summary>d leaky relu / dx.</summary>
    public static Vector256<float> LeakyReluGrad(Vector256<float> x, float alpha) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = LeakyReluGrad(s[i], alpha); return Vector256.Create<float>(s); }
    /// <summary>d leaky relu / dx.</summary>
    public static Vector512<float> LeakyReluGrad(Vector512<float> x, float alpha) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = LeakyReluGrad(s[i], alpha); return Vector512.Create<float>(s); }

    /// <summary>x * sigmoid(beta x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Swish(float x, float beta) => x / (1f + MathF.Exp(-beta * x));
    /// <summary>x * sigmoid(beta x).</summary>
    public static Vector256<float> Swish(Vector256<float> x, float beta) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = Swish(s[i], beta); return Vector256.Create<float>(s); }
    /// <summary>x * sigmoid(beta x).</summary>
    public static Vector512<float> Swish(Vector512<float> x, float beta) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = Swish(s[i], beta); return Vector512.Create<float>(s); }

    /// <summary>d swish / dx.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SwishGrad(float x, float beta) => SwishGradScalar(x, beta);
    /// <summary>d swish / dx.</summary>
    public static Vector256<float> SwishGrad(Vector256<float> x, float beta) { Span<float> s = stackalloc float[8]; x.CopyTo(s); for (int i = 0; i < 8; i++) s[i] = SwishGrad(s[i], beta); return Vector256.Create<float>(s); }
    /// <summary>d swish / dx.</summary>
    public static Vector512<float> SwishGrad(Vector512<float> x, float beta) { Span<float> s = stackalloc float[16]; x.CopyTo(s); for (int i = 0; i < 16; i++) s[i] = SwishGrad(s[i], beta); return Vector512.Create<float>(s); }

    private static float ErfScalar(float x) => (float)ErfDouble(x);

    // Abramowitz-Stegun 7.1.26 is too coarse for a reference; this uses the complementary series
    // via System.Math for double precision.
    private static double ErfDouble(double x)
    {
        // erf via the relation with the regularized gamma function is not in-box; use a high-precision
        // rational approximation (W. J. Cody) through erfc for |x| >= 0.5 and Taylor series below.
        double ax = Math.Abs(x);
        if (double.IsNaN(x)) return double.NaN;
        if (ax < 0.5)
        {
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 30; n++) { term *= -x2 / n; sum += term / (2 * n + 1); }
            return sum * 1.1283791670955126;
        }
        if (ax > 6) return Math.Sign(x);
        // Continued fraction for erfc (Lentz), accurate to ~1e-15 for ax >= 0.5.
        double f = ax, c = ax, d = 0, tiny = 1e-300;
        for (int n = 1; n < 200; n++)
        {
            double an = n / 2.0;
            d = ax + an * d; d = Math.Abs(d) < tiny ? tiny : d; d = 1 / d;
            c = ax + an / c; c = Math.Abs(c) < tiny ? tiny : c;
            double delta = c * d; f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        double erfc = Math.Exp(-ax * ax) / f / 1.7724538509055160;
        return Math.Sign(x) * (1 - erfc);
    }

    private static float GeluTanhGradScalar(float x)
    {
        const float k = 0.7978845608f, c = 0.044715f;
        float t = MathF.Tanh(k * (x + c * x * x * x));
        return 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * k * (1f + 3f * c * x * x);
    }

    private static float SwishGradScalar(float x, float beta)
    {
        float s = 1f / (1f + MathF.Exp(-beta * x));
        return s + beta * x * s * (1f - s);
    }
}
