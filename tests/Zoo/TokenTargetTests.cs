using System;
using System.Linq;
using NetCompiler.Tests.Generator;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>Next-token prediction over 5 positions: logits [5, 8] against 5 class ids (PyTorch's
/// <c>cross_entropy(logits[T, V], target[T])</c>). Per-sample code.</summary>
[Network]
public partial class TokenTargetNet
{
    [Embedding(8, 6)] Embedding tokens;
    [Dense(6, 8)] Dense head;

    [Forward] Tensor Forward([Shape(5)] Tokens ids) => head.Forward(Tanh(tokens.Forward(ids)));

    [Loss] static Tensor Loss(Tensor logits, [Shape(5)] Tokens next) => CrossEntropy(logits, next);
}

/// <summary>The same network with the float class indices of before ([T, 1]): the two targets must give the same loss
/// and gradients.</summary>
[Network]
public partial class FloatIndexTargetNet
{
    [Embedding(8, 6)] Embedding tokens;
    [Dense(6, 8)] Dense head;

    [Forward] Tensor Forward([Shape(5)] Tokens ids) => head.Forward(Tanh(tokens.Forward(ids)));

    [Loss] static Tensor Loss(Tensor logits, [Shape(5, 1)] Tensor next) => CrossEntropy(logits, next);
}

/// <summary>A tiny causal language model using all three: token embeddings plus sinusoidal positions, one attention
/// head whose projection is cut by Split, and the next token as a Tokens target. Tiled (the projection has 6 x 8 x 24
/// multiply-adds per sample).</summary>
[Network]
public partial class TinyCausalLmNet
{
    const int T = 6, D = 8, Vocabulary = 11;

    [Embedding(Vocabulary, D)] Embedding tokens;
    [Dense(D, 3 * D)] Dense qkv;
    [Dense(D, Vocabulary)] Dense head;

    [Forward]
    Tensor Forward([Shape(T)] Tokens ids)
    {
        var x = tokens.Forward(ids) + SinusoidalPositions(T, D);                      // [T, D]
        var (q, k, v) = Split(qkv.Forward(x), -1, D, D, D);                           // [T, D] each
        var scores = Where(Triangle(T, T), MatMul(q, Transpose(k)) * 0.35355339f, float.NegativeInfinity);
        return head.Forward(x + MatMul(Softmax(scores), v));                          // [T, Vocabulary]
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(T)] Tokens next) => CrossEntropy(logits, next);
}

public class TokenTargetTests
{
    /// <summary>Ids below <see cref="INetwork.Target"/>'s IdCount for every position of <paramref name="batch"/> samples.</summary>
    private static float[] Targets(INetwork net, int batch, Rng rng) =>
        Enumerable.Range(0, batch * net.Target.Size).Select(_ => (float)rng.NextInt(net.Target.IdCount)).ToArray();

    [Fact]
    public void The_network_describes_its_target()
    {
        INetwork tokens = new TokenTargetNet(), floats = new FloatIndexTargetNet(), lm = new TinyCausalLmNet();
        Assert.Equal(new NetworkInput("next", [5], InputKind.Tokens, 0, 8).ToString(), tokens.Target.ToString());
        Assert.Equal([5], tokens.Target.Shape);
        Assert.Equal([5], tokens.TargetShape);
        Assert.Equal(5, TokenTargetNet.TargetSize);
        Assert.Equal(("next", InputKind.Values, 0), (floats.Target.Name, floats.Target.Kind, floats.Target.IdCount));
        Assert.Equal([5, 1], floats.Target.Shape);
        Assert.Equal((InputKind.Tokens, 11), (lm.Target.Kind, lm.Target.IdCount));
    }

