using System;
using Xunit;

namespace NetCompiler.Tests.Training;

/// <summary>Optimizer state never goes subnormal (Intel cores take a microcode assist on every vector instruction that
/// touches one), while moments that still matter are kept: gradients that go to 0 for good (a dead unit), gradients
/// of every size down to subnormal ones, and a custom epsilon small enough that tiny second moments decide the step.</summary>
public class SubnormalFlushTests
{
    private const float SmallestNormal = 1.17549435e-38f;

    public static TheoryData<string> Rules() => new() { "adam", "adamw", "momentum", "nesterov" };

    private static Optimizer Create(string rule) => rule switch
    {
        "adam" => new Adam(1e-3f),
        "adamw" => new AdamW(1e-3f) { WeightDecay = 0.01f },
        "momentum" => new Sgd(1e-2f, momentum: 0.9f),
        "nesterov" => new Sgd(1e-2f, momentum: 0.9f, nesterov: true),
        _ => throw new ArgumentOutOfRangeException(nameof(rule)),
    };

    [Theory, MemberData(nameof(Rules))]
    public void StateDecayingAfterTheGradientStopsIsNeverSubnormal(string rule)
    {
        var store = TrainingFixtures.MixedLengthStore();
        TrainingFixtures.Pattern(store.Count, 5).CopyTo(store.Values, 0);
        var optimizer = Create(rule);
        TrainingFixtures.Pattern(store.Count, 6).CopyTo(store.Gradients, 0);
        optimizer.Step(store);
        Array.Clear(store.Gradients);
        // Unflushed, m = 0.1 g 0.9^t passes through the subnormal range between steps ~800 and ~950 (momentum:
        // g 0.9^t, a little later); v = 0.001 g^2 0.999^t would take ~80,000 steps and is covered below.
        bool zeroed = false;
        for (int step = 2; step <= 1200; step++)
        {
            optimizer.Step(store);
            for (int slot = 0; slot < optimizer.StateSlots.Count; slot++)
                AssertNoSubnormal(optimizer.GetState(slot), $"{rule} state '{optimizer.StateSlots[slot]}' after step {step}");
            AssertNoSubnormal(store.Values, $"{rule} values after step {step}");
            zeroed = Array.TrueForAll(optimizer.GetState(0), x => x == 0f);
        }
        Assert.True(zeroed, $"{rule}: the first state slot decayed to 0 within 1,200 steps without a gradient");
    }

    [Theory, MemberData(nameof(Rules))]
    public void TinyAndSubnormalGradientsLeaveNoSubnormalState(string rule)
    {
        var store = TrainingFixtures.MixedLengthStore();
        TrainingFixtures.Pattern(store.Count, 7).CopyTo(store.Values, 0);
        var optimizer = Create(rule);
        var rng = new Rng(11);
        for (int step = 1; step <= 300; step++)
        {
            // magnitudes 2^-150 .. 2^-20: zero, subnormal and normal gradients side by side
            for (int i = 0; i < store.Count; i++)
                store.Gradients[i] = (rng.NextInt(2) == 0 ? 1 : -1) * MathF.Pow(2, -20 - 130 * rng.NextFloat());
            optimizer.Step(store);
            for (int slot = 0; slot < optimizer.StateSlots.Count; slot++)
                AssertNoSubnormal(optimizer.GetState(slot), $"{rule} state '{optimizer.StateSlots[slot]}' after step {step}");
        }
    }

    /// <summary>With gradients of 1e-17, v is about 1e-34: below what changes the denominator when epsilon is 1e-8
    /// (flushed, same result), but the whole denominator when epsilon is 1e-30 (kept). Both against float64 Adam.</summary>
    [Theory]
    [InlineData(1e-8f)]
    [InlineData(1e-30f)]
    public void SecondMomentsThatDecideTheStepAreKept(float epsilon)
    {
        var store = TrainingFixtures.MixedLengthStore();
        int n = store.Count;
        TrainingFixtures.Pattern(n, 8).CopyTo(store.Values, 0);
        var p = Array.ConvertAll(store.Values, x => (double)x);
        var m = new double[n];
        var v = new double[n];
        var adam = new Adam(1e-3f, epsilon: epsilon);
        for (int t = 1; t <= 20; t++)
        {
            var g = TrainingFixtures.Pattern(n, 100 + t);
            for (int i = 0; i < n; i++) store.Gradients[i] = g[i] * 1e-17f;
            adam.Step(store);
            for (int i = 0; i < n; i++)
            {
                double gi = store.Gradients[i];
                m[i] = 0.9 * m[i] + 0.1 * gi;
                v[i] = 0.999 * v[i] + 0.001 * gi * gi;
                p[i] -= 1e-3 / (1 - Math.Pow(0.9, t)) * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(0.999, t)) + (double)epsilon);
            }
        }
        for (int i = 0; i < n; i++)
            Assert.True(Math.Abs(store.Values[i] - p[i]) <= 1e-6 * Math.Max(1, Math.Abs(p[i])),
                $"epsilon {epsilon}: value {i} is {store.Values[i]}, float64 Adam gives {p[i]}");
        if (epsilon < 1e-20f) Assert.Contains(adam.GetState(1), x => x > 0f);   // tiny v kept: it is the denominator
        else Assert.All(adam.GetState(1), x => Assert.Equal(0f, x));               // below eps 2^-24: flushed
    }

    private static void AssertNoSubnormal(float[] values, string what)
    {
        for (int i = 0; i < values.Length; i++)
            if (values[i] != 0f && MathF.Abs(values[i]) < SmallestNormal)
                Assert.Fail($"{what}: element {i} is subnormal ({values[i]:E3})");
    }
}
