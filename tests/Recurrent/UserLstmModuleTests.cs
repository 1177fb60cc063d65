using System;
using System.Linq;
using NetCompiler.Tests.Generator;
using NetCompiler.Tests.Zoo;
using Xunit;

namespace NetCompiler.Tests.Recurrent;

/// <summary>An LSTM written by a user as a <c>[Module]</c> from primitives (a <c>for</c> loop over time: a Slice per step,
/// Linear, the gates by Split deconstruction, Sigmoid and Tanh, the states gathered by Concat) computes what the
/// <c>[Lstm]</c> layer computes with the same weights: outputs, loss and every gradient, compiled and interpreted.</summary>
public class UserLstmModuleTests
{
    private const string Source = """
        using NetCompiler;
        using static NetCompiler.Ops;
        namespace UserLstmCases;

        /// <summary>PyTorch's LSTM equations over x [T, I] from states h and c [H]; returns every hidden state and then the
        /// last cell state, [T + 1, H].</summary>
        [Module]
        public partial class UserLstm
        {
            const int T = 5, I = 3, H = 4;
            [Param(4 * H, I)] Tensor weight_ih;
            [Param(4 * H, H)] Tensor weight_hh;
            [Param(4 * H)] Tensor bias_ih;
            [Param(4 * H)] Tensor bias_hh;

            [Forward]
            public Tensor Forward(Tensor x, Tensor h, Tensor c)
            {
                var states = Reshape(h, 1, H);                    // row 0 is h0, dropped at the end
                for (int t = 0; t < T; t++)
                {
                    var xt = Reshape(Slice(x, 0, t, 1), I);
                    var (i, f, g, o) = Split(Linear(xt, weight_ih, bias_ih) + Linear(h, weight_hh, bias_hh), 0, H, H, H, H);
                    c = Sigmoid(f) * c + Sigmoid(i) * Tanh(g);
                    h = Sigmoid(o) * Tanh(c);
                    states = Concat(states, Reshape(h, 1, H), 0);
                }
                return Concat(Slice(states, 0, 1, T), Reshape(c, 1, H), 0);
            }
        }

        [Network]
        public partial class UserLstmNet
        {
            UserLstm lstm;
            [Forward] Tensor Forward([Shape(5, 3)] Tensor x, [Shape(1, 4)] Tensor h0, [Shape(1, 4)] Tensor c0) =>
                lstm.Forward(x, Reshape(h0, 4), Reshape(c0, 4));
            [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
        }

        [Network]
        public partial class LayerLstmNet
        {
            [Lstm(3, 4)] Lstm lstm;
            [Forward] Tensor Forward([Shape(5, 3)] Tensor x, [Shape(1, 4)] Tensor h0, [Shape(1, 4)] Tensor c0)
            {
                var (y, _, c) = lstm.Forward(x, h0, c0);
                return Concat(y, c, 0);
            }
            [Loss] static Tensor Loss(Tensor y, Tensor t) => MeanSquaredError(y, t);
        }
        """;

    private static readonly Lazy<GeneratorRun> Networks = new(() =>
    {
        var run = GeneratorHarness.Run(Source);
        run.AssertNoErrors();
        return run;
    });

    [Theory]
    [InlineData(1)]
    [InlineData(35)]
    public void User_module_from_primitives_computes_the_Lstm_layer(int batch)
    {
        var run = Networks.Value;
        var layer = run.Create("UserLstmCases.LayerLstmNet", seed: 3);
        var user = run.Create("UserLstmCases.UserLstmNet", seed: 4);
        foreach (string name in new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" })
            layer.Parameters.GetValues($"lstm.{name}_l0").CopyTo(user.Parameters.GetValues($"lstm.{name}"));
        var rng = new Rng((ulong)(50 + batch));
        var x = CompiledVsInterpretedTests.Inputs(layer, batch, rng);
        var t = Enumerable.Range(0, batch * 24).Select(_ => rng.NextFloat()).ToArray();

        foreach (bool interpreted in new[] { false, true })
        {
            string what = interpreted ? "interpreted" : "compiled";
            var (expected, expectedLoss) = Run(layer, x, t, batch, interpreted);
            var (actual, actualLoss) = Run(user, x, t, batch, interpreted);
            CompiledVsInterpretedTests.AssertClose(expected, actual, $"{what} outputs");
            CompiledVsInterpretedTests.AssertClose([expectedLoss], [actualLoss], $"{what} loss");
            foreach (string name in new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" })
            {
                var g = layer.Parameters.GetGradients($"lstm.{name}_l0").ToArray();
                Assert.True(g.Any(v => v != 0f), $"{what}: d loss / d {name} is zero everywhere");
                CompiledVsInterpretedTests.AssertClose(g, user.Parameters.GetGradients($"lstm.{name}").ToArray(), $"{what}: d loss / d {name}");
            }
        }
    }

    /// <summary>Infer's outputs and the gradients' loss, compiled or interpreted.</summary>
    private static (float[] Outputs, float Loss) Run(INetwork net, float[] x, float[] t, int batch, bool interpreted)
    {
        var y = new float[batch * 24];
        if (interpreted) Interpreter.Infer(net, x, y, batch); else net.Infer(x, y, batch);
        float loss = interpreted ? Interpreter.ComputeGradients(net, x, t, batch) : net.ComputeGradients(x, t, batch);
        return (y, loss);
    }
}