    [Theory]
    [InlineData(nameof(TokenTargetNet), 1)]
    [InlineData(nameof(TokenTargetNet), 6)]
    [InlineData(nameof(TinyCausalLmNet), 3)]
    [InlineData(nameof(TinyCausalLmNet), 35)]   // a full tile and a partial one
    public void Compiled_matches_interpreted_with_a_tokens_target(string network, int batch)
    {
        INetwork Create() => network == nameof(TokenTargetNet) ? new TokenTargetNet(seed: 5) : new TinyCausalLmNet(seed: 5);
        INetwork compiled = Create(), interpreted = Create();
        var rng = new Rng((ulong)batch + 40);
        var x = CompiledVsInterpretedTests.Inputs(compiled, batch, rng);
        CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, Targets(compiled, batch, rng), batch);
    }

    [Fact]
    public void The_loss_is_the_mean_over_positions_and_samples_of_the_negative_log_likelihood()
    {
        const int batch = 4;
        var net = new TokenTargetNet(seed: 2);
        var twin = new FloatIndexTargetNet(seed: 2);
        var rng = new Rng(8);
        var x = CompiledVsInterpretedTests.Inputs(net, batch, rng);
        var t = Targets(net, batch, rng);
        var logits = new float[batch * 5 * 8];
        net.Infer(x, logits, batch);
        // float64 reference: mean over samples of the mean over positions of log-sum-exp(z) - z[id].
        double expected = 0;
        for (int s = 0; s < batch; s++)
            for (int p = 0; p < 5; p++)
            {
                var z = logits.AsSpan((s * 5 + p) * 8, 8).ToArray().Select(v => (double)v).ToArray();
                double max = z.Max(), lse = max + Math.Log(z.Sum(v => Math.Exp(v - max)));
                expected += (lse - z[(int)t[s * 5 + p]]) / (5 * batch);
            }
        float loss = net.ComputeGradients(x, t, batch);
        Assert.True(Math.Abs(loss - expected) <= 1e-5 * Math.Abs(expected), $"loss {loss}, reference {expected}");
        // The [T, 1] float indices of before are the same target: the same loss and gradients, bit for bit.
        Assert.Equal(loss, twin.ComputeGradients(x, t, batch));
        Assert.Equal(twin.Parameters.Gradients, net.Parameters.Gradients);
    }

    [Theory]
    [InlineData(8f)]        // the vocabulary's size
    [InlineData(-1f)]
    [InlineData(2.5f)]
    [InlineData(float.NaN)]
    [InlineData(1e9f)]
    public void Ids_that_are_not_classes_are_refused_and_change_nothing(float bad)
    {
        var net = new TokenTargetNet(seed: 1);
        var rng = new Rng(2);
        var x = CompiledVsInterpretedTests.Inputs(net, 3, rng);
        var t = Targets(net, 3, rng);
        t[2 * 5 + 3] = bad;   // sample 2, position 3
        var before = net.Parameters.Values.ToArray();
        var adam = new Adam(0.01f);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainStep(x, t, 3, adam));
        Assert.Equal("targets", e.ParamName);
        Assert.Contains("class-index target must be an integer in [0, 8)", e.Message);
        Assert.ThrowsAny<ArgumentException>(() => Interpreter.TrainStep(net, x, t, 3, adam));
        Assert.Equal(before, net.Parameters.Values);
        Assert.Equal(0, adam.StepCount);
    }

    [Theory, InlineData(1), InlineData(3)]
    public void Eager_cross_entropy_with_ids_is_the_one_with_float_indices(int batch)
    {
        var rng = new Rng(5);
        var ids = Enumerable.Range(0, batch * 3).Select(_ => rng.NextInt(4)).ToArray();
        var logits = Enumerable.Range(0, batch * 12).Select(_ => rng.NextFloat() * 4 - 2).ToArray();
        float[] Gradient(Func<Tensor, Tensor> loss)
        {
            var store = new ParameterStore([new ParameterInfo("zero", 0, [])]);
            var z = Tensor.FromBatch(logits, batch, 3, 4) + store["zero"];   // on the tape
            var l = loss(z);
            l.Backward();
            return [.. l.ToArray(), .. z.Gradient.ToArray()];
        }
        var withIds = Gradient(z => CrossEntropy(z, Tokens.FromBatch(ids, batch, 3)));
        var withFloats = Gradient(z => CrossEntropy(z, Tensor.FromBatch(ids.Select(i => (float)i).ToArray(), batch, 3, 1)));
        Assert.Equal(withFloats, withIds);
        Assert.Equal(withFloats, Gradient(z => CrossEntropy(z, Tokens.FromBatch(ids, batch, 3, 1))));   // [T, 1] ids too
        var z = Tensor.FromBatch(logits, batch, 3, 4);
        Assert.Contains("class id 4", Assert.Throws<ArgumentException>(() => CrossEntropy(z, Tokens.FromBatch(ids.Select(_ => 4).ToArray(), batch, 3))).Message);
        Assert.Contains("one class id per row", Assert.Throws<ArgumentException>(() => CrossEntropy(z, Tokens.FromBatch(ids, batch, 2))).Message);
    }

    // ---- diagnostics ---------------------------------------------------------------------------------------------

    private const string Network = """
        [Network]
        public partial class Next
        {
            [Embedding(8, 6)] Embedding tokens;
            [Dense(6, 8)] Dense head;
            [Forward] Tensor Forward([Shape(5)] Tokens ids) => head.Forward(tokens.Forward(ids));
            LOSS
        }
        """;

    [Fact]
    public void NC0005_a_tokens_target_needs_a_shape()
    {
        var d = DiagnosticTests.Expect(Network.Replace("LOSS", "[Loss] static Tensor L(Tensor logits, Tokens /*<*/next/*>*/) => CrossEntropy(logits, next);"), "NC0005");
        DiagnosticTests.Contains(d, "The Tokens target 'next' needs a [Shape(...)]");
    }

    [Fact]
    public void NC0103_tokens_of_another_shape_than_the_rows()
    {
        var d = DiagnosticTests.Expect(Network.Replace("LOSS", "[Loss] static Tensor L(Tensor logits, [Shape(4)] Tokens next) => /*<*/CrossEntropy(logits, next)/*>*/;"), "NC0103");
        DiagnosticTests.Contains(d, "CrossEntropy of logits [5, 8] needs one class id per row, Tokens of shape [5], got [4]");
    }

    /// <summary>Only CrossEntropy takes ids: a loss of values given a Tokens target is the C# compiler's error at the
    /// argument (CS1503), and the generator adds none of its own.</summary>
    [Fact]
    public void A_loss_of_values_refuses_a_tokens_target_at_compile_time()
    {
        var run = GeneratorHarness.Run("using NetCompiler;\nusing static NetCompiler.Ops;\nnamespace TargetCases;\n" +
            Network.Replace("LOSS", "[Loss] static Tensor L(Tensor logits, [Shape(5, 8)] Tokens next) => MeanSquaredError(logits, next);"));
        var error = Assert.Single(run.CompilationDiagnostics, c => c.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        Assert.Equal("CS1503", error.Id);
        Assert.Equal("next", error.Location.SourceTree!.GetText().ToString(error.Location.SourceSpan));
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
    }
}
