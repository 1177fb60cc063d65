using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NetCompiler.Tests.Generator;

/// <summary>Op families a random graph definition may use (for the coverage check and the case's summary).</summary>
[Flags]
internal enum GraphFamily : long
{
    None = 0,
    SeveralInputs = 1 << 0,
    Gather = 1 << 1,
    Embedding = 1 << 2,
    SharedIds = 1 << 3,        // one ids input selecting from two tables: IdCount is the smaller
    Reshape = 1 << 4,
    ReshapeInferred = 1 << 5,  // a -1 dimension
    Permute = 1 << 6,
    Slice = 1 << 7,
    Concat = 1 << 8,
    MatMul = 1 << 9,
    BatchedMatMul = 1 << 10,   // leading dimensions on at least one side
    Reduction = 1 << 11,
    Softmax = 1 << 12,
    LayerNorm = 1 << 13,
    RmsNorm = 1 << 14,
    Dense = 1 << 15,
    Broadcast = 1 << 16,       // + - * of two shapes of different ranks
    GeneralBroadcast = 1 << 17, // + - * repeating an operand along a dimension of 1 inside it ([3, 1] + [3, 4], [3, 1] * [1, 4])
    Split = 1 << 20,            // deconstructed into two pieces along an axis
    Positions = 1 << 21,        // + SinusoidalPositions(T, D), a constant table
    Dropout = 1 << 18,          // training draws masks numbered in definition order on both paths
    BatchNorm = 1 << 19,        // the training step runs the whole batch at once; running statistics compared too
    // Convolutional steps (RandomGraphCase.Convolution.cs) over per-sample [C, H, W] values.
    ImageInput = 1L << 22,      // an input declared [C, H, W]
    ImageReshape = 1L << 23,    // a value reshaped to [C, H, W] to be convolved or pooled
    Conv2D = 1L << 24,          // the [Conv2D] layer
    Convolution2D = 1L << 25,   // the op, weight (and bias) [Param]s: the whole tile at once
    ComputedWeight = 1L << 26,  // the op with a computed weight: one sample at a time
    ConvRectangular = 1L << 27, // kh != kw
    ConvStride = 1L << 28,
    ConvPadding = 1L << 29,
    ConvDilation = 1L << 30,    // dilation 2 with a kernel side above 1
    ConvGroups = 1L << 31,      // 1 < groups < channels
    Depthwise = 1L << 32,       // groups = channels > 1
    ConvNoBias = 1L << 33,
    ConvActivation = 1L << 34,  // an activation straight on the convolution (fused into its epilogue if nothing else reads it)
    MaxPool = 1L << 35,
    AvgPool = 1L << 36,
    PoolPadding = 1L << 37,
    GlobalAvgPool = 1L << 38,
    Flatten = 1L << 39,
    BatchNorm2D = 1L << 40,     // of an input's image or of a bias-free convolution of one
    Residual = 1L << 41,        // a + b of two same-shape convolution outputs (or of one and its input)
    // Recurrent layers (RandomGraphCase.Recurrent.cs) over per-sample sequences [T, F], in the recurrent graphs only.
    SequenceInput = 1L << 42,   // an input declared [T, F] for a recurrent layer
    RnnTanh = 1L << 43,
    RnnRelu = 1L << 44,
    Lstm = 1L << 45,
    Gru = 1L << 46,
    StackedRecurrent = 1L << 47,  // Layers = 2
    Bidirectional = 1L << 48,
    RecurrentNoBias = 1L << 49,
    InitialHidden = 1L << 50,     // h0 given: an input, a parameter, a computed value or another layer's last state
    InitialCell = 1L << 51,       // an LSTM's c0 given too
    StateFromInput = 1L << 52,    // an initial state that is a [Forward] input of its own
    SequenceOutput = 1L << 53,    // the output sequence [T, D H] read downstream
    LastHidden = 1L << 54,        // the last hidden state [L D, H] read downstream
    LastCell = 1L << 55,          // an LSTM's last cell state read downstream
    RecurrentIndexed = 1L << 56,  // r.Forward(x)[k] rather than a deconstruction
    RecurrentChain = 1L << 57,    // a recurrent layer reading another's output sequence, or starting from its last states
    // Attention (RandomGraphCase.Attention.cs), a last step in every recurrent graph.
    AttentionOp = 1L << 58,       // Attention(q, k, v, heads)
    AttentionLayer = 1L << 59,    // [MultiHeadAttention]
    AttentionCross = 1L << 60,    // keys and values from another value
    AttentionCausal = 1L << 61,
    AttentionPadding = 1L << 62,  // key ids of an input of their own, also looked up in a small table (the pad id drawn often)
    AttentionBias = unchecked((long)(1UL << 63)),  // the op with T5's RelativePositionBias of a table and a scale of its own
}

