using System;
using System.Linq;
using Xunit;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>Layers large enough for tile GEMM, with shapes that are not multiples of 4 or of a register, an
/// activation whose derivative needs the pre-activation (LeakyRelu keeps z), one that does not (Tanh, in place),
/// a layer without bias, and a hidden-to-hidden layer that needs dX.</summary>
[Network]
public partial class TiledOddNet
{
    [Dense(37, 45)] Dense a;               // 1,665 multiply-adds: tiled, input rows InputSize apart
    [Dense(45, 33, Bias = false)] Dense b; // 1,485: tiled, no bias, needs dX into a's activation
    [Dense(33, 3)] Dense head;             // small: per-sample code inside the tile loop

    [Forward] Tensor Forward([Shape(37)] Tensor x) => head.Forward(Tanh(b.Forward(LeakyRelu(a.Forward(x), 0.1f))));
    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

/// <summary>A layer with a weight matrix of 1 MB or more (520 x 512 = 266,240 floats): the plan takes 128-sample tiles
/// (KernelPlan.WideTileRows) instead of 32, so a batch crosses several wide tiles and a partial one.</summary>
[Network]
public partial class TiledWideNet
{
    [Dense(520, 512)] Dense wide;
    [Dense(512, 3)] Dense head;

    [Forward] Tensor Forward([Shape(520)] Tensor x) => head.Forward(Relu(wide.Forward(x)));
    [Loss] static Tensor Loss(Tensor logits, [Shape(1)] Tensor label) => CrossEntropy(logits, label);
}

public class TiledNetworkTests
{
    private static int TileRows<T>() =>
        (int)typeof(T).GetField("TileRows", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetRawConstantValue()!;

    [Fact]
    public void Wide_weights_take_128_sample_tiles_and_narrow_ones_32() =>
        Assert.Equal((128, 32), (TileRows<TiledWideNet>(), TileRows<TiledOddNet>()));

    [Theory]
    [InlineData(129)]
    [InlineData(257)]
    public void Wide_tiles_match_the_interpreter_across_full_and_partial_tiles(int batch)
    {
        var compiled = new TiledWideNet(seed: 5);
        var interpreted = new TiledWideNet(seed: 5);
        var rng = new Rng((ulong)batch);
        var x = Enumerable.Range(0, batch * 520).Select(_ => rng.NextFloat() * 2 - 1).ToArray();
        var t = Enumerable.Range(0, batch).Select(_ => (float)rng.NextInt(3)).ToArray();
        MatchesInterpreter(compiled, interpreted, x, t, batch, outputs: 3);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(70)]
    public void Tiled_layers_match_the_interpreter_at_every_batch_size(int batch)
    {
        var compiled = new TiledOddNet(seed: 3);
        var interpreted = new TiledOddNet(seed: 3);
        var rng = new Rng((ulong)batch);
        var x = Enumerable.Range(0, batch * 37).Select(_ => rng.NextFloat() * 4 - 2).ToArray();
        var t = Enumerable.Range(0, batch).Select(_ => (float)rng.NextInt(3)).ToArray();
        MatchesInterpreter(compiled, interpreted, x, t, batch, outputs: 3);
    }

    /// <summary>Outputs (and nothing written past the batch), loss and every gradient of the compiled network against the
    /// interpreter's.</summary>
    private static void MatchesInterpreter(INetwork compiled, INetwork interpreted, float[] x, float[] t, int batch, int outputs)
    {
        var yc = new float[batch * outputs + 5];
        var yi = new float[batch * outputs];
        Array.Fill(yc, 7f);
        compiled.Infer(x, yc, batch);
        Interpreter.Infer(interpreted, x, yi, batch);
        CompiledVsInterpretedTests.AssertClose(yi, yc[..(batch * outputs)], "outputs");
        Assert.All(yc[(batch * outputs)..], v => Assert.Equal(7f, v));   // nothing written past the batch

        float lc = compiled.ComputeGradients(x, t, batch);
        float li = Interpreter.ComputeGradients(interpreted, x, t, batch);
        CompiledVsInterpretedTests.AssertClose([li], [lc], "loss");
        foreach (var p in compiled.Parameters.Layout)
            CompiledVsInterpretedTests.AssertClose(interpreted.Parameters.GetGradients(p.Name).ToArray(), compiled.Parameters.GetGradients(p.Name).ToArray(), $"d loss / d {p.Name}");
    }

    [Fact]
    public void A_second_call_gives_the_same_gradients_as_the_first()
    {
        // The tile workspace is reused: stale rows of a previous, larger batch must not leak into a smaller one.
        var net = new TiledOddNet(seed: 4);
        var rng = new Rng(9);
        var big = Enumerable.Range(0, 40 * 37).Select(_ => rng.NextFloat()).ToArray();
        var bigT = Enumerable.Range(0, 40).Select(i => (float)(i % 3)).ToArray();
        var x = big[..(5 * 37)];
        var t = bigT[..5];
        float first = net.ComputeGradients(x, t, 5);
        var g1 = net.Parameters.Gradients.ToArray();
        net.ComputeGradients(big, bigT, 40);
        float again = net.ComputeGradients(x, t, 5);
        Assert.Equal(first, again);
        Assert.Equal(g1, net.Parameters.Gradients);
    }
}
