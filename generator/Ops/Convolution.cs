using System.Collections.Generic;
using NetCompiler.Generator.Ir;
using NetCompiler.Generator.Lowering;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Ops;

/// <summary>A convolution's stride, zero padding and dilation (the same along height and width, as PyTorch's int
/// arguments) and its channel groups.</summary>
internal sealed record ConvolutionAttribute(int Stride, int Padding, int Dilation, int Groups) : OpAttributes;

/// <summary>2-D convolution (<c>[Conv2D] c; c.Forward(x)</c>, <c>Convolution2D(x, w, b, stride, padding, dilation,
/// groups)</c>, PyTorch's <c>F.conv2d</c>) of each sample [C, H, W] with w [M, C / groups, kh, kw] into [M, OH, OW],
/// a residual sum and the activation that follow fused into its epilogue (y = act(z + r)) when nothing else reads what
/// they consume.
/// <para>Lowered as implicit GEMM through the runtime's <c>ConvolutionGemm</c>: per sample and group the input is
/// unfolded into a column matrix [C / groups kh kw, OH OW] in a scratch (rows padded to 16 floats) and the
/// register-blocked kernels of <c>TileGemm</c> run W [M / groups, C / groups kh kw] against it. A direct convolution
/// would avoid the unfolding, but at the zoo's shapes (kh kw C / groups between 9 and 576, OH OW between 49 and 784) the
/// unfolded matrix of one sample fits in L2, costs one pass over kh kw times the input (a few percent of the
/// product's time), and turns every layer into one well-shaped product with 4 x 64 output blocks; a direct kernel
/// would need a specialization per kernel size and stride to match it. Backward: dz = dy act'(.) in place, dr += dz, dW += dz
/// col^T and db += sum dz over the tile, dx += col2im(W^T dz).</para></summary>
internal sealed class ConvolutionOp : OpDefinition
{
    private ConvolutionOp() : base(OpKind.Conv2D, OpTraits.EpilogueHost | OpTraits.ResidualHost, "Convolution2D") { }

    public static readonly ConvolutionOp Instance = new();

    public override string Syntax => "`c.Forward(x)` (`[Conv2D]`), `Convolution2D(x, w, b, stride, padding, dilation, groups)`";
    public override string ShapeRule => "`[C, H, W] -> [M, OH, OW]`, `w` `[M, C / groups, kh, kw]`, `b` `[M]`; OH = (H + 2 padding - dilation (kh - 1) - 1) / stride + 1";
    public override string GradientRule => "`dz = dy act'`; `dW += dz col(x)^T`, `db += sum dz`, `dx += col2im(W^T dz)`";

    public override IReadOnlyList<LoweringStrategy> Strategies { get; } = new LoweringStrategy[] { new GemmStrategy(StrategyScope.Tile), new GemmStrategy(StrategyScope.Sample) };

    public override Parse.TraceValue Build(Parse.OpCall call)
    {
        var inputs = new List<int> { call.Tensor(0, "the input"), call.Tensor(1, "the weight") };
        if (call.Arguments[2] is Parse.TensorValue bias) inputs.Add(bias.Node);
        var settings = new ConvolutionAttribute((int)call.Number(3, "Convolution2D's stride"), (int)call.Number(4, "Convolution2D's padding"),
            (int)call.Number(5, "Convolution2D's dilation"), (int)call.Number(6, "Convolution2D's groups"));
        return call.Node(Kind, inputs.ToArray(), settings);
    }

    public override string OperandName(int operand) => operand switch { 0 => "the input", 1 => "the weight", _ => "the bias" };

    /// <summary>dW reads the input, dx the weight; a fused activation's derivative reads what the memory plan keeps for it.</summary>
    public override bool BackwardReadsOperand(Node node, int operand) => operand < 2;

    public override bool BackwardReadsOutput(Node node) => false;

