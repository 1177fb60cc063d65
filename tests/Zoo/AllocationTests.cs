using System;
using NetCompiler.Definitions.Seeds;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>The compiled training step and inference allocate nothing.</summary>
public class AllocationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(128)]
    public void TrainStepAndInferAllocateNothing(int batch)
    {
        var net = new XorNet(seed: 2);
        var x = new float[batch * XorNet.InputSize];
        var t = new float[batch * XorNet.TargetSize];
        var y = new float[batch * XorNet.OutputSize];
        for (int i = 0; i < x.Length; i++) x[i] = (i % 3) * 0.5f;
        for (int i = 0; i < t.Length; i++) t[i] = i % 2;
        // Warm up: the first calls JIT-compile and may allocate.
        for (int i = 0; i < 3; i++) { net.TrainStep(x, t, batch, 0.1f); net.Infer(x, y, batch); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) net.TrainStep(x, t, batch, 0.1f);
        long afterTrain = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) net.Infer(x, y, batch);
        long afterInfer = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, afterTrain - before);
        Assert.Equal(0, afterInfer - afterTrain);
    }
}
