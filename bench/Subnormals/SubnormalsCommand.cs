using System;
using System.Diagnostics;
using System.Linq;
using System.Runtime.Intrinsics;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Bench;

/// <summary>The <c>subnormals</c> command: shows that training does not slow down as optimizer state decays towards 0
/// (issue 18: unflushed, Adam's first moments went subnormal and a step took 1.9x as long; on Intel cores every vector
/// instruction touching a subnormal takes a microcode assist). Two runs, each timing every step:
/// <list type="bullet">
/// <item>the optimizer alone: Adam over W3's 670k parameters with every gradient 0 after the first step (all units dead),
/// 1,200 steps; unflushed, m = 0.1 g 0.9^t is subnormal from about step 780 to 930;</item>
/// <item>W3 (784 -> 512 -> 512 -> 10) learning random labels of random images with Adam (lr 1e-3, batch 32), the
/// issue's "hard task", 3,000 steps, counting the moments that are subnormal at the end.</item>
/// </list>
/// Each run reports the median step time of its first and last stretches and of the slowest 100-step window. Then
/// the vector Exp (softmax's, attention's and the sigmoid's) over inputs whose results would be subnormal
/// (-103 &lt; x &lt; -87.4: logits 87 or more below the largest, as a confident softmax gives) against ordinary ones.</summary>
internal static class SubnormalsCommand
{
    private const float SmallestNormal = 1.17549435e-38f;

    public static int Run()
    {
        Console.WriteLine($"subnormals: {MachineInfo.Cpu()}; {MachineInfo.Runtime()}; {MachineInfo.Isa()}; commit {MachineInfo.Commit()}");
        OptimizerAlone();
        HardTask();
        ExpTail();
        return 0;
    }

    private static void OptimizerAlone()
    {
        var net = new WideMlpNet();
        var store = net.Parameters;
        var adam = new Adam(1e-3f);
        var rng = new Rng(3);
        for (int i = 0; i < store.Count; i++) store.Gradients[i] = rng.NextFloat() - 0.5f;
        adam.Step(store);
        Array.Clear(store.Gradients);
        var times = new double[1200];
        var clock = new Stopwatch();
        for (int s = 0; s < times.Length; s++)
        {
            clock.Restart();
            adam.Step(store);
            times[s] = clock.Elapsed.TotalMicroseconds;
        }
        Report($"Adam alone, {store.Count:N0} parameters, gradients 0 after step 1", times, Subnormal(adam), store.Count);
    }

    private static void HardTask()
    {
        const int batch = 32, steps = 3000;
        var net = new WideMlpNet();
        var adam = new Adam(1e-3f);
        var rng = new Rng(5);
        int samples = 4096;
        var images = new float[samples * 784];
        var labels = new float[samples];
        for (int i = 0; i < images.Length; i++) images[i] = rng.NextFloat();
        for (int i = 0; i < samples; i++) labels[i] = rng.NextInt(10);
        var times = new double[steps];
        var clock = new Stopwatch();
        float loss = 0;
        for (int s = 0; s < steps; s++)
        {
            int start = s * batch % samples;
            clock.Restart();
            loss = net.TrainStep(images.AsSpan(start * 784, batch * 784), labels.AsSpan(start, batch), batch, adam);
            times[s] = clock.Elapsed.TotalMicroseconds;
        }
        Report($"W3 on random labels (Adam 1e-3, batch 32, last loss {loss:F3})", times, Subnormal(adam), net.Parameters.Count);
    }

    private static void ExpTail()
    {
        const int n = 1 << 16;
        var ordinary = new float[n];
        var tail = new float[n];
        var output = new float[n];
        var rng = new Rng(9);
        for (int i = 0; i < n; i++)
        {
            ordinary[i] = -20f * rng.NextFloat();
            tail[i] = -87.4f - 15.6f * rng.NextFloat();
        }
        double Time(float[] x)
        {
            var times = new double[31];
            for (int r = 0; r < times.Length; r++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < n; i += Vector512<float>.Count)
                    SimdMath.Exp(Vector512.LoadUnsafe(ref x[i])).StoreUnsafe(ref output[i]);
                times[r] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / n;
            }
            Array.Sort(times);
            return Harness.Median(times);
        }
        Time(ordinary);
        double a = Time(ordinary), b = Time(tail);
        Console.WriteLine($"Vector512 Exp over {n:N0} floats: {a:F2} ns per element for x in (-20, 0], {b:F2} ns for x in (-103, -87.4) " +
            $"(results below the smallest normal float) = {b / a:F2}x; largest result there {output.Max():E2}");
    }

    /// <summary>Subnormal entries of the first and second moments.</summary>
    private static (int M, int V) Subnormal(Optimizer adam)
    {
        static int Count(float[] state) => state.Count(x => x != 0f && MathF.Abs(x) < SmallestNormal);
        return (Count(adam.GetState(0)), Count(adam.GetState(1)));
    }

    private static void Report(string what, double[] times, (int M, int V) subnormal, int parameters)
    {
        const int window = 100;
        double first = Median(times.AsSpan(50, window)), last = Median(times.AsSpan(times.Length - window, window));
        double slowest = 0;
        int slowestAt = 0;
        for (int s = 50; s + window <= times.Length; s += window / 2)
        {
            double median = Median(times.AsSpan(s, window));
            if (median > slowest) (slowest, slowestAt) = (median, s);
        }
        Console.WriteLine($"{what}: median step {first:F0} us at steps 50-149, {last:F0} us over the last {window}, slowest {window}-step window " +
            $"{slowest:F0} us (steps {slowestAt}-{slowestAt + window - 1}) = {slowest / first:F2}x; subnormal moments at the end: " +
            $"m {subnormal.M:N0}, v {subnormal.V:N0} of {parameters:N0}");
    }

    private static double Median(ReadOnlySpan<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return Harness.Median(sorted);
    }
}
