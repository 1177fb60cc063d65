using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>Differential tests of hand-written definitions that stress what random dense stacks do not: a layer
/// applied twice (gradients accumulate), a value used twice, broadcasting over rows, reductions, MatMul, Transpose,
/// Softmax, and a scalar output. The reference is a float64 forward pass written in the test; its gradient is taken
/// by central differences in float64 (accurate to about 1e-9), so no derivative rule is shared with the generator.</summary>
public sealed class SharedValueTests : IClassFixture<SharedValueTests.Fixture>
{
    private const string Namespace = "SharedValueNets";

    /// <summary>Parameter values in float64, read by name and element.</summary>
    public sealed class Params
    {
        private readonly Dictionary<string, int> _offsets;
        public Params(ParameterStore store, double[] values)
        {
            _offsets = store.Layout.ToDictionary(p => p.Name, p => p.Offset);
            Values = values;
        }
        public double[] Values { get; }
        public double this[string name, int i] => Values[_offsets[name] + i];
    }

    /// <summary>One test network: its definition, sizes, how to make targets, and its float64 forward and loss.</summary>
    public sealed record Case(string Name, string Body, int InputSize, int TargetSize,
        Func<Random, int, float[]> Targets, Func<Params, double[], (double[] Output, double[] Aux)> Forward, Func<double[], double[], double> Loss);

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    private static double[] Dense(Params p, string name, double[] x, int inputs, int outputs, bool bias = true)
    {
        var y = new double[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double s = bias ? p[name + ".bias", o] : 0;
            for (int i = 0; i < inputs; i++) s += p[name + ".weight", o * inputs + i] * x[i];
            y[o] = s;
        }
        return y;
    }

    private static double Mse(double[] y, double[] t) => y.Zip(t, (a, b) => (a - b) * (a - b)).Sum() / y.Length;

    private static float[] Uniform(Random r, int n, double lo, double hi) => Enumerable.Range(0, n).Select(_ => (float)(lo + (hi - lo) * r.NextDouble())).ToArray();

    internal static readonly Case[] Cases =
    {
        new("SharedLayer", """
            [Dense(3, 3)] Dense d;
            [Forward] Tensor Forward([Shape(3)] Tensor x) => Tanh(d.Forward(Tanh(d.Forward(x))));
            [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
            """, 3, 3, (r, b) => Uniform(r, 3 * b, -1, 1),
            (p, x) => (Dense(p, "d", Dense(p, "d", x, 3, 3).Select(Math.Tanh).ToArray(), 3, 3).Select(Math.Tanh).ToArray(), Array.Empty<double>()),
            Mse),

        // Large enough for TileGemm: the two uses must add their weight gradients, so the step clears them (only a dense
        // layer that reads its parameters alone writes them whole in the first tile).
        new("SharedWideLayer", """
            [Dense(40, 40)] Dense d;
            [Forward] Tensor Forward([Shape(40)] Tensor x) => Tanh(d.Forward(Tanh(d.Forward(x))));
            [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
            """, 40, 40, (r, b) => Uniform(r, 40 * b, -1, 1),
            (p, x) => (Dense(p, "d", Dense(p, "d", x, 40, 40).Select(Math.Tanh).ToArray(), 40, 40).Select(Math.Tanh).ToArray(), Array.Empty<double>()),
            Mse),

        new("ReusedValue", """
            [Dense(3, 4)] Dense d;
            [Param(4)] Tensor s;
            [Forward]
            Tensor Forward([Shape(3)] Tensor x)
            {
                var a = d.Forward(x);
                return a * a + s * a - 0.5f;
            }
            [Loss] static Tensor Loss(Tensor y, Tensor t) => QuadraticCost(y, t);
            """, 3, 4, (r, b) => Uniform(r, 4 * b, -1, 1),
            (p, x) =>
            {
                var a = Dense(p, "d", x, 3, 4);
                return (a.Select((v, i) => v * v + p["s", i] * v - 0.5).ToArray(), Array.Empty<double>());
            },
            (y, t) => 0.5 * y.Zip(t, (a, b) => (a - b) * (a - b)).Sum()),

        new("RowBroadcastMatMul", """
            [Param(3)] Tensor shift;
            [Param(3, 2)] Tensor w;
            [Forward] Tensor Forward([Shape(4, 3)] Tensor x) => MatMul(Tanh(x + shift), w);
            [Loss] static Tensor Loss(Tensor y, [Shape(4, 1)] Tensor classes) => CrossEntropy(y, classes);
            """, 12, 4, (r, b) => Enumerable.Range(0, 4 * b).Select(_ => (float)r.Next(2)).ToArray(),
            (p, x) =>
            {
                var y = new double[8];
                for (int row = 0; row < 4; row++)
                    for (int j = 0; j < 2; j++)
                    {
                        double s = 0;
                        for (int k = 0; k < 3; k++) s += Math.Tanh(x[row * 3 + k] + p["shift", k]) * p["w", k * 2 + j];
                        y[row * 2 + j] = s;
                    }
                return (y, Array.Empty<double>());
            },
            (y, t) =>
            {
                double total = 0;
                for (int row = 0; row < 4; row++)
                {
                    double a = y[row * 2], b = y[row * 2 + 1], m = Math.Max(a, b);
                    double lse = m + Math.Log(Math.Exp(a - m) + Math.Exp(b - m));
                    total += lse - y[row * 2 + (int)t[row]];
                }
                return total / 4;
            }),

        new("Reductions", """
            [Dense(3, 5)] Dense d;
            [Forward] Tensor Forward([Shape(3)] Tensor x) => Sum(Sigmoid(d.Forward(x))) * 0.2f + Mean(d.Forward(x)) - 1f;
            [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
            """, 3, 1, (r, b) => Uniform(r, b, -1, 1),
            (p, x) =>
            {
                var z = Dense(p, "d", x, 3, 5);
                return (new[] { z.Sum(Sigmoid) * 0.2 + z.Average() - 1 }, Array.Empty<double>());
            },
            Mse),

        new("TransposeSoftmax", """
            [Param(2, 3)] Tensor w;
            [Param(2)] Tensor b;
            [Forward] Tensor Forward([Shape(3, 2)] Tensor x) => Softmax(MatMul(Transpose(x), Transpose(w)) + b);
            [Loss] static Tensor Loss(Tensor y, Tensor t) => BinaryCrossEntropy(y, t);
            """, 6, 4, (r, b) => Uniform(r, 4 * b, 0.05, 0.95),
            (p, x) =>
            {
                // z[i, j] = sum_k x[k, i] w[j, k] + b[j]; softmax over j.
                var y = new double[4];
                for (int i = 0; i < 2; i++)
                {
                    var z = new double[2];
                    for (int j = 0; j < 2; j++)
                    {
                        double s = p["b", j];
                        for (int k = 0; k < 3; k++) s += x[k * 2 + i] * p["w", j * 3 + k];
                        z[j] = s;
                    }
                    double m = z.Max(), e0 = Math.Exp(z[0] - m), e1 = Math.Exp(z[1] - m);
                    y[i * 2] = e0 / (e0 + e1); y[i * 2 + 1] = e1 / (e0 + e1);
                }
                return (y, Array.Empty<double>());
            },
            (y, t) => -y.Select((v, i) => t[i] * Math.Log(v) + (1 - t[i]) * Math.Log(1 - v)).Sum() / y.Length),
    };

