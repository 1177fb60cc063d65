using System;
using System.Linq;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Recurrent;

/// <summary>The compiled recurrent kernels allocate nothing per step: after a warm-up, training steps (plain SGD and
/// Adam) and inference of the zoo's LSTM (W6) and of a GRU + bidirectional LSTM network allocate 0 bytes on the calling
/// thread, for a single sample, a partial tile and a full batch of W6.</summary>
public class RecurrentAllocationTests
{
    [Theory]
    [InlineData("lstm", 1)]
    [InlineData("lstm", 32)]
    [InlineData("gru", 3)]
    [InlineData("gru", 40)]
    public void TrainStep_and_Infer_allocate_nothing(string network, int batch)
    {
        INetwork net = network == "lstm" ? new LstmSequenceNet(seed: 2) : new UserRecurrentNet(seed: 2);
        int inputSize = Size(net.InputShape), classes = net.OutputShape[^1];
        var rng = new Rng(9);
        var x = Enumerable.Range(0, batch * inputSize).Select(_ => network == "lstm" ? rng.NextFloat() * 2 - 1 : rng.NextInt(UserRecurrentNet.Vocabulary)).ToArray();
        var t = Enumerable.Range(0, batch).Select(_ => (float)rng.NextInt(classes)).ToArray();
        var y = new float[batch * Size(net.OutputShape)];
        var adam = new Adam(1e-3f);
        // Warm up: the first calls JIT-compile, start the pool and allocate the optimizer state.
        for (int i = 0; i < 3; i++) { net.TrainStep(x, t, batch, 0.01f); net.TrainStep(x, t, batch, adam); net.Infer(x, y, batch); }

        // Each claim on the least of three rounds (see Allocated.LeastOf).
        Assert.Equal(0, Allocated.LeastOf(3, () => { for (int i = 0; i < 5; i++) net.TrainStep(x, t, batch, 0.01f); }));
        Assert.Equal(0, Allocated.LeastOf(3, () => { for (int i = 0; i < 5; i++) net.TrainStep(x, t, batch, adam); }));
        Assert.Equal(0, Allocated.LeastOf(3, () => { for (int i = 0; i < 5; i++) net.Infer(x, y, batch); }));
    }

    private static int Size(int[] shape) => shape.Aggregate(1, (a, b) => a * b);
}