    public override int[]? InferShape(ShapeQuery query)
    {
        int[] x = query.In(0), w = query.In(1);
        var a = (ConvolutionAttribute)query.Node.Attributes;
        string layer = query.Node.Label is { Length: > 0 } label && label != "Convolution2D" ? $"Conv2D '{label}'" : "Convolution2D";
        if (x.Length != 3) return query.Mismatch($"{layer} needs per-sample input [C, H, W], got {ShapeQuery.Text(x)}");
        if (w.Length != 4) return query.Mismatch($"the weight of {layer} must be [out, in / groups, kh, kw], got {ShapeQuery.Text(w)}");
        foreach (var (name, value, least) in new[] { ("stride", a.Stride, 1), ("dilation", a.Dilation, 1), ("groups", a.Groups, 1), ("padding", a.Padding, 0) })
            if (value < least)
                return query.Mismatch($"the {name} of {layer} is {value}; it must be {(least == 0 ? "0 or more" : "at least 1")}");
        if (x[0] % a.Groups != 0 || w[0] % a.Groups != 0)
            return query.Mismatch($"{layer} has {x[0]} input and {w[0]} output channels, which must both be divisible by Groups = {a.Groups}");
        if (w[1] != x[0] / a.Groups)
            return query.Mismatch($"{layer} expects {w[1] * a.Groups} input channels (weight {ShapeQuery.Text(w)}, groups {a.Groups}) but its input has shape {ShapeQuery.Text(x)}");
        if (query.Count > 2 && (query.In(2).Length != 1 || query.In(2)[0] != w[0]))
            return query.Mismatch($"the bias {ShapeQuery.Text(query.In(2))} of {layer} does not match {w[0]} output channels");
        long oh = OutputSize(x[1], w[2], a.Stride, a.Padding, a.Dilation), ow = OutputSize(x[2], w[3], a.Stride, a.Padding, a.Dilation);
        if (oh < 1 || ow < 1)
        {
            bool height = oh < 1;
            int size = height ? x[1] : x[2], kernel = height ? w[2] : w[3];
            return query.Mismatch($"the {w[2]}x{w[3]} kernel of {layer} does not fit its {x[1]}x{x[2]} input: the output {(height ? "height" : "width")} would be " +
                $"floor(({size} + 2*{a.Padding} - {a.Dilation}*({kernel} - 1) - 1) / {a.Stride}) + 1 = {(height ? oh : ow)} " +
                "(floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1), and it must be at least 1");
        }
        if (oh > int.MaxValue || ow > int.MaxValue)
            return query.Mismatch($"the padding {a.Padding} of {layer} would make its output {oh}x{ow}, more than a dimension can hold");
        return new[] { w[0], (int)oh, (int)ow };
    }

    /// <summary>PyTorch's output size, floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1, as a floor
    /// also below 0 (so messages show the value the formula gives), in 64 bits (padding or dilation near 2^30 would
    /// wrap an int's).</summary>
    public static long OutputSize(int size, int kernel, int stride, int padding, int dilation)
    {
        long span = size + 2L * padding - (long)dilation * (kernel - 1) - 1;
        return (span < 0 ? -((-span + stride - 1) / stride) : span / stride) + 1;
    }

    /// <summary>The C# expression of the node's constant geometry (a <c>ConvGeometry</c>).</summary>
    private static string Geometry(Graph graph, Node node)
    {
        int[] x = graph[node.Inputs[0]].Shape, w = graph[node.Inputs[1]].Shape;
        var a = (ConvolutionAttribute)node.Attributes;
        return $"new ConvGeometry({x[0]}, {x[1]}, {x[2]}, {w[0]}, {w[2]}, {w[3]}, {a.Stride}, {a.Stride}, {a.Padding}, {a.Padding}, {a.Dilation}, {a.Dilation}, {a.Groups})";
    }

    /// <summary>The implicit GEMM through <c>ConvolutionGemm</c>: over a whole tile (weights and bias parameters shared by
    /// every sample, an input with evenly strided rows), or one sample at a time (anything else).</summary>
    private sealed class GemmStrategy : LoweringStrategy
    {
        private readonly StrategyScope _scope;

        public GemmStrategy(StrategyScope scope) => _scope = scope;

        public override string Name => _scope == StrategyScope.Tile ? "implicit GEMM (tile)" : "implicit GEMM (sample)";

