using System;
using System.Linq;
using NetCompiler.Tests.Eager;
using Xunit;

namespace NetCompiler.Tests.Recurrent;

/// <summary><see cref="UserRecurrentNet"/> (embedding, GRU encoder, bidirectional LSTM, last states, linear head,
/// cross-entropy), compiled by this project's build, against its float64 reference: logits, loss and every parameter
/// gradient (central finite differences of the reference), compiled and interpreted.</summary>
public class UserRecurrentNetTests
{
    private const int T = UserRecurrentNet.T, Classes = UserRecurrentNet.Classes;

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(35)]   // a full tile and a partial one
    public void Compiled_network_matches_the_float64_reference(int batch) => AssertMatchesReference(batch, interpreted: false);

    [Fact]
    public void Interpreted_network_matches_the_float64_reference() => AssertMatchesReference(5, interpreted: true);

    private static void AssertMatchesReference(int batch, bool interpreted)
    {
        var net = new UserRecurrentNet(seed: 4);
        var rng = new Rng((ulong)(40 + batch));
        var ids = Enumerable.Range(0, batch * T).Select(_ => (float)rng.NextInt(UserRecurrentNet.Vocabulary)).ToArray();
        var labels = Enumerable.Range(0, batch).Select(_ => (float)rng.NextInt(Classes)).ToArray();
        var reference = new UserRecurrentNetReference(net.Parameters);
        string what = (interpreted ? "interpreted" : "compiled") + $", batch {batch}";

        var logits = new float[batch * Classes];
        if (interpreted) Interpreter.Infer(net, ids, logits, batch); else net.Infer(ids, logits, batch);
        for (int s = 0; s < batch; s++)
        {
            var expected = reference.Logits(ids.AsSpan(s * T, T));
            for (int c = 0; c < Classes; c++)
                Assert.True(Math.Abs(logits[s * Classes + c] - expected[c]) <= GradCheck.ForwardTolerance * Math.Max(1, Math.Abs(expected[c])),
                    $"{what}: sample {s} logit {c} is {logits[s * Classes + c]:R}, reference {expected[c]:R}");
        }

        float loss = interpreted ? Interpreter.ComputeGradients(net, ids, labels, batch) : net.ComputeGradients(ids, labels, batch);
        double expectedLoss = reference.Loss(ids, labels, batch);
        Assert.True(Math.Abs(loss - expectedLoss) <= GradCheck.ForwardTolerance * Math.Max(1, expectedLoss), $"{what}: loss {loss:R}, reference {expectedLoss:R}");
        foreach (var (name, values) in reference.Parameters)
        {
            var gradient = net.Parameters.GetGradients(name);
            Assert.True(name == "tokens.weight" || gradient.ToArray().Any(g => g != 0f), $"{what}: d loss / d {name} is zero everywhere");
            ReferenceGradient.AssertClose(ReferenceGradient.Of(values, () => reference.Loss(ids, labels, batch)), gradient, $"{what}: d loss / d {name}");
        }
    }
}
