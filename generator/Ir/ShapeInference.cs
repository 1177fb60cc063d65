using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Ops;

namespace NetCompiler.Generator.Ir;

/// <summary>Build IR: gives every node its per-sample shape by its op's shape rule (<see cref="OpDefinition.InferShape"/>),
/// which reports a mismatch at the expression that caused it with both shapes in the message; then checks what holds
/// for the whole graph (sizes fit an int, the loss is one number per sample).</summary>
internal static class ShapeInference
{
    public static Graph? Build(NetworkSpec spec, List<DiagnosticInfo> diagnostics)
    {
        var nodes = new List<Node>(spec.Nodes.Count);
        foreach (var n in spec.Nodes)
        {
            var inputs = new int[n.Inputs.Count][];
            for (int i = 0; i < inputs.Length; i++) inputs[i] = nodes[n.Inputs[i]].Shape;
            var query = new ShapeQuery(n, inputs, spec, diagnostics) { ShapeOf = id => nodes[id].Shape, TypeOf = id => nodes[id].DType };
            var definition = OpRegistry.For(n.Op);
            for (int i = 0; i < inputs.Length; i++)
            {
                bool ids = nodes[n.Inputs[i]].DType == DType.Int32;
                if (ids ? definition.TakesIds(n, i) : definition.TakesValues(n, i)) continue;
                // C#'s types keep Tensor and Tokens apart in a definition; this holds the IR to the same rule.
                query.Mismatch($"argument {i + 1} of {n.Op} must be {(ids ? "values (a Tensor)" : "ids (Tokens)")}, " +
                    $"but '{nodes[n.Inputs[i]].Spec.Label}' holds {(ids ? "ids" : "values")}");
                return null;
            }
            int[]? shape = definition.InferShape(query);
            if (shape is null) return null;
            if (Shapes.SaturatedSize(shape) > Shapes.MaxElements)
            {
                // Sizes are ints in the generated code (and in Shapes.Size): MatMul or broadcasting of large shapes
                // must stop here, at the expression, not overflow later.
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TensorTooLarge, n.Location, $"'{n.Source}'",
                    ShapeQuery.Text(shape), Shapes.MaxElements));
                return null;
            }
            var dtype = n.Op switch
            {
                OpKind.Input => spec.Inputs[((InputAttribute)n.Attributes).Index].DType,
                OpKind.Target => spec.TargetDType,
                _ => DType.Float32,
            };
            nodes.Add(new Node(n, shape, dtype));
        }
        // Without a [Shape] on the target (or without a loss at all) the target is shaped like the output.
        int[] targetShape = spec.TargetShapeExplicit ? spec.TargetShape.ToArray() : nodes[spec.OutputNode].Shape;
        var graph = new Graph(spec, nodes, targetShape);
        if (graph.Loss is { } loss && loss.Size != 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossShape, loss.Spec.Location,
                $"The [Loss] must produce one number per sample, but '{loss.Spec.Source}' has shape {loss.ShapeText}; reduce it with Sum or Mean"));
            return null;
        }
        return graph;
    }
}