        public override StrategyScope Scope => _scope;

        public override bool Applies(Graph graph, Node node) => _scope == StrategyScope.Sample ||
            graph[node.Inputs[1]].Op == OpKind.Param && (node.Inputs.Count < 3 || graph[node.Inputs[2]].Op == OpKind.Param)
            && graph[node.Inputs[0]].Op is not (OpKind.Param or OpKind.Constant or OpKind.Target);

        private bool Tile => _scope == StrategyScope.Tile;

        /// <summary>A node's row stride in this scope: its tile stride, or 0 for one sample.</summary>
        private string ValueStride(KernelContext c, int id) => Tile ? c.ValueStride(id) : "0";

        private string GradientStride => Tile ? "GradientWorkspaceSize" : "0";

        private string Rows => Tile ? "rows" : "1";

        /// <summary>Writes <paramref name="body"/> once per sample: in a row loop over the tile, or as it is.</summary>
        private void PerSample(KernelContext c, System.Action body)
        {
            if (Tile) c.RowLoop(body); else body();
        }

        /// <summary>Writes <paramref name="body"/> once: in a block over the tile, or in braces of its own in a sample's code.</summary>
        private void Whole(KernelContext c, System.Action body)
        {
            if (Tile) { c.Block(body); return; }
            c.W.Open("");
            body();
            c.W.Close();
        }

        // z = conv(x, W) + b for every sample of the tile in one call, then the fused residual sum and activation
        // (in place when the pre-activation is not kept).
        public override void Forward(KernelContext c, Node node)
        {
            var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
            int bias = node.Inputs.Count > 2 ? node.Inputs[2] : -1;
            var epilogue = FusedEpilogue.Of(c, node);
            int destination = epilogue.Destination;
            Whole(c, () =>
            {
                string vw = c.V(w.Id), vb = bias >= 0 ? c.V(bias) : vw;
                c.W.Line($"var g{node.Id} = {Geometry(c.Graph, node)};");
                c.W.Line($"ConvolutionGemm.Forward(in g{node.Id}, ref {c.V(x.Id)}, {ValueStride(c, x.Id)}, ref {vw}, ref {vb}, {(bias >= 0 ? "true" : "false")}, " +
                         $"ref {c.V(destination)}, {ValueStride(c, destination)}, {Rows});");
            });
            if (!epilogue.Empty) PerSample(c, () => epilogue.Forward(c));
        }

        // dz = dy * act'(.) in place (dy is read by nothing else) and dr += dz, then dW += dz col^T, db += sum dz,
        // dx += col2im(W^T dz).
        public override void Backward(KernelContext c, Node node)
        {
            var (x, w) = (c.Graph[node.Inputs[0]], c.Graph[node.Inputs[1]]);
            int bias = node.Inputs.Count > 2 ? node.Inputs[2] : -1;
            var epilogue = FusedEpilogue.Of(c, node);
            int dyId = epilogue.Result;
            bool needX = c.HasGradient(x.Id), needW = c.HasGradient(w.Id), needB = bias >= 0 && c.HasGradient(bias);
            if (!epilogue.Empty) PerSample(c, () => epilogue.Backward(c));
            if (!needX && !needW && !needB) return;
            Whole(c, () =>
            {
                c.W.Line($"var g{node.Id} = {Geometry(c.Graph, node)};");
                string dy = c.D(dyId);
                if (needW)
                    c.W.Line($"ConvolutionGemm.BackwardWeights(in g{node.Id}, ref {dy}, {GradientStride}, ref {c.V(x.Id)}, {ValueStride(c, x.Id)}, ref {c.D(w.Id)}, {Rows});");
                if (needB)
                    c.W.Line($"ConvolutionGemm.BackwardBias(in g{node.Id}, ref {dy}, {GradientStride}, ref {c.D(bias)}, {Rows});");
                if (needX)
                    c.W.Line($"ConvolutionGemm.BackwardInput(in g{node.Id}, ref {dy}, {GradientStride}, ref {c.V(w.Id)}, ref {c.D(x.Id)}, {GradientStride}, {Rows});");
            });
        }
    }
}
