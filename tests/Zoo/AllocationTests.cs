using System;
using NetCompiler.Definitions.Seeds;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>The compiled training step and inference allocate nothing: a per-sample network (XorNet), a tiled
/// one whose large layers go through TileGemm and the worker pool (WideMlpNet), and one that trains the whole batch at
/// once with batch normalization and dropout (WideBatchNormNet; its workspace grows on the first, warm-up, step), and
/// convolutional ones (LeNet5; ResidualConvNet, batch norm over [C, H, W]) and W5's GPT (CharGpt), with plain SGD, Adam
/// and SGD with momentum.
/// (Measured on the calling thread; AllThreadsAllocationTests covers the worker pool's threads, whose parts grow
/// their kernel scratch, KernelScratch, on the first call.)</summary>
public class AllocationTests
{
    [Theory]
    [InlineData("xor", 1)]
    [InlineData("xor", 128)]
    [InlineData("wide", 1)]
    [InlineData("wide", 128)]
    [InlineData("batchnorm", 2)]
    [InlineData("batchnorm", 70)]   // the whole batch as one tile, with dropout
    [InlineData("lenet", 64)]       // convolutions (over the worker pool) and max pooling
    [InlineData("residual", 37)]    // convolutions, batch norm over [C, H, W], the whole batch as one tile
    [InlineData("gpt", 3)]          // W5: token ids, attention, LayerNorm, GELU
    [InlineData("gpt", 16)]         // W5's batch: split across the cores
    public void TrainStepAndInferAllocateNothing(string network, int batch)
    {
        INetwork net = network switch
        {
            "xor" => new XorNet(seed: 2), "wide" => new WideMlpNet(seed: 2), "lenet" => new LeNet5(seed: 2),
            "residual" => new NetCompiler.Tests.Convolution.ResidualConvNet(seed: 2), "gpt" => new CharGpt(seed: 2), _ => new WideBatchNormNet(seed: 2),
        };
        int inputSize = Size(net.InputShape), outputSize = Size(net.OutputShape), targetSize = Size(net.TargetShape);
        var x = new float[batch * inputSize];
        var t = new float[batch * targetSize];
        var y = new float[batch * outputSize];
        for (int i = 0; i < x.Length; i++) x[i] = network == "gpt" ? i % 3 : (i % 3) * 0.5f;   // token ids are whole
        for (int i = 0; i < t.Length; i++) t[i] = i % 2;
        var adam = new Adam(1e-4f);
        var momentum = new Sgd(new ConstantSchedule(1e-3f), momentum: 0.9f);
        // Warm up: the first calls JIT-compile, start the pool and allocate the optimizer state.
        for (int i = 0; i < 3; i++) { net.TrainStep(x, t, batch, 0.01f); net.TrainStep(x, t, batch, adam); net.TrainStep(x, t, batch, momentum); net.Infer(x, y, batch); }
        int steps = network switch { "xor" => 100, "gpt" => 2, _ => 5 };   // a W5 step takes seconds on the portable path
        // Each claim on the least of three rounds (see Allocated.LeastOf).
        Assert.Equal(0, Allocated.LeastOf(3, () => { for (int i = 0; i < steps; i++) net.TrainStep(x, t, batch, 0.01f); }));
        Assert.Equal(0, Allocated.LeastOf(3, () => { for (int i = 0; i < steps; i++) net.TrainStep(x, t, batch, adam); }));
        Assert.Equal(0, Allocated.LeastOf(3, () => { for (int i = 0; i < steps; i++) net.TrainStep(x, t, batch, momentum); }));
        Assert.Equal(0, Allocated.LeastOf(3, () => { for (int i = 0; i < steps; i++) net.Infer(x, y, batch); }));
    }

    private static int Size(int[] shape) => System.Linq.Enumerable.Aggregate(shape, 1, (a, b) => a * b);
}