    public sealed class Fixture : IDisposable
    {
        internal GeneratorRun Run { get; } = GeneratorHarness.Run(Cases.Select(c => (
            "using NetCompiler;\nusing static NetCompiler.Ops;\n\nnamespace " + Namespace + ";\n\n[Network]\npublic partial class " + c.Name + "\n{\n" + c.Body + "\n}\n",
            c.Name + ".cs")));

        public void Dispose() => Run.Unload();
    }

    private readonly Fixture _fixture;

    public SharedValueTests(Fixture fixture) => _fixture = fixture;

    public static IEnumerable<object[]> Names => Cases.Select(c => new object[] { c.Name });

    private static void Close(double expected, double actual, string what)
    {
        double tolerance = 1e-4 * Math.Abs(expected) + 1e-5;
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected:R}, got {actual:R}");
    }

    [Fact]
    public void AllCompileWithoutDiagnostics()
    {
        Assert.True(_fixture.Run.GeneratorDiagnostics.IsEmpty, string.Join("\n", _fixture.Run.GeneratorDiagnostics));
        _fixture.Run.AssertNoErrors();
        Assert.Empty(_fixture.Run.DiagnosticsInGeneratedCode);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void CompiledMatchesFloat64Reference(string name)
    {
        var c = Cases.Single(k => k.Name == name);
        var net = _fixture.Run.Create(Namespace + "." + c.Name, seed: 5);
        var store = net.Parameters;
        int outputSize = net.OutputShape.Aggregate(1, (a, b) => a * b);
        Func<Params, double[], double[]> forward = (p, xs) => c.Forward(p, xs).Output;
        const int batch = 3;
        var rng = new Random(c.Name.Length * 31 + 7);
        var x = Uniform(rng, batch * c.InputSize, -1, 1);
        var t = c.Targets(rng, batch);

        double BatchLoss(double[] values)
        {
            var p = new Params(store, values);
            double total = 0;
            for (int s = 0; s < batch; s++)
            {
                var xs = x.Skip(s * c.InputSize).Take(c.InputSize).Select(v => (double)v).ToArray();
                var ts = t.Skip(s * c.TargetSize).Take(c.TargetSize).Select(v => (double)v).ToArray();
                total += c.Loss(forward(p, xs), ts);
            }
            return total / batch;
        }

        var values = store.Values.Select(v => (double)v).ToArray();

        // Inference.
        var y = new float[batch * outputSize];
        net.Infer(x, y, batch);
        for (int s = 0; s < batch; s++)
        {
            var expected = forward(new Params(store, values), x.Skip(s * c.InputSize).Take(c.InputSize).Select(v => (double)v).ToArray());
            Assert.Equal(outputSize, expected.Length);
            for (int i = 0; i < outputSize; i++) Close(expected[i], y[s * outputSize + i], $"{name} output[{s}, {i}]");
        }

        // Loss and gradients (central differences of the float64 batch loss).
        float loss = net.ComputeGradients(x, t, batch);
        Close(BatchLoss(values), loss, $"{name} loss");
        for (int i = 0; i < values.Length; i++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(values[i]));
            double keep = values[i];
            values[i] = keep + h; double up = BatchLoss(values);
            values[i] = keep - h; double down = BatchLoss(values);
            values[i] = keep;
            var info = store.Layout.Single(p => i >= p.Offset && i < p.Offset + p.Length);
            Close((up - down) / (2 * h), store.Gradients[i], $"{name} d loss / d {info.Name}[{i - info.Offset}]");
        }
    }
}
