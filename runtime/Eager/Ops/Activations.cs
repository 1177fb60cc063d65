using System.Runtime.Intrinsics;

namespace NetCompiler;

// The element-wise activations and unary math functions (Exp, Log, Sqrt, Rsqrt, Abs) as a table: each is a forward
// kernel and a derivative kernel, the derivative read from the output (sigmoid, tanh, relu, exp, sqrt, rsqrt) or from
// the input (the rest), exactly as generated code writes them
// (generator/Ops/Activations.cs). The kernels call the same functions generated code calls, so the
// interpreted and compiled paths give the same bits for the same input.
public static partial class Ops
{
    /// <summary>Logistic sigmoid 1 / (1 + e^-x).</summary>
    public static Tensor Sigmoid(Tensor x) => Unary(x, new SigmoidKernel(), new SigmoidGradKernel(), GradientFrom.Output);

    /// <summary>Hyperbolic tangent.</summary>
    public static Tensor Tanh(Tensor x) => Unary(x, new TanhKernel(), new TanhGradKernel(), GradientFrom.Output);

    /// <summary>max(0, x); the derivative is taken as 0 at x = 0.</summary>
    public static Tensor Relu(Tensor x) => Unary(x, new ReluKernel(), new ReluGradKernel(), GradientFrom.Output);

    /// <summary>x for x &gt; 0, alpha * x otherwise (the derivative at 0 is taken as alpha).</summary>
    public static Tensor LeakyRelu(Tensor x, float alpha = 0.01f) =>
        Unary(x, new LeakyReluKernel(alpha), new LeakyReluGradKernel(alpha), GradientFrom.Input);

    /// <summary>x * sigmoid(beta * x).</summary>
    public static Tensor Swish(Tensor x, float beta = 1f) => Unary(x, new SwishKernel(beta), new SwishGradKernel(beta), GradientFrom.Input);

    /// <summary>x * sigmoid(x) (Swish with beta = 1).</summary>
    public static Tensor Silu(Tensor x) => Swish(x, 1f);

    /// <summary>GELU, exact form x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)).</summary>
    public static Tensor Gelu(Tensor x) => Unary(x, new GeluKernel(), new GeluGradKernel(), GradientFrom.Input);

    /// <summary>GELU, tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
    public static Tensor GeluTanh(Tensor x) => Unary(x, new GeluTanhKernel(), new GeluTanhGradKernel(), GradientFrom.Input);

    /// <summary>Heaviside step: 1 for x &gt; 0, else 0. Forward only: it has no useful gradient, so the
    /// interpreted path treats its derivative as zero everywhere (nothing flows back through it), and the
    /// generator reports a network that would need to differentiate through it.</summary>
    public static Tensor Step(Tensor x)
    {
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, backward: null);
        Kernels.Map(new StepKernel(), x.Values, result.Values);
        return result;
    }

    /// <summary>e^x; the derivative is the output.</summary>
    public static Tensor Exp(Tensor x) => Unary(x, new ExpKernel(), new IdentityKernel(), GradientFrom.Output);

    /// <summary>Natural logarithm, not clamped (as PyTorch): -Inf at 0 and NaN below 0; the derivative is 1 / x.</summary>
    public static Tensor Log(Tensor x) => Unary(x, new LogKernel(), new LogGradKernel(), GradientFrom.Input);

    /// <summary>Square root (NaN below 0); the derivative 0.5 / y is +Inf at 0.</summary>
    public static Tensor Sqrt(Tensor x) => Unary(x, new SqrtKernel(), new SqrtGradKernel(), GradientFrom.Output);

    /// <summary>1 / sqrt(x) (+Inf at 0, NaN below 0); the derivative is -0.5 y^3.</summary>
    public static Tensor Rsqrt(Tensor x) => Unary(x, new RsqrtKernel(), new RsqrtGradKernel(), GradientFrom.Output);

    /// <summary>|x|; the derivative is sign(x), taken as 0 at 0 (as PyTorch).</summary>
    public static Tensor Abs(Tensor x) => Unary(x, new AbsKernel(), new AbsGradKernel(), GradientFrom.Input);

    private enum GradientFrom { Input, Output }

    /// <summary>y = f(x); dx += dy * f', with f' evaluated by <paramref name="derivative"/> on x or on y.</summary>
    private static Tensor Unary<TF, TG>(Tensor x, TF f, TG derivative, GradientFrom from) where TF : struct, IUnaryKernel where TG : struct, IUnaryKernel
    {
        var result = Tensor.Result(x.Batch, x.Shape, new[] { x }, r =>
            Kernels.MultiplyAccumulate(derivative, from == GradientFrom.Output ? r.Values : x.Values, r.Gradient, x.Gradient));
        Kernels.Map(f, x.Values, result.Values);
        return result;
    }
}

