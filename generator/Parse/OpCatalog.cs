using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Parse;

/// <summary>Maps the methods of <c>NetCompiler.Ops</c> to IR ops. One entry per op: the tensor operands it takes
/// and, for ops with a scalar argument (alpha, beta), which argument that is.</summary>
internal static class OpCatalog
{
    private sealed record Entry(OpKind Op, int Tensors, int ScalarArgument = -1, float Fixed = 0f);

    private static readonly Dictionary<string, Entry> Entries = new()
    {
        ["MatMul"] = new(OpKind.MatMul, 2),
        ["Transpose"] = new(OpKind.Transpose, 1),
        ["Sum"] = new(OpKind.Sum, 1),
        ["Mean"] = new(OpKind.Mean, 1),
        ["Sigmoid"] = new(OpKind.Sigmoid, 1),
        ["Tanh"] = new(OpKind.Tanh, 1),
        ["Relu"] = new(OpKind.Relu, 1),
        ["LeakyRelu"] = new(OpKind.LeakyRelu, 1, ScalarArgument: 1),
        ["Swish"] = new(OpKind.Swish, 1, ScalarArgument: 1),
        ["Silu"] = new(OpKind.Swish, 1, Fixed: 1f),
        ["Gelu"] = new(OpKind.Gelu, 1),
        ["GeluTanh"] = new(OpKind.GeluTanh, 1),
        ["Softmax"] = new(OpKind.Softmax, 1),
        ["Step"] = new(OpKind.Step, 1),
        ["BinaryCrossEntropy"] = new(OpKind.BinaryCrossEntropy, 2),
        ["MeanSquaredError"] = new(OpKind.MeanSquaredError, 2),
        ["QuadraticCost"] = new(OpKind.QuadraticCost, 2),
        ["CrossEntropy"] = new(OpKind.CrossEntropy, 2),
    };

    /// <summary>Adds the node for <c>Ops.<paramref name="name"/></c>; null when the op is unknown.</summary>
    public static TraceValue? Build(BodyTracer tracer, string name, IReadOnlyList<TraceValue> arguments, SyntaxNode call)
    {
        if (name == "Linear")
        {
            var inputs = new List<int> { tracer.RequireTensor(arguments[0], call, "the input"), tracer.RequireTensor(arguments[1], call, "the weight") };
            if (arguments.Count > 2 && arguments[2] is TensorValue bias) inputs.Add(bias.Node);
            return new TensorValue(tracer.AddNode(OpKind.Linear, inputs.ToArray(), 0, "Linear", call));
        }
        if (!Entries.TryGetValue(name, out var entry)) return null;
        var operands = new int[entry.Tensors];
        for (int i = 0; i < entry.Tensors; i++) operands[i] = tracer.RequireTensor(arguments[i], call, $"argument {i + 1} of {name}");
        float attribute = entry.ScalarArgument >= 0 ? tracer.RequireNumber(arguments[entry.ScalarArgument], call, $"the scalar argument of {name}") : entry.Fixed;
        return new TensorValue(tracer.AddNode(entry.Op, operands, attribute, name, call));
    }
}