/// <summary>One [Forward] input of a random graph definition, as <see cref="INetwork.Inputs"/> must report it.</summary>
internal sealed record GraphInput(string Name, int[] Shape, InputKind Kind, int IdCount);

/// <summary>A random network definition built as a graph of values with known per-sample shapes: several inputs (values,
/// and ids looked up in tables), then a few random steps, each an op whose shape rule the chosen operands satisfy
/// (Dense, activations, Reshape, Permute, Slice, Concat, MatMul, Sum/Mean/Max along an axis, Softmax/LogSoftmax along an
/// axis, LayerNorm, RmsNorm, + - * with NumPy broadcasting, Dropout, BatchNorm of a float
/// input; convolutional steps over [C, H, W] values: Conv2D / Convolution2D, MaxPool2D / AvgPool2D, GlobalAvgPool / Flatten,
/// BatchNorm2D, residual blocks; in the recurrent graphs, Rnn / Lstm / Gru layers over [T, F] sequences), then every value
/// nobody read is flattened and concatenated
/// into the output, so every input and parameter reaches the loss. The source is a block body with one local per step.</summary>
internal sealed partial class RandomGraphCase
{
    public const string Namespace = "RandomGraphs";

    /// <summary>Per-sample elements a step may produce; keeps kernels (and the compilation) small.</summary>
    private const int MaxElements = 96;

    private sealed class Value(string name, int[] shape)
    {
        public string Name { get; } = name;
        public int[] Shape { get; } = shape;
        public int Rank => Shape.Length;
        public int Size => RandomShapes.Size(Shape);
        public int Reads { get; set; }

        /// <summary>Whether no parameter lies upstream: a float input, and what the convolutional steps make of one by
        /// reshaping and pooling (set by the steps that know; false when unsure).</summary>
        public bool Plain { get; set; }

        /// <summary>Whether a batch normalization of it leaves no parameter with an exactly zero gradient: a plain
        /// value, or a bias-free convolution of one (see <see cref="BatchNorm2D()"/>).</summary>
        public bool Normalizable { get; set; }

        /// <summary>Whether a parameter shifts or scales whole channels (rows along every axis but the first) of it or
        /// of a value upstream: a convolution's bias, a batch normalization's weight and bias. A LayerNorm, RmsNorm or
        /// softmax along such rows (or a cross-entropy over them) is invariant to that parameter, whose gradient is then
        /// exactly zero and compares only the two paths' rounding noise, summed over every position of the channel.
        /// Carried to everything computed from it, through activations too (a smooth one leaves the normalization nearly
        /// invariant: the gradient is a cancellation of terms many times its size).</summary>
        public bool ChannelParameter { get; set; }

        /// <summary>Whether it comes straight out of an activation that sends negative inputs to (about) 0 (Relu, Gelu,
        /// Swish, ...), or a pooling of one: a short row of it can be all but zero, where a LayerNorm or RmsNorm divides by
        /// the square root of its epsilon and its gradient jumps with the last bit of the input (Graph115 of seed 1).</summary>
        public bool Rectified { get; set; }
    }

    private static readonly string[] Rectifiers = { "Relu(", "Gelu(", "GeluTanh(", "Swish(", "Silu(" };

    private readonly Random _rng;
    private readonly List<Value> _values = new();
    private readonly List<string> _fields = new();
    private readonly List<string> _body = new();
    private int _next;

    /// <summary>Graph <paramref name="index"/> of <paramref name="seed"/>; with <paramref name="recurrent"/>, one of the
    /// recurrent graphs (their own class names and random stream): a sequence input and a recurrent layer first, and
    /// recurrent layers among the random steps (<see cref="RecurrentStepWeights"/>).</summary>
    public RandomGraphCase(int index, int seed, bool recurrent = false)
    {
        Index = index;
        Recurrent = recurrent;
        _rng = new Random(unchecked(seed * 31 + 104729 * (index + 1) + (recurrent ? 15485863 : 0)));
        Loss = (RandomLoss)_rng.Next(5);
        BuildInputs();
        if (recurrent) SequenceInput();
        int steps = _rng.Next(2, 8);
        for (int s = 0; s < steps; s++)
        {
            if (recurrent && s == 0) RecurrentLayer();
            else Step();
        }
        if (recurrent) AttentionStep();
        BuildOutput();
        Source = BuildSource();
    }