// One element: ScalarMath (SimdMath's approximation on one lane) for a transcendental, SimdMath's exact float
// overload otherwise; vectors: SimdMath. The same calls as generated code at each width.
internal readonly struct SigmoidKernel : IUnaryKernel
{
    public float Invoke(float x) => ScalarMath.Sigmoid(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.Sigmoid(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.Sigmoid(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.Sigmoid(x);
}

internal readonly struct SigmoidGradKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.SigmoidGradFromOutput(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.SigmoidGradFromOutput(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.SigmoidGradFromOutput(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.SigmoidGradFromOutput(x);
}

internal readonly struct TanhKernel : IUnaryKernel
{
    public float Invoke(float x) => ScalarMath.Tanh(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.Tanh(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.Tanh(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.Tanh(x);
}

internal readonly struct TanhGradKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.TanhGradFromOutput(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.TanhGradFromOutput(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.TanhGradFromOutput(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.TanhGradFromOutput(x);
}

internal readonly struct ReluKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.Relu(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.Relu(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.Relu(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.Relu(x);
}

internal readonly struct ReluGradKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.ReluGrad(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.ReluGrad(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.ReluGrad(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.ReluGrad(x);
}

internal readonly struct LeakyReluKernel(float alpha) : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.LeakyRelu(x, alpha);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.LeakyRelu(x, alpha);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.LeakyRelu(x, alpha);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.LeakyRelu(x, alpha);
}

internal readonly struct LeakyReluGradKernel(float alpha) : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.LeakyReluGrad(x, alpha);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.LeakyReluGrad(x, alpha);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.LeakyReluGrad(x, alpha);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.LeakyReluGrad(x, alpha);
}

internal readonly struct SwishKernel(float beta) : IUnaryKernel
{
    public float Invoke(float x) => ScalarMath.Swish(x, beta);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.Swish(x, beta);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.Swish(x, beta);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.Swish(x, beta);
}

internal readonly struct SwishGradKernel(float beta) : IUnaryKernel
{
    public float Invoke(float x) => ScalarMath.SwishGrad(x, beta);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.SwishGrad(x, beta);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.SwishGrad(x, beta);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.SwishGrad(x, beta);
}

internal readonly struct GeluKernel : IUnaryKernel
{
    public float Invoke(float x) => ScalarMath.Gelu(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.Gelu(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.Gelu(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.Gelu(x);
}

internal readonly struct GeluGradKernel : IUnaryKernel
{
    public float Invoke(float x) => ScalarMath.GeluGrad(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.GeluGrad(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.GeluGrad(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.GeluGrad(x);
}

internal readonly struct GeluTanhKernel : IUnaryKernel
{
    public float Invoke(float x) => ScalarMath.GeluTanh(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.GeluTanh(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.GeluTanh(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.GeluTanh(x);
}

internal readonly struct GeluTanhGradKernel : IUnaryKernel
{
    public float Invoke(float x) => ScalarMath.GeluTanhGrad(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.GeluTanhGrad(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.GeluTanhGrad(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.GeluTanhGrad(x);
}

internal readonly struct StepKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.Step(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.Step(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.Step(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.Step(x);
}

internal readonly struct ExpKernel : IUnaryKernel
{
    public float Invoke(float x) => ScalarMath.Exp(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.Exp(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.Exp(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.Exp(x);
}

/// <summary>f(y) = y: the derivative of Exp, read from its output.</summary>
internal readonly struct IdentityKernel : IUnaryKernel
{
    public float Invoke(float x) => x;
    public Vector128<float> Invoke(Vector128<float> x) => x;
    public Vector256<float> Invoke(Vector256<float> x) => x;
    public Vector512<float> Invoke(Vector512<float> x) => x;
}

// LogKernel (SimdMath.Log) is shared with BinaryCrossEntropy.cs.

internal readonly struct LogGradKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.LogGrad(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.LogGrad(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.LogGrad(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.LogGrad(x);
}

internal readonly struct SqrtKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.Sqrt(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.Sqrt(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.Sqrt(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.Sqrt(x);
}

internal readonly struct SqrtGradKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.SqrtGradFromOutput(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.SqrtGradFromOutput(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.SqrtGradFromOutput(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.SqrtGradFromOutput(x);
}

internal readonly struct RsqrtKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.Rsqrt(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.Rsqrt(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.Rsqrt(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.Rsqrt(x);
}

internal readonly struct RsqrtGradKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.RsqrtGradFromOutput(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.RsqrtGradFromOutput(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.RsqrtGradFromOutput(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.RsqrtGradFromOutput(x);
}

internal readonly struct AbsKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.Abs(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.Abs(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.Abs(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.Abs(x);
}

internal readonly struct AbsGradKernel : IUnaryKernel
{
    public float Invoke(float x) => SimdMath.AbsGrad(x);
    public Vector128<float> Invoke(Vector128<float> x) => SimdMath.AbsGrad(x);
    public Vector256<float> Invoke(Vector256<float> x) => SimdMath.AbsGrad(x);
    public Vector512<float> Invoke(Vector512<float> x) => SimdMath.AbsGrad(x);
}
