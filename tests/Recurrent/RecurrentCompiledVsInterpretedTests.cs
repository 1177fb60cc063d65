using NetCompiler.Tests.Generator;
using NetCompiler.Tests.Zoo;
using Xunit;

namespace NetCompiler.Tests.Recurrent;

/// <summary>Recurrent networks compiled in-test train exactly as the interpreter runs their definitions: outputs, loss and
/// every gradient over three SGD steps, for a batch of one, a partial tile and a full tile plus a partial one. Each head
/// reads both the whole output sequence and the last state(s).</summary>
public class RecurrentCompiledVsInterpretedTests
{
    private const string Source = """
        using NetCompiler;
        using static NetCompiler.Ops;
        namespace RecurrentTrainingCases;

        [Network]
        public partial class RnnTanhNet
        {
            [Rnn(3, 5)] Rnn rnn;
            [Dense(35, 3)] Dense head;
            [Forward] Tensor Forward([Shape(6, 3)] Tensor x)
            {
                var (y, h) = rnn.Forward(x);
                return head.Forward(Concat(Reshape(y, -1), Reshape(h, -1), 0));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        [Network]
        public partial class RnnReluNet
        {
            [Rnn(3, 5, Nonlinearity = RnnNonlinearity.Relu)] Rnn rnn;
            [Dense(35, 3)] Dense head;
            [Forward] Tensor Forward([Shape(6, 3)] Tensor x)
            {
                var (y, h) = rnn.Forward(x);
                return head.Forward(Concat(Reshape(y, -1), Reshape(h, -1), 0));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        [Network]
        public partial class GruNet
        {
            [Gru(3, 5)] Gru gru;
            [Dense(35, 3)] Dense head;
            [Forward] Tensor Forward([Shape(6, 3)] Tensor x)
            {
                var (y, h) = gru.Forward(x);
                return head.Forward(Concat(Reshape(y, -1), Reshape(h, -1), 0));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        [Network]
        public partial class BidirectionalLstmNet
        {
            [Lstm(3, 4, Bidirectional = true)] Lstm lstm;
            [Dense(56, 3)] Dense head;
            [Forward] Tensor Forward([Shape(5, 3)] Tensor x)
            {
                var (y, h, c) = lstm.Forward(x);                    // y [5, 8], h and c [2, 4]
                return head.Forward(Concat(Concat(Reshape(y, -1), Reshape(h, -1), 0), Reshape(c, -1), 0));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        [Network]
        public partial class StackedLstmNet
        {
            [Lstm(3, 4, Layers = 2)] Lstm lstm;
            [Dense(28, 3)] Dense head;
            [Forward] Tensor Forward([Shape(5, 3)] Tensor x)
            {
                var (y, h, _) = lstm.Forward(x);                    // y [5, 4], h [2, 4]
                return head.Forward(Concat(Reshape(y, -1), Reshape(h, -1), 0));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        [Network]
        public partial class StackedBidirectionalGruNet
        {
            [Gru(3, 4, Layers = 2, Bidirectional = true)] Gru gru;
            [Dense(56, 3)] Dense head;
            [Forward] Tensor Forward([Shape(5, 3)] Tensor x)
            {
                var (y, h) = gru.Forward(x);                        // y [5, 8], h [4, 4]
                return head.Forward(Concat(Reshape(y, -1), Reshape(h, -1), 0));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        /// <summary>Initial states as network inputs, through two stacked bidirectional layers.</summary>
        [Network]
        public partial class InitialStatesNet
        {
            [Lstm(3, 4, Layers = 2, Bidirectional = true)] Lstm lstm;
            [Gru(8, 2)] Gru gru;
            [Dense(16, 3)] Dense head;
            [Forward] Tensor Forward([Shape(5, 3)] Tensor x, [Shape(4, 4)] Tensor h0, [Shape(4, 4)] Tensor c0, [Shape(1, 2)] Tensor g0)
            {
                var (y, h, c) = lstm.Forward(x, h0, c0);
                var (z, g) = gru.Forward(y, g0);                    // z [5, 2], g [1, 2]
                return head.Forward(Concat(Concat(Reshape(z, -1), Reshape(g, -1), 0), Sum(h, 0) + Sum(c, 0), 0));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }

        /// <summary>Every cell without biases.</summary>
        [Network]
        public partial class NoBiasNet
        {
            [Rnn(3, 4, Bias = false)] Rnn rnn;
            [Lstm(4, 4, Bias = false, Bidirectional = true)] Lstm lstm;
            [Gru(8, 3, Bias = false, Layers = 2)] Gru gru;
            [Dense(21, 3)] Dense head;
            [Forward] Tensor Forward([Shape(5, 3)] Tensor x)
            {
                var (a, _) = rnn.Forward(x);
                var (b, _, _) = lstm.Forward(a);
                var (y, h) = gru.Forward(b);                        // y [5, 3], h [2, 3]
                return head.Forward(Concat(Reshape(y, -1), Reshape(h, -1), 0));
            }
            [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
        }
        """;

    private static readonly System.Lazy<GeneratorRun> Networks = new(() =>
    {
        var run = GeneratorHarness.Run(Source);
        run.AssertNoErrors();
        return run;
    });

    [Theory]
    [InlineData("RnnTanhNet")]
    [InlineData("RnnReluNet")]
    [InlineData("GruNet")]
    [InlineData("BidirectionalLstmNet")]
    [InlineData("StackedLstmNet")]
    [InlineData("StackedBidirectionalGruNet")]
    [InlineData("InitialStatesNet")]
    [InlineData("NoBiasNet")]
    public void Compiled_network_trains_as_the_interpreter(string network)
        => CompiledVsInterpretedTests.AssertTrainsAsInterpreter(() => Networks.Value.Create("RecurrentTrainingCases." + network, seed: 5), network);
}