    public int Index { get; }
    public bool Recurrent { get; }
    public string ClassName => (Recurrent ? "Recurrent" : "Graph") + Index.ToString(CultureInfo.InvariantCulture);
    public string FullName => Namespace + "." + ClassName;
    public RandomLoss Loss { get; }
    public List<GraphInput> Inputs { get; } = new();
    public GraphFamily Families { get; private set; }
    public int[] OutputShape { get; private set; } = Array.Empty<int>();
    public int[] TargetShape { get; private set; } = Array.Empty<int>();
    public string Source { get; }

    public override string ToString() =>
        $"{ClassName}: inputs {string.Join(", ", Inputs.Select(i => $"{i.Name} {RandomShapes.Text(i.Shape)} {i.Kind}{(i.Kind == InputKind.Tokens ? " <" + i.IdCount : "")}"))}; " +
        $"output {RandomShapes.Text(OutputShape)}, loss {Loss}; {Families}";

    private static string F(float v) => v.ToString("R", CultureInfo.InvariantCulture) + "f";

    private string Name(string prefix) => prefix + (_next++).ToString(CultureInfo.InvariantCulture);

    /// <summary>Declares a local holding <paramref name="expression"/>, of <paramref name="shape"/>, reading <paramref name="operands"/>.</summary>
    private Value Emit(string expression, int[] shape, string comment, params Value[] operands)
    {
        foreach (var o in operands) o.Reads++;
        var v = new Value(Name("v"), shape)
        {
            ChannelParameter = operands.Any(o => o.ChannelParameter),
            Rectified = Rectifiers.Any(a => expression.StartsWith(a, StringComparison.Ordinal)),
        };
        _body.Add($"        var {v.Name} = {expression};   // {RandomShapes.Text(shape)}: {comment}");
        _values.Add(v);
        return v;
    }

    /// <summary>A value to work on: one nobody read yet most of the time, so the graph stays connected and deep.</summary>
    private Value? Pick(Func<Value, bool>? fits = null)
    {
        var candidates = _values.Where(v => fits?.Invoke(v) ?? true).ToList();
        if (candidates.Count == 0) return null;
        var unread = candidates.Where(v => v.Reads == 0).ToList();
        var from = unread.Count > 0 && _rng.NextDouble() < 0.75 ? unread : candidates;
        return from[_rng.Next(from.Count)];
    }

    private string Param(int[] shape, string init = "Init = Init.Normal, Std = 0.5f")
    {
        string name = Name("p");
        _fields.Add($"    [Param({RandomShapes.Args(shape)}, {init})] Tensor {name};");
        return name;
    }

    // ---- inputs -------------------------------------------------------------------------------------------------

    private void BuildInputs()
    {
        double r = _rng.NextDouble();
        int count = r < 0.4 ? 1 : r < 0.8 ? 2 : 3;
        if (count > 1) Families |= GraphFamily.SeveralInputs;
        for (int i = 0; i < count; i++)
        {
            string name = "x" + i.ToString(CultureInfo.InvariantCulture);
            if (_rng.NextDouble() < 0.4) TokenInput(name);
            else
            {
                var shape = _rng.NextDouble() < 0.3 ? RandomShapes.Image(_rng, MaxImageElements) : RandomShapes.Random(_rng, 5);
                if (shape.Length == 3 && shape[1] > 1 && shape[2] > 1) Families |= GraphFamily.ImageInput;
                Inputs.Add(new GraphInput(name, shape, InputKind.Values, 0));
                _values.Add(new Value(name, shape) { Plain = true, Normalizable = true });
            }
        }
    }

    /// <summary>An ids input looked up in one table (a [Param] through Gather, or an [Embedding] layer), or in two.</summary>
    private void TokenInput(string name)
    {
        var ids = _rng.NextDouble() < 0.7 ? new[] { _rng.Next(1, 6) } : new[] { _rng.Next(1, 4), _rng.Next(1, 4) };
        int tables = _rng.NextDouble() < 0.25 ? 2 : 1;
        if (tables == 2) Families |= GraphFamily.SharedIds;
        int idCount = int.MaxValue;
        for (int t = 0; t < tables; t++)
        {
            int rows = _rng.Next(2, 13), dim = _rng.Next(1, 7);
            idCount = Math.Min(idCount, rows);
            var shape = ids.Append(dim).ToArray();
            if (_rng.NextDouble() < 0.5)
            {
                string table = Param(new[] { rows, dim }, "Init = Init.Normal, Std = 1f");
                Families |= GraphFamily.Gather;
                Emit($"Gather({table}, {name})", shape, $"{rows} rows of {dim}");
            }
            else
            {
                string layer = Name("e");
                _fields.Add($"    [Embedding({rows}, {dim})] Embedding {layer};");
                Families |= GraphFamily.Embedding;
                Emit($"{layer}.Forward({name})", shape, $"{rows} rows of {dim}");
            }
        }
        Inputs.Add(new GraphInput(name, ids, InputKind.Tokens, idCount));
    }

