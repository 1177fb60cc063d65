using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using NetCompiler.Definitions.Seeds;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Bench;

/// <summary><c>jit-check</c>'s child: the compiled path of every benchmark workload, on random inputs (no data files),
/// a few hundred calls each (fewer at batch 128 on the slow portable path), in rounds with pauses between them so that tiered compilation has time to replace
/// tier-0 code (it waits for 100 ms without new tier-0 methods, then compiles in the background). What matters is
/// what the JIT compiled, which the parent reads from the JIT's log; nothing here is timed.</summary>
internal static class JitCheckWorkloads
{
    private const int Rounds = 5;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(300);
    // W3 at batch 128 takes milliseconds per call with SIMD, tens of them on the portable path: cap each round's time.
    private static readonly TimeSpan WideBudget = TimeSpan.FromSeconds(1.5);

    public static int Run()
    {
        var clock = Stopwatch.StartNew();
        var rng = new Random(4);
        float sink = 0;

        // W1: seed 000, SGD lr 0.1, batch 1.
        var seed000 = new Seed000Net();
        float[] x1 = Random(rng, 2), y1 = [1f], out1 = new float[1];
        // W2: seed 001, SGD lr 3.0, batch 10, one-hot targets.
        var seed001 = new Seed001MnistNet(seed: 1);
        float[] x2 = Random(rng, 10 * 784), t2 = OneHot(rng, 10, 10);
        // W3: wide MLP, Adam lr 1e-3 at batch 128, inference at batch 1 and 128 (class indices as targets).
        var wide = new WideMlpNet(seed: 1);
        var adam = new Adam(1e-3f);
        float[] x3 = Random(rng, 128 * 784), t3 = new float[128], out3 = new float[128 * 10];
        for (int i = 0; i < t3.Length; i++) t3[i] = rng.Next(10);
        // W4: LeNet-5, SGD momentum at batch 64; ResNetSmall, SGD momentum at batch 16 and inference of one image.
        var lenet = new LeNet5(seed: 1);
        var resnet = new ResNetSmall(seed: 1);
        var momentum = new Sgd(new ConstantSchedule(0.01f), momentum: 0.9f);
        var resnetMomentum = new Sgd(new ConstantSchedule(0.01f), momentum: 0.9f);
        float[] x4 = Random(rng, 64 * 784), t4 = new float[64], out4 = new float[64 * 10];
        for (int i = 0; i < t4.Length; i++) t4[i] = rng.Next(10);
        // W7: T5Translator, AdamW at batch 2 (the attention kernels' forward and backward, dropout, relative position
        // biases), inference of one pair, and a greedy translation (Encode, then Decode over the KV cache).
        var t5 = new T5Translator(seed: 1);
        var adamW = new AdamW(1e-3f) { WeightDecay = 0.01f };
        const int S = T5Translator.SourceLength, T = T5Translator.TargetLength;
        float[] x7 = new float[2 * (S + T)], t7 = new float[2 * T], out7 = new float[T * T5Translator.Vocabulary];
        for (int s = 0; s < 2; s++)
            for (int i = 0; i < 12; i++)
            {
                x7[s * (S + T) + i] = 5 + rng.Next(T5Translator.Vocabulary - 5);   // a source of 12 ids, then padding
                x7[s * (S + T) + S + i] = i == 0 ? 1 : t7[s * T + i - 1];           // the start token, then the target so far
                t7[s * T + i] = i < 11 ? 5 + rng.Next(T5Translator.Vocabulary - 5) : 2;
            }
        var greedy = new BeamSearch(t5, width: 1);
        int[] source7 = [.. x7.AsSpan(0, S).ToArray().Select(v => (int)v)];

        for (int round = 0; round < Rounds; round++)
        {
            for (int i = 0; i < 100; i++)
            {
                sink += seed000.TrainStep(x1, y1, 1, 0.1f);
                seed000.Infer(x1, out1, 1);
                sink += seed001.TrainStep(x2, t2, 10, 3f);
                wide.Infer(x3.AsSpan(0, 784), out3.AsSpan(0, 10), 1);
            }
            var wideClock = Stopwatch.StartNew();
            for (int i = 0; i < 50 && (i < 5 || wideClock.Elapsed < WideBudget); i++)
            {
                sink += wide.TrainStep(x3, t3, 128, adam);
                wide.Infer(x3, out3, 128);
            }
            var convClock = Stopwatch.StartNew();
            for (int i = 0; i < 30 && (i < 3 || convClock.Elapsed < WideBudget); i++)
            {
                sink += lenet.TrainStep(x4, t4, 64, momentum);
                lenet.Infer(x4, out4, 64);
                sink += resnet.TrainStep(x4.AsSpan(0, 16 * 784), t4.AsSpan(0, 16), 16, resnetMomentum);
                resnet.Infer(x4.AsSpan(0, 784), out4.AsSpan(0, 10), 1);
            }
            var t5Clock = Stopwatch.StartNew();
            for (int i = 0; i < 20 && (i < 3 || t5Clock.Elapsed < WideBudget); i++)
            {
                sink += t5.TrainStep(x7, t7, 2, adamW);
                t5.Infer(x7.AsSpan(0, S + T), out7, 1);
                sink += greedy.Translate(source7, 1, 2).Tokens.Length;
            }
            Console.Error.WriteLine($"jit-check child: round {round + 1} of {Rounds} done ({clock.Elapsed.TotalSeconds:F1} s)");
            Thread.Sleep(Pause);
        }
        // The losses must stay finite, or the run did not exercise the real code paths.
        return float.IsFinite(sink + out1[0] + out3[0] + out4[0] + out7[0]) ? 0 : 1;
    }

    private static float[] Random(Random rng, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = rng.NextSingle();
        return values;
    }

    private static float[] OneHot(Random rng, int samples, int classes)
    {
        var values = new float[samples * classes];
        for (int s = 0; s < samples; s++) values[s * classes + rng.Next(classes)] = 1f;
        return values;
    }
}
