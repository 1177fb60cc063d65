using System;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Lowering;

/// <summary>One forward and one backward lowering per op: the single switch every op must appear in.</summary>
internal static class KernelTable
{
    public static void Forward(KernelContext c, Node node)
    {
        switch (node.Op)
        {
            case OpKind.Input or OpKind.Target or OpKind.Param or OpKind.Constant: return;
            case OpKind.Add or OpKind.Sub or OpKind.Mul: ElementwiseLowering.BinaryForward(c, node); return;
            case OpKind.Neg or OpKind.Sigmoid or OpKind.Tanh or OpKind.Relu or OpKind.LeakyRelu or OpKind.Swish or OpKind.Gelu
                or OpKind.GeluTanh or OpKind.Step:
                ElementwiseLowering.UnaryForward(c, node); return;
            case OpKind.MatMul: MatMulLowering.Forward(c, node); return;
            case OpKind.Transpose: StructuralLowering.TransposeForward(c, node); return;
            case OpKind.Sum or OpKind.Mean: StructuralLowering.ReduceForward(c, node); return;
            case OpKind.Softmax: StructuralLowering.SoftmaxForward(c, node); return;
            case OpKind.Linear: LinearLowering.Forward(c, node); return;
            case OpKind.BinaryCrossEntropy or OpKind.MeanSquaredError or OpKind.QuadraticCost or OpKind.CrossEntropy:
                LossLowering.Forward(c, node); return;
            default: throw new InvalidOperationException("No forward lowering for " + node.Op);
        }
    }

    public static void Backward(KernelContext c, Node node)
    {
        switch (node.Op)
        {
            case OpKind.Input or OpKind.Target or OpKind.Param or OpKind.Constant: return;
            case OpKind.Add or OpKind.Sub or OpKind.Mul: ElementwiseLowering.BinaryBackward(c, node); return;
            case OpKind.Neg or OpKind.Sigmoid or OpKind.Tanh or OpKind.Relu or OpKind.LeakyRelu or OpKind.Swish or OpKind.Gelu
                or OpKind.GeluTanh or OpKind.Step:
                ElementwiseLowering.UnaryBackward(c, node); return;
            case OpKind.MatMul: MatMulLowering.Backward(c, node); return;
            case OpKind.Transpose: StructuralLowering.TransposeBackward(c, node); return;
            case OpKind.Sum or OpKind.Mean: StructuralLowering.ReduceBackward(c, node); return;
            case OpKind.Softmax: StructuralLowering.SoftmaxBackward(c, node); return;
            case OpKind.Linear: LinearLowering.Backward(c, node); return;
            case OpKind.BinaryCrossEntropy or OpKind.MeanSquaredError or OpKind.QuadraticCost or OpKind.CrossEntropy:
                LossLowering.Backward(c, node); return;
            default: throw new InvalidOperationException("No backward lowering for " + node.Op);
        }
    }

    /// <summary>Whether the forward kernel of <paramref name="node"/> writes code (fused activations do not).</summary>
    public static bool EmitsForward(KernelContext c, Node node) => !node.IsLeaf && c.Fusion.FusedInto[node.Id] < 0;
}