    // ---- steps --------------------------------------------------------------------------------------------------

    private static readonly (string Name, int Weight)[] StepWeights =
    {
        ("Dense", 3), ("Activation", 2), ("Reshape", 2), ("Permute", 2), ("Slice", 2), ("Concat", 2), ("MatMul", 3),
        ("Reduce", 2), ("Softmax", 2), ("Norm", 3), ("Binary", 3), ("Dropout", 1), ("BatchNorm", 2),
        ("Conv", 4), ("Pool", 2), ("Collapse", 2), ("BatchNorm2D", 1), ("Residual", 1),
    };

    /// <summary>The recurrent graphs' steps: the others' and recurrent layers (a table of its own, so that the other
    /// graphs draw their steps as they always did).</summary>
    private static readonly (string Name, int Weight)[] RecurrentStepWeights = StepWeights.Append(("Recurrent", 6)).ToArray();

    private void Step()
    {
        var weights = Recurrent ? RecurrentStepWeights : StepWeights;
        int total = weights.Sum(w => w.Weight), pick = _rng.Next(total);
        string step = weights.First(w => (pick -= w.Weight) < 0).Name;
        bool done = step switch
        {
            "Dense" => Dense(),
            "Activation" => Activation(),
            "Reshape" => Reshape(),
            "Permute" => Permute(),
            "Slice" => _rng.NextDouble() < 0.3 ? Split() : Slice(),
            "Concat" => Concat(),
            "MatMul" => MatMul(),
            "Reduce" => Reduce(),
            "Softmax" => Softmax(),
            "Norm" => _rng.NextDouble() < 0.2 ? Positions() : Norm(),
            "Dropout" => Dropout(),
            "BatchNorm" => BatchNorm(),
            "Conv" => Conv(),
            "Pool" => Pool(),
            "Collapse" => Collapse(),
            "BatchNorm2D" => BatchNorm2D(),
            "Residual" => Residual(),
            "Recurrent" => RecurrentLayer(),
            _ => Binary(),
        };
        if (!done) Dense();   // Dense applies to any value of rank 1 or more
    }

    private static readonly string[] Activations = { "Sigmoid", "Tanh", "Relu", "LeakyRelu", "Swish", "Silu", "Gelu", "GeluTanh" };

    private string Activate(string e)
    {
        string a = Activations[_rng.Next(Activations.Length)];
        return a switch
        {
            "LeakyRelu" => $"LeakyRelu({e}, {F((float)Math.Round(0.01 + 0.3 * _rng.NextDouble(), 3))})",
            "Swish" => $"Swish({e}, {F((float)Math.Round(0.5 + 1.5 * _rng.NextDouble(), 3))})",
            _ => $"{a}({e})",
        };
    }

    private bool Dense() => Pick(v => v.Size / v.Shape[^1] * 8 <= MaxElements) is { } x && Dense(x, null) is not null;

    private Value Dense(Value x, int? outputs)
    {
        int input = x.Shape[^1], output = outputs ?? _rng.Next(1, 9);
        string layer = Name("d");
        bool bias = _rng.NextDouble() < 0.7;
        _fields.Add($"    [Dense({input}, {output}{(bias ? "" : ", Bias = false")})] Dense {layer};");
        Families |= GraphFamily.Dense;
        string e = $"{layer}.Forward({x.Name})";
        if (outputs is null && _rng.NextDouble() < 0.6) e = Activate(e);
        return Emit(e, RandomShapes.With(x.Shape, x.Rank - 1, output), $"Dense({input}, {output})", x);
    }

    private bool Activation()
    {
        var x = Pick()!;
        Emit(Activate(x.Name), x.Shape, "activation", x);
        return true;
    }

    private bool Reshape()
    {
        var x = Pick()!;
        int rank = _rng.Next(1, 4);
        var shape = RandomShapes.Factor(_rng, x.Size, rank);
        var written = shape.Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray();
        Families |= GraphFamily.Reshape;
        if (_rng.NextDouble() < 0.4)
        {
            written[_rng.Next(rank)] = "-1";
            Families |= GraphFamily.ReshapeInferred;
        }
        Emit($"Reshape({x.Name}, {string.Join(", ", written)})", shape, "reshape", x);
        return true;
    }

