using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Lowering;

/// <summary>Forward and derivative expressions of the element-wise ops, usable at any register width (the
/// runtime's SimdMath has float, Vector256 and Vector512 overloads). The derivative is written with the output
/// where that is cheapest (tanh, sigmoid, relu) and with the input otherwise. Scalar transcendentals call the
/// runtime's ScalarMath (SimdMath's approximations on one lane, no libm call), so a scalar element gets the same
/// value as a vector lane would.</summary>
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

    /// <summary>The op applied to <paramref name="x"/>, an expression of width <paramref name="isa"/>.</summary>
    public string Apply(string x, Isa isa) => Op switch
    {
        OpKind.Neg => $"-{x}",
        OpKind.Sigmoid => $"{isa.Math()}.Sigmoid({x})",
        OpKind.Tanh => $"{isa.Math()}.Tanh({x})",
        OpKind.Relu => $"SimdMath.Relu({x})",
        OpKind.LeakyRelu => $"SimdMath.LeakyRelu({x}, {A})",
        OpKind.Swish => $"{isa.Math()}.Swish({x}, {A})",
        OpKind.Gelu => $"{isa.Math()}.Gelu({x})",
        OpKind.GeluTanh => $"{isa.Math()}.GeluTanh({x})",
        OpKind.Step => $"SimdMath.Step({x})",
        _ => throw new System.InvalidOperationException("not element-wise: " + Op),
    };

    /// <summary>d output / d input, from the input <paramref name="x"/> or output <paramref name="y"/> (expressions
    /// of width <paramref name="isa"/>).</summary>
    public string Gradient(string x, string y, Isa isa) => Op switch
    {
        OpKind.Sigmoid => $"SimdMath.SigmoidGradFromOutput({y})",
        OpKind.Tanh => $"SimdMath.TanhGradFromOutput({y})",
        OpKind.Relu => $"SimdMath.ReluGrad({y})",
        OpKind.LeakyRelu => $"SimdMath.LeakyReluGrad({x}, {A})",
        OpKind.Swish => $"{isa.Math()}.SwishGrad({x}, {A})",
        OpKind.Gelu => $"{isa.Math()}.GeluGrad({x})",
        OpKind.GeluTanh => $"{isa.Math()}.GeluTanhGrad({x})",
        _ => throw new System.InvalidOperationException("no derivative expression for " + Op),
    };

    public string Name => Op.ToString();
}
