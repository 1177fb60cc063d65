using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Lowering;

/// <summary>Forward and derivative expressions of the element-wise ops, usable at any register width (the
/// runtime's SimdMath has float, Vector256 and Vector512 overloads). The derivative is written with the output
/// where that is cheapest (tanh, sigmoid, relu) and with the input otherwise.</summary>
internal sealed class Activation
{
    private Activation(OpKind op, float attribute) { Op = op; Attribute = attribute; }

    public OpKind Op { get; }
    public float Attribute { get; }

    public static Activation For(Node node) => new(node.Op, node.Attribute);

    /// <summary>Whether <see cref="Gradient"/> reads the input (else only the output).</summary>
    public bool GradientNeedsInput => Op is OpKind.LeakyRelu or OpKind.Swish or OpKind.Gelu or OpKind.GeluTanh;

    public bool HasGradient => Op != OpKind.Step;

    private string A => SourceWriter.Float(Attribute);

    public string Apply(string x) => Op switch
    {
        OpKind.Neg => $"-{x}",
        OpKind.Sigmoid => $"SimdMath.Sigmoid({x})",
        OpKind.Tanh => $"SimdMath.Tanh({x})",
        OpKind.Relu => $"SimdMath.Relu({x})",
        OpKind.LeakyRelu => $"SimdMath.LeakyRelu({x}, {A})",
        OpKind.Swish => $"SimdMath.Swish({x}, {A})",
        OpKind.Gelu => $"SimdMath.Gelu({x})",
        OpKind.GeluTanh => $"SimdMath.GeluTanh({x})",
        OpKind.Step => $"SimdMath.Step({x})",
        _ => throw new System.InvalidOperationException("not element-wise: " + Op),
    };

    /// <summary>d output / d input, from the input <paramref name="x"/> or output <paramref name="y"/>.</summary>
    public string Gradient(string x, string y) => Op switch
    {
        OpKind.Sigmoid => $"SimdMath.SigmoidGradFromOutput({y})",
        OpKind.Tanh => $"SimdMath.TanhGradFromOutput({y})",
        OpKind.Relu => $"SimdMath.ReluGrad({y})",
        OpKind.LeakyRelu => $"SimdMath.LeakyReluGrad({x}, {A})",
        OpKind.Swish => $"SimdMath.SwishGrad({x}, {A})",
        OpKind.Gelu => $"SimdMath.GeluGrad({x})",
        OpKind.GeluTanh => $"SimdMath.GeluTanhGrad({x})",
        _ => throw new System.InvalidOperationException("no derivative expression for " + Op),
    };

    public string Name => Op.ToString();
}