    private bool Permute()
    {
        var x = Pick(v => v.Rank >= 2);
        if (x is null) return false;
        var axes = RandomShapes.Permutation(_rng, x.Rank);
        var written = axes.Select(a => RandomShapes.Written(_rng, a, x.Rank));
        Families |= GraphFamily.Permute;
        Emit($"Permute({x.Name}, {RandomShapes.Args(written)})", axes.Select(a => x.Shape[a]).ToArray(), "permute", x);
        return true;
    }

    /// <summary><c>var (a, b) = Split(x, axis, n, rest)</c>: two pieces, each a local of its own.</summary>
    private bool Split()
    {
        var x = Pick(v => v.Shape.Any(d => d >= 2));
        if (x is null) return false;
        var axes = Enumerable.Range(0, x.Rank).Where(k => x.Shape[k] >= 2).ToArray();
        int axis = axes[_rng.Next(axes.Length)], first = _rng.Next(1, x.Shape[axis]);
        x.Reads++;
        var a = new Value(Name("v"), RandomShapes.With(x.Shape, axis, first));
        var b = new Value(Name("v"), RandomShapes.With(x.Shape, axis, x.Shape[axis] - first));
        a.ChannelParameter = b.ChannelParameter = x.ChannelParameter;
        _body.Add($"        var ({a.Name}, {b.Name}) = Split({x.Name}, {RandomShapes.Written(_rng, axis, x.Rank)}, {first}, {x.Shape[axis] - first});" +
                  $"   // {RandomShapes.Text(a.Shape)} and {RandomShapes.Text(b.Shape)}: split");
        _values.Add(a);
        _values.Add(b);
        Families |= GraphFamily.Split;
        return true;
    }

    /// <summary>A [T, D] value plus the sinusoidal position table of its shape.</summary>
    private bool Positions()
    {
        var x = Pick(v => v.Rank == 2);
        if (x is null) return false;
        Families |= GraphFamily.Positions;
        Emit($"{x.Name} + SinusoidalPositions({x.Shape[0]}, {x.Shape[1]})", x.Shape, "positions", x);
        return true;
    }

    private bool Slice()
    {
        var x = Pick(v => v.Shape.Any(d => d >= 2));
        if (x is null) return false;
        var axes = Enumerable.Range(0, x.Rank).Where(k => x.Shape[k] >= 2).ToArray();
        int axis = axes[_rng.Next(axes.Length)], length = _rng.Next(1, x.Shape[axis]), start = _rng.Next(x.Shape[axis] - length + 1);
        Families |= GraphFamily.Slice;
        Emit($"Slice({x.Name}, {RandomShapes.Written(_rng, axis, x.Rank)}, {start}, {length})",
            RandomShapes.With(x.Shape, axis, length), "slice", x);
        return true;
    }

    /// <summary>Concat along a random axis with another value that agrees elsewhere, else with a parameter.</summary>
    private bool Concat()
    {
        var a = Pick(v => v.Size * 2 <= MaxElements);
        if (a is null) return false;
        int axis = _rng.Next(a.Rank);
        bool Fits(Value v) => v.Rank == a.Rank && Enumerable.Range(0, a.Rank).All(k => k == axis || v.Shape[k] == a.Shape[k])
            && a.Size + v.Size <= MaxElements;
        var partners = _values.Where(Fits).ToList();
        string b;
        int along;
        Value[] reads;
        if (partners.Count > 0 && _rng.NextDouble() < 0.7)
        {
            var p = partners[_rng.Next(partners.Count)];
            (b, along, reads) = (p.Name, p.Shape[axis], new[] { a, p });
        }
        else
        {
            along = _rng.Next(1, 4);
            (b, reads) = (Param(RandomShapes.With(a.Shape, axis, along)), new[] { a });
        }
        var (left, right) = _rng.NextDouble() < 0.5 ? (a.Name, b) : (b, a.Name);
        Families |= GraphFamily.Concat;
        Emit($"Concat({left}, {right}, {RandomShapes.Written(_rng, axis, a.Rank)})",
            RandomShapes.With(a.Shape, axis, a.Shape[axis] + along), "concat", reads);
        return true;
    }

