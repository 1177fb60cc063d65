using System;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace NetCompiler;

// Element-wise activations: forward and backward, and their kernels.
public static partial class Ops
{
    /// <summary>Logistic sigmoid 1 / (1 + e^-x).</summary>
    public static Tensor Sigmoid(Tensor x)
    {
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, r => Kernels.MultiplyAccumulate(new SigmoidGradKernel(), r.Values, r.Gradient, x.Gradient));
        TensorPrimitives.Sigmoid(x.Values, result.Values);
        return result;
    }

    /// <summary>Hyperbolic tangent.</summary>
    public static Tensor Tanh(Tensor x)
    {
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, r => Kernels.MultiplyAccumulate(new TanhGradKernel(), r.Values, r.Gradient, x.Gradient));
        TensorPrimitives.Tanh(x.Values, result.Values);
        return result;
    }

    /// <summary>max(0, x); the derivative is taken as 0 at x = 0.</summary>
    public static Tensor Relu(Tensor x)
    {
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, r => Kernels.MultiplyAccumulate(new StepKernel(), x.Values, r.Gradient, x.Gradient));
        TensorPrimitives.Max(x.Values, 0f, result.Values);
        return result;
    }

    /// <summary>x for x &gt; 0, alpha * x otherwise (the derivative at 0 is taken as alpha).</summary>
    public static Tensor LeakyRelu(Tensor x, float alpha = 0.01f) =>
        Unary(x, new LeakyReluKernel(alpha), new LeakyReluGradKernel(alpha));

    /// <summary>x * sigmoid(beta * x).</summary>
    public static Tensor Swish(Tensor x, float beta = 1f) => Unary(x, new SwishKernel(beta), new SwishGradKernel(beta));

    /// <summary>x * sigmoid(x) (Swish with beta = 1).</summary>
    public static Tensor Silu(Tensor x) => Swish(x, 1f);

    /// <summary>GELU, exact form x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)).</summary>
    public static Tensor Gelu(Tensor x) => Unary(x, new GeluKernel(), new GeluGradKernel());

    /// <summary>GELU, tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
    public static Tensor GeluTanh(Tensor x) => Unary(x, new GeluTanhKernel(), new GeluTanhGradKernel());

    /// <summary>Heaviside step: 1 for x &gt; 0, else 0. Forward only: it has no useful gradient, so the
    /// interpreted path treats its derivative as zero everywhere (nothing flows back through it), and the
    /// generator reports a network that would need to differentiate through it.</summary>
    public static Tensor Step(Tensor x)
    {
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, backward: null);
        Kernels.Map(new StepKernel(), x.Values, result.Values);
        return result;
    }

    /// <summary>An element-wise function f with derivative f' of the input: y = f(x), dx += dy * f'(x).</summary>
    private static Tensor Unary<TF, TG>(Tensor x, TF f, TG derivative) where TF : struct, IUnaryKernel where TG : struct, IUnaryKernel
    {
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, r => Kernels.MultiplyAccumulate(derivative, x.Values, r.Gradient, x.Gradient));
        Kernels.Map(f, x.Values, result.Values);
        return result;
    }
}

// ---- element-wise functions (forward and derivative) --------------------------------------------------------

/// <summary>1 for x &gt; 0, else 0 (the step function; also the derivative of ReLU).</summary>
internal readonly struct StepKernel : IUnaryKernel
{
    public float Invoke(float x) => x > 0f ? 1f : 0f;
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), Vector256<float>.One, Vector256<float>.Zero);
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), Vector512<float>.One, Vector512<float>.Zero);
}

/// <summary>x for x &gt; 0, else alpha x.</summary>
internal readonly struct LeakyReluKernel(float alpha) : IUnaryKernel
{
    public float Invoke(float x) => x > 0f ? x : alpha * x;
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, x * alpha);
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, x * alpha);
}

/// <summary>1 for x &gt; 0, else alpha (derivative of leaky ReLU).</summary>
internal readonly struct LeakyReluGradKernel(float alpha) : IUnaryKernel
{
    public float Invoke(float x) => x > 0f ? 1f : alpha;
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), Vector256<float>.One, Vector256.Create(alpha));
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), Vector512<float>.One, Vector512.Create(alpha));
}

/// <summary>1 - y^2: derivative of tanh from its output.</summary>
internal readonly struct TanhGradKernel : IUnaryKernel
{
    public float Invoke(float y) => 1f - y * y;
    public Vector256<float> Invoke(Vector256<float> y) => Vector256<float>.One - y * y;
    public Vector512<float> Invoke(Vector512<float> y) => Vector512<float>.One - y * y;
}

/// <summary>y (1 - y): derivative of the sigmoid from its output.</summary>
internal readonly struct SigmoidGradKernel : IUnaryKernel
{
    public float Invoke(float y) => y * (1f - y);
    public Vector256<float> Invoke(Vector256<float> y) => y * (Vector256<float>.One - y);
    public Vector512<float> Invoke(Vector512<float> y) => y * (Vector512<float>.One - y);
}

/// <summary>GELU (erf form), from <see cref="SimdMath"/>.</summary>
internal readonly struct GeluKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.Gelu(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.Gelu(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.Gelu(x);
}

/// <summary>Derivative of GELU (erf form), from <see cref="SimdMath"/>.</summary>
internal readonly struct GeluGradKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.GeluGrad(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.GeluGrad(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.GeluGrad(x);
}

/// <summary>GELU (tanh approximation), from <see cref="SimdMath"/>.</summary>
internal readonly struct GeluTanhKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.GeluTanh(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.GeluTanh(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.GeluTanh(x);
}

/// <summary>Derivative of the tanh-approximated GELU, from <see cref="SimdMath"/>.</summary>
internal readonly struct GeluTanhGradKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.GeluTanhGrad(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.GeluTanhGrad(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.GeluTanhGrad(x);
}

/// <summary>Swish x sigmoid(beta x), from <see cref="SimdMath"/>.</summary>
internal readonly struct SwishKernel(float beta) : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.Swish(x, beta);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.Swish(x, beta);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.Swish(x, beta);
}

/// <summary>Derivative of Swish, from <see cref="SimdMath"/>.</summary>
internal readonly struct SwishGradKernel(float beta) : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.SwishGrad(x, beta);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.SwishGrad(x, beta);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.SwishGrad(x, beta);
}
