using System;
using System.Collections.Generic;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>The element-wise activations and unary math functions (Exp, Log, Sqrt, Rsqrt, Abs), one table: they share
/// everything (shape rule, lowering, fusion into a dense layer's epilogue) but their formulas. Each formula is an expression at any register width (the runtime's SimdMath
/// has float, Vector256 and Vector512 overloads; scalar transcendentals call ScalarMath, SimdMath's approximation on
/// one lane, so a scalar element gets the bits a vector lane would). The derivative is written with the output where
/// that is cheapest (tanh, sigmoid, relu) and with the input otherwise.</summary>
internal sealed class ActivationOp : OpDefinition
{
    private readonly Func<string, Isa, string, string> _apply;
    private readonly Func<string, Isa, string, string>? _derivative;
    private readonly int _scalarArgument;
    private readonly float? _fixedScalar;

    /// <param name="apply">f(x) from the input expression, the width, and the scalar attribute's literal.</param>
    /// <param name="derivative">f' from the input (<paramref name="derivativeReadsInput"/>) or the output expression,
    /// the width and the scalar literal; null when nothing flows back.</param>
    /// <param name="scalarArgument">Which argument of the Ops method is the scalar attribute (-1: none).</param>
    private ActivationOp(OpKind kind, string[] dslNames, string syntax, string gradientRule,
        Func<string, Isa, string, string> apply, Func<string, Isa, string, string>? derivative, bool derivativeReadsInput,
        int scalarArgument = -1, float? fixedScalar = null)
        : base(kind, OpTraits.ElementWise | (derivative is null ? OpTraits.BlocksGradient : OpTraits.FusableEpilogue), dslNames)
    {
        Syntax = syntax; GradientRule = gradientRule; _apply = apply; _derivative = derivative;
        DerivativeReadsInput = derivativeReadsInput; _scalarArgument = scalarArgument; _fixedScalar = fixedScalar;
    }

    public static readonly ActivationOp Sigmoid = new(OpKind.Sigmoid, new[] { "Sigmoid" }, "`Sigmoid(x)`", "`dx += dy y (1 - y)`",
        (x, isa, _) => $"{isa.Math()}.Sigmoid({x})", (y, _, _) => $"SimdMath.SigmoidGradFromOutput({y})", false);

    public static readonly ActivationOp Tanh = new(OpKind.Tanh, new[] { "Tanh" }, "`Tanh(x)`", "`dx += dy (1 - y^2)`",
        (x, isa, _) => $"{isa.Math()}.Tanh({x})", (y, _, _) => $"SimdMath.TanhGradFromOutput({y})", false);

    public static readonly ActivationOp Relu = new(OpKind.Relu, new[] { "Relu" }, "`Relu(x)`", "`dx += dy [y > 0]`",
        (x, _, _) => $"SimdMath.Relu({x})", (y, _, _) => $"SimdMath.ReluGrad({y})", false);

    public static readonly ActivationOp LeakyRelu = new(OpKind.LeakyRelu, new[] { "LeakyRelu" }, "`LeakyRelu(x, alpha)`",
        "`dx += dy (x > 0 ? 1 : alpha)`",
        (x, _, a) => $"SimdMath.LeakyRelu({x}, {a})", (x, _, a) => $"SimdMath.LeakyReluGrad({x}, {a})", true, scalarArgument: 1);

    public static readonly ActivationOp Swish = new(OpKind.Swish, new[] { "Swish", "Silu" }, "`Swish(x, beta)`, `Silu(x)`",
        "`dx += dy (s + beta x s (1 - s))`, `s = sigmoid(beta x)`",
        (x, isa, a) => $"{isa.Math()}.Swish({x}, {a})", (x, isa, a) => $"{isa.Math()}.SwishGrad({x}, {a})", true, scalarArgument: 1, fixedScalar: 1f);

    public static readonly ActivationOp Gelu = new(OpKind.Gelu, new[] { "Gelu" }, "`Gelu(x)`", "`dx += dy (Phi(x) + x phi(x))`",
        (x, isa, _) => $"{isa.Math()}.Gelu({x})", (x, isa, _) => $"{isa.Math()}.GeluGrad({x})", true);

    public static readonly ActivationOp GeluTanh = new(OpKind.GeluTanh, new[] { "GeluTanh" }, "`GeluTanh(x)`", "derivative of the tanh form",
        (x, isa, _) => $"{isa.Math()}.GeluTanh({x})", (x, isa, _) => $"{isa.Math()}.GeluTanhGrad({x})", true);

    public static readonly ActivationOp Step = new(OpKind.Step, new[] { "Step" }, "`Step(x)`", "none (NC0104 if a parameter trains through it)",
        (x, _, _) => $"SimdMath.Step({x})", null, false);

    // Element-wise math. Exp and Log are SimdMath's approximations (ScalarMath on one lane); Sqrt, Rsqrt and Abs are
    // exact IEEE operations at every width. No clamping: Log(0) = -Inf and Log(x < 0) = NaN, Sqrt and Rsqrt of a
    // negative are NaN, Rsqrt(0) = +Inf, and their derivatives follow (Inf or NaN), as in PyTorch.