    /// <summary>[..., M, K] x [..., K, N]: against a parameter (plain, stacked like the left side, or stacked over a
    /// plain left side), against the left side transposed, or against another value whose shape fits.</summary>
    private bool MatMul()
    {
        var a = Pick(v => v.Rank >= 2);
        if (a is null) return false;
        int k = a.Shape[^1];
        var lead = a.Shape.Take(a.Rank - 2).ToArray();
        int m = a.Shape[^2];
        int n = _rng.Next(1, 6);
        bool Fits(Value v) => v.Rank >= 2 && v.Shape[^2] == k
            && (RandomShapes.IsSuffix(v.Shape[..^2], lead) || RandomShapes.IsSuffix(lead, v.Shape[..^2]));
        var partners = _values.Where(v => Fits(v) && v != a).ToList();
        double r = _rng.NextDouble();
        Func<string> b;   // the right operand, made (a parameter declared) only once the product's size is known to fit
        int[] bLead;
        Value[] reads = { a };
        if (r < 0.3) (b, bLead) = (() => Param(new[] { k, n }), Array.Empty<int>());
        else if (r < 0.5)
        {
            // Stacked: the left side's leading dimensions, or (left side plain) new ones the left side broadcasts over.
            bLead = lead.Length > 0 ? lead : new[] { _rng.Next(2, 4) };
            var stacked = bLead.Append(k).Append(n).ToArray();
            b = () => Param(stacked);
        }
        else if (r < 0.7 || partners.Count == 0)
        {
            (b, bLead, n) = (() => $"Transpose({a.Name})", lead, m);
        }
        else
        {
            var p = partners[_rng.Next(partners.Count)];
            (b, bLead, n, reads) = (() => p.Name, p.Shape[..^2], p.Shape[^1], new[] { a, p });
        }
        var outLead = bLead.Length > lead.Length ? bLead : lead;
        var shape = outLead.Append(m).Append(n).ToArray();
        if (RandomShapes.Size(shape) > MaxElements) return false;
        string right = b();
        Families |= GraphFamily.MatMul;
        if (lead.Length + bLead.Length > 0) Families |= GraphFamily.BatchedMatMul;
        string e = $"MatMul({a.Name}, {right})";
        if (_rng.NextDouble() < 0.5) e += " * 0.5f";
        Emit(e, shape, $"{RandomShapes.Text(a.Shape)} x {right}", reads);
        return true;
    }

    private bool Reduce()
    {
        var x = Pick()!;
        int axis = _rng.Next(x.Rank);
        bool keep = x.Rank == 1 || _rng.NextDouble() < 0.5;
        string op = new[] { "Sum", "Mean", "Max" }[_rng.Next(3)];
        int written = RandomShapes.Written(_rng, axis, x.Rank);
        string keepText = _rng.NextDouble() < 0.5 ? (keep ? "true" : "false") : "keepDim: " + (keep ? "true" : "false");
        string e = !keep && _rng.NextDouble() < 0.3 ? $"{op}({x.Name}, {written})" : $"{op}({x.Name}, {written}, {keepText})";
        Families |= GraphFamily.Reduction;
        Emit(e, RandomShapes.Reduce(x.Shape, axis, keep), $"{op} along {axis}", x);
        return true;
    }

    private bool Softmax()
    {
        var x = Pick(v => !v.ChannelParameter);
        if (x is null) return false;
        string op = _rng.NextDouble() < 0.5 ? "Softmax" : "LogSoftmax";
        string e = _rng.NextDouble() < 0.2 ? $"{op}({x.Name})" : $"{op}({x.Name}, {RandomShapes.Written(_rng, _rng.Next(x.Rank), x.Rank)})";
        Families |= GraphFamily.Softmax;
        Emit(e, x.Shape, op, x);
        return true;
    }

    /// <summary>LayerNorm or RmsNorm of a value whose last dimension is 4 or more. Over fewer values the output barely
    /// depends on the input (LayerNorm of 2 values is +-1, RmsNorm of 1 its sign), so the input's gradient is a
    /// cancellation of terms many times its size and the two paths' roundings, not a gradient, are compared.</summary>
    private bool Norm()
    {
        var x = Pick(v => v.Rank > 0 && v.Shape[^1] >= 4 && !v.ChannelParameter && !v.Rectified);
        if (x is null) return false;
        int d = x.Shape[^1];
        string layer = Name("n");
        if (_rng.NextDouble() < 0.6)
        {
            var options = new List<string>();
            if (_rng.NextDouble() < 0.4) options.Add("Bias = false");
            if (_rng.NextDouble() < 0.3) options.Add("Epsilon = 1e-3f");
            _fields.Add($"    [LayerNorm({string.Join(", ", options.Prepend(d.ToString(CultureInfo.InvariantCulture)))})] LayerNorm {layer};");
            Families |= GraphFamily.LayerNorm;
        }
        else
        {
            _fields.Add($"    [RmsNorm({d})] RmsNorm {layer};");
            Families |= GraphFamily.RmsNorm;
        }
        Emit($"{layer}.Forward({x.Name})", x.Shape, "norm", x);
        return true;
    }

    /// <summary>Dropout of any value, as a layer or the op, with p 0 (still a numbered dropout op), 0.25 or 0.5.</summary>
    private bool Dropout()
    {
        var x = Pick()!;
        string p = new[] { "0f", "0.25f", "0.5f" }[_rng.Next(3)];
        Families |= GraphFamily.Dropout;
        if (_rng.NextDouble() < 0.5)
        {
            string layer = Name("d");
            _fields.Add($"    [Dropout({p})] Dropout {layer};");
            Emit($"{layer}.Forward({x.Name})", x.Shape, "dropout", x);
        }
        else Emit($"Dropout({x.Name}, {p})", x.Shape, "dropout", x);
        return true;
    }

    /// <summary>BatchNorm over channel axis 0 of a float input with at least 3 values per channel and sample. Only of an
    /// input: upstream of a batch normalization a parameter that shifts or scales whole channels (a bias, a scalar) has
    /// an exactly zero gradient, and two rounding noises do not compare; with batch 1 a channel must not be one or two values.</summary>
    private bool BatchNorm()
    {
        var inputs = Inputs.Where(i => i.Kind == InputKind.Values && RandomShapes.Size(i.Shape) / i.Shape[0] >= 3).Select(i => i.Name).ToHashSet();
        var x = Pick(v => inputs.Contains(v.Name));
        if (x is null) return false;
        string layer = Name("b");
        string options = _rng.NextDouble() < 0.4 ? ", Momentum = 0.3f, Bias = false" : "";
        _fields.Add($"    [BatchNorm({x.Shape[0]}{options})] BatchNorm {layer};");
        Families |= GraphFamily.BatchNorm;
        Emit($"{layer}.Forward({x.Name})", x.Shape, "batch norm", x).ChannelParameter = true;
        return true;
    }

    /// <summary>a + b, a - b or a * b of shapes that broadcast: another value, else a parameter shaped like a with a 1
    /// inside ([3, 4] -> [3, 1]), or crossing a (its own dimensions where a has 1s, 1s elsewhere: each side repeated along
    /// the other's), or like a suffix of a's, now and then with 1s in place of some of its dimensions.</summary>
    private bool Binary()
    {
        var a = Pick()!;
        var partners = _values.Where(v => RandomShapes.Broadcast(v.Shape, a.Shape) is { } s && RandomShapes.Size(s) <= MaxElements).ToList();
        string op = new[] { "+", "-", "*" }[_rng.Next(3)];
        Value? p = partners.Count > 0 && _rng.NextDouble() < 0.6 ? partners[_rng.Next(partners.Count)] : null;
        string b;
        int[] bShape;
        Value[] reads = { a };
        if (p is not null) (b, bShape, reads) = (p.Name, p.Shape, new[] { a, p });
        else
        {
            double r = _rng.NextDouble();
            // Dimensions of a that have a larger one before them: a 1 there is inside the parameter's shape.
            var inner = Enumerable.Range(1, Math.Max(a.Rank - 1, 0)).Where(k => a.Shape[k] > 1 && a.Shape.Take(k).Any(d => d > 1)).ToArray();
            var cross = a.Shape.Select(d => d == 1 ? _rng.Next(2, 5) : 1).ToArray();
            if (r < 0.3 && inner.Length > 0) bShape = RandomShapes.With(a.Shape, inner[_rng.Next(inner.Length)], 1);
            else if (r < 0.5 && a.Shape.Contains(1) && a.Shape.Any(d => d > 1) && RandomShapes.Size(RandomShapes.Broadcast(a.Shape, cross)!) <= MaxElements)
                bShape = cross;
            else
            {
                bShape = a.Shape.Skip(_rng.Next(a.Rank)).ToArray();
                if (r < 0.7) bShape = bShape.Select(d => _rng.NextDouble() < 0.5 ? 1 : d).ToArray();
            }
            b = Param(bShape);
        }
        var shape = RandomShapes.Broadcast(a.Shape, bShape)!;
        if (bShape.Length != a.Rank) Families |= GraphFamily.Broadcast;
        if (!RandomShapes.IsSuffixBroadcast(a.Shape, shape) || !RandomShapes.IsSuffixBroadcast(bShape, shape)) Families |= GraphFamily.GeneralBroadcast;
        var (left, right) = _rng.NextDouble() < 0.5 ? (a.Name, b) : (b, a.Name);
        Emit($"{left} {op} {right}", shape, "element-wise", reads);
        return true;
    }