    public static readonly ActivationOp Exp = new(OpKind.Exp, new[] { "Exp" }, "`Exp(x)`", "`dx += dy y`",
        (x, isa, _) => $"{isa.Math()}.Exp({x})", (y, _, _) => y, false);

    public static readonly ActivationOp Log = new(OpKind.Log, new[] { "Log" }, "`Log(x)`", "`dx += dy / x`",
        (x, isa, _) => $"{isa.Math()}.Log({x})", (x, _, _) => $"SimdMath.LogGrad({x})", true);

    public static readonly ActivationOp Sqrt = new(OpKind.Sqrt, new[] { "Sqrt" }, "`Sqrt(x)`", "`dx += dy 0.5 / y`",
        (x, _, _) => $"SimdMath.Sqrt({x})", (y, _, _) => $"SimdMath.SqrtGradFromOutput({y})", false);

    public static readonly ActivationOp Rsqrt = new(OpKind.Rsqrt, new[] { "Rsqrt" }, "`Rsqrt(x)` (1 / sqrt(x))", "`dx += dy (-0.5 y^3)`",
        (x, _, _) => $"SimdMath.Rsqrt({x})", (y, _, _) => $"SimdMath.RsqrtGradFromOutput({y})", false);

    public static readonly ActivationOp Abs = new(OpKind.Abs, new[] { "Abs" }, "`Abs(x)`", "`dx += dy sign(x)` (0 at 0)",
        (x, _, _) => $"SimdMath.Abs({x})", (x, _, _) => $"SimdMath.AbsGrad({x})", true);

    /// <summary>Exp overflows, Log, Sqrt and Rsqrt (or their derivatives) are infinite at 0.</summary>
    public override bool KeepsFinite(Node node) => Kind is not (OpKind.Exp or OpKind.Log or OpKind.Sqrt or OpKind.Rsqrt);

    public override string Syntax { get; }
    public override string ShapeRule => "`x`'s shape";
    public override string GradientRule { get; }

    /// <summary>Whether the derivative reads the input (else the output): a fused dense layer keeps its
    /// pre-activation only then.</summary>
    public bool DerivativeReadsInput { get; }

    public bool HasDerivative => _derivative is not null;

    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new[] { new CodeStrategy("vector map", Forward, Backward) };

    public override Parse.TraceValue Build(Parse.OpCall call)
    {
        int x = call.Tensor(0, $"argument 1 of {call.Name}");
        if (_scalarArgument < 0) return call.Node(Kind, new[] { x }, OpAttributes.None);
        float scalar = call.Name != DslNames[0] && _fixedScalar is { } fixedValue
            ? fixedValue
            : call.Number(_scalarArgument, $"the scalar argument of {call.Name}");
        return call.Node(Kind, new[] { x }, new ScalarAttribute(scalar));
    }

    /// <summary>The derivative reads the input or the output, never both.</summary>
    public override bool BackwardReadsOperand(Node node, int operand) => DerivativeReadsInput;

    public override bool BackwardReadsOutput(Node node) => !DerivativeReadsInput;

    public override int[]? InferShape(ShapeQuery query) => query.In(0);

    /// <summary>The activation of <paramref name="node"/> applied to <paramref name="x"/>, an expression of width
    /// <paramref name="isa"/>.</summary>
    public string Apply(Node node, string x, Isa isa) => _apply(x, isa, Scalar(node));

    /// <summary>d output / d input at width <paramref name="isa"/>, from the input expression when
    /// <see cref="DerivativeReadsInput"/>, else from the output expression.</summary>
    public string Derivative(Node node, string inputOrOutput, Isa isa) =>
        (_derivative ?? throw new InvalidOperationException("no derivative for " + Kind))(inputOrOutput, isa, Scalar(node));

    private static string Scalar(Node node) => node.Attributes is ScalarAttribute s ? SourceWriter.Float(s.Value) : "";

    // y = f(x); dx += dy * f'(x or y)
    private static void Forward(KernelContext c, Node node)
    {
        var act = (ActivationOp)OpRegistry.For(node.Op);
        string x = c.V(node.Inputs[0]), y = c.V(node.Id);
        VectorLoops.Map(c.W, node.Size, y, false, (isa, i) => act.Apply(node, isa.Load(x, i), isa));
    }

    private static void Backward(KernelContext c, Node node)
    {
        var act = (ActivationOp)OpRegistry.For(node.Op);
        int input = node.Inputs[0];
        if (!act.HasDerivative || !c.HasGradient(input)) return;
        string dy = c.D(node.Id), dx = c.D(input);
        string from = act.DerivativeReadsInput ? c.V(input) : c.V(node.Id);
        VectorLoops.Map(c.W, node.Size, dx, true, (isa, i) => $"{isa.Load(dy, i)} * {act.Derivative(node, isa.Load(from, i), isa)}");
    }
}