    // ---- output and source --------------------------------------------------------------------------------------

    /// <summary>Flattens every unread value and concatenates them (so everything reaches the loss), then fits the
    /// output to the loss: a Dense head now and then, at least 2 classes for cross-entropy, a Sigmoid for BCE.</summary>
    private void BuildOutput()
    {
        var unread = _values.Where(v => v.Reads == 0).ToList();
        Value y = unread[0];
        if (unread.Count > 1)
        {
            var flat = unread.Select(v => v.Rank == 1 ? v : Emit($"Reshape({v.Name}, -1)", new[] { v.Size }, "flattened", v)).ToList();
            y = flat[0];
            foreach (var v in flat.Skip(1))
                y = Emit($"Concat({y.Name}, {v.Name}, {(_rng.NextDouble() < 0.5 ? "0" : "-1")})", new[] { y.Size + v.Size }, "gathered", y, v);
        }
        bool classes = Loss is RandomLoss.CrossEntropyIndices or RandomLoss.CrossEntropyProbabilities;
        // A Dense head: always when cross-entropy needs classes or nothing trains yet, and now and then anyway.
        if (classes && (y.Shape[^1] < 2 || y.ChannelParameter) || _fields.Count == 0 || _rng.NextDouble() < 0.3)
            y = Dense(y, _rng.Next(2, 7));
        string output = y.Name;
        if (Loss == RandomLoss.BinaryCrossEntropy) output = $"Sigmoid({y.Name})";
        _body.Add($"        return {output};");
        OutputShape = y.Shape;
        TargetShape = Loss == RandomLoss.CrossEntropyIndices ? RandomShapes.With(y.Shape, y.Rank - 1, 1) : y.Shape;
    }

    private string BuildSource()
    {
        var s = RandomShapes.OpenNetwork(Namespace, ClassName, ToString());
        foreach (var f in _fields) s.AppendLine(f);
        s.AppendLine();
        var parameters = Inputs.Select(i => $"[Shape({RandomShapes.Args(i.Shape)})] {(i.Kind == InputKind.Tokens ? "Tokens" : "Tensor")} {i.Name}");
        s.AppendLine($"    [Forward] Tensor Forward({string.Join(", ", parameters)})");
        s.AppendLine("    {");
        foreach (var line in _body) s.AppendLine(line);
        s.AppendLine("    }");
        s.AppendLine();
        string target = Loss is RandomLoss.CrossEntropyIndices or RandomLoss.CrossEntropyProbabilities
            ? $"[Shape({RandomShapes.Args(TargetShape)})] Tensor target" : "Tensor target";
        return RandomShapes.CloseNetwork(s, Loss, target);
    }

    // ---- data ---------------------------------------------------------------------------------------------------

    /// <summary>Inputs laid out as <paramref name="net"/>'s <see cref="INetwork.Inputs"/> say (ids below each input's
    /// IdCount, values in [-1, 1)) and targets that fit the loss.</summary>
    public (float[] Inputs, float[] Targets) Data(INetwork net, int batch, int seed)
    {
        var rng = new Random(seed);
        int inputSize = RandomShapes.Size(net.InputShape);
        var x = new float[batch * inputSize];
        for (int b = 0; b < batch; b++)
            foreach (var input in net.Inputs)
                for (int i = 0; i < input.Size; i++)
                    x[b * inputSize + input.Offset + i] = input.Kind == InputKind.Tokens
                        ? rng.Next(input.IdCount) : (float)(2 * rng.NextDouble() - 1);
        int targetSize = RandomShapes.Size(TargetShape), classes = OutputShape[^1];
        var t = new float[batch * targetSize];
        int rows = t.Length / (Loss == RandomLoss.CrossEntropyProbabilities ? classes : 1);
        for (int r = 0; r < rows; r++)
        {
            switch (Loss)
            {
                case RandomLoss.BinaryCrossEntropy: t[r] = (float)rng.NextDouble(); break;
                case RandomLoss.MeanSquaredError:
                case RandomLoss.QuadraticCost: t[r] = (float)(2 * rng.NextDouble() - 1); break;
                case RandomLoss.CrossEntropyIndices: t[r] = rng.Next(classes); break;
                case RandomLoss.CrossEntropyProbabilities:
                {
                    var row = t.AsSpan(r * classes, classes);
                    float sum = 0;
                    for (int i = 0; i < classes; i++) { row[i] = (float)(0.05 + rng.NextDouble()); sum += row[i]; }
                    for (int i = 0; i < classes; i++) row[i] /= sum;
                    break;
                }
            }
        }
        return (x, t);
    }
}
