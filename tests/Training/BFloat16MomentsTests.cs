using System;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Training;

/// <summary>Adam with its moments stored as bfloat16 (<see cref="StatePrecision.BFloat16"/>): each step is float32
/// arithmetic on the stored moments, each new moment is stored as one of its two bfloat16 neighbours, chosen without
/// bias, the same way for an element in a register lane or in the scalar tail, and checkpoints carry the state exactly.</summary>
public class BFloat16MomentsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private const double B1 = 0.9, B2 = 0.999, Eps = 1e-8, Lr = 0.01, Decay = 0.1;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Each_step_is_the_float64_step_from_the_stored_moments_and_stores_a_bfloat16_neighbour(bool decoupled)
    {
        var store = TrainingFixtures.MixedLengthStore();
        int n = store.Count;
        TrainingFixtures.Pattern(n, 99).CopyTo(store.Values, 0);
        Adam adam = decoupled
            ? new AdamW((float)Lr) { WeightDecay = (float)Decay, Moments = StatePrecision.BFloat16 }
            : new Adam((float)Lr) { WeightDecay = (float)Decay, Moments = StatePrecision.BFloat16 };
        Assert.Equal(StatePrecision.BFloat16, adam.StatePrecision);
        adam.Attach(store);
        var m = new float[n];
        var v = new float[n];
        for (int t = 1; t <= 5; t++)
        {
            adam.CopyState(0, m);
            adam.CopyState(1, v);
            var p = (float[])store.Values.Clone();
            var g = TrainingFixtures.Pattern(n, t);
            g.CopyTo(store.Gradients, 0);
            adam.Step(store);

            var storedM = new float[n];
            var storedV = new float[n];
            adam.CopyState(0, storedM);
            adam.CopyState(1, storedV);
            double c1 = 1 - Math.Pow(B1, t), c2 = 1 - Math.Pow(B2, t);
            for (int i = 0; i < n; i++)
            {
                double gi = g[i] + (decoupled ? 0 : Decay * p[i]);
                double mi = B1 * m[i] + (1 - B1) * gi, vi = B2 * v[i] + (1 - B2) * gi * gi;
                double pi = (decoupled ? p[i] * (1 - Lr * Decay) : p[i]) - Lr / c1 * mi / (Math.Sqrt(vi) / Math.Sqrt(c2) + Eps);
                AssertNeighbour(mi, storedM[i], $"m[{i}] after step {t}");
                AssertNeighbour(vi, storedV[i], $"v[{i}] after step {t}");
                Assert.True(Math.Abs(store.Values[i] - pi) <= 1e-5 * Math.Abs(pi) + 1e-7,
                    $"p[{i}] after step {t}: expected {pi:R}, got {store.Values[i]:R}");
            }
        }
    }

    /// <summary><paramref name="stored"/> is a bfloat16 value (low 16 bits clear) at most one bfloat16 step (2^-7 of the
    /// value, float32 rounding aside) from <paramref name="exact"/>, on either side.</summary>
    private static void AssertNeighbour(double exact, float stored, string what)
    {
        Assert.Equal(0u, BitConverter.SingleToUInt32Bits(stored) & 0xFFFFu);
        Assert.True(Math.Abs(stored - exact) <= Math.Abs(exact) * (1.0 / 128) * (1 + 1e-5),
            $"{what}: {stored:R} is not a bfloat16 neighbour of {exact:R}");
    }

    [Fact]
    public void A_decaying_second_moment_decays_on_average_where_rounding_to_nearest_would_hold_it()
    {
        // v = 0.001 after one gradient of 1, then 0.999 v per step: each step moves v by 0.1%, under half a bfloat16
        // step (0.2-0.4%), so rounding to nearest would keep every v at 0.001 for ever.
        const int n = 4096, steps = 700;
        var store = TrainingFixtures.Store(("w", [n]));
        var adam = new Adam(1e-3f) { Moments = StatePrecision.BFloat16 };
        Array.Fill(store.Gradients, 1f);
        adam.Step(store);
        Array.Clear(store.Gradients);
        for (int t = 0; t < steps; t++) adam.Step(store);

        var v = new float[n];
        adam.CopyState(1, v);
        double mean = 0;
        foreach (float x in v) mean += x / n;
        double expected = 0.001 * Math.Pow(0.999, steps);
        Assert.True(Math.Abs(mean - expected) <= 0.01 * expected, $"mean v {mean:E4}, expected {expected:E4}");
    }

    [Fact]
    public void An_element_rounds_the_same_in_a_register_lane_and_in_the_scalar_tail()
    {
        // The same 100 elements as one parameter (elements 0-2 in a register) and as parameters of 3 and 97 (elements 0-2
        // in the scalar tail): the rounding is drawn from the element's place in the store, so the bits agree.
        var whole = TrainingFixtures.Store(("w", [100]));
        var split = TrainingFixtures.Store(("a", [3]), ("b", [97]));
        var results = new (int[] Values, int[] M, int[] V)[2];
        int k = 0;
        foreach (var store in new[] { whole, split })
        {
            TrainingFixtures.Pattern(100, 7).CopyTo(store.Values, 0);
            var adam = new Adam(0.01f) { Moments = StatePrecision.BFloat16 };
            for (int t = 0; t < 4; t++)
            {
                TrainingFixtures.Pattern(100, 20 + t).CopyTo(store.Gradients, 0);
                adam.Step(store);
            }
            var m = new float[100];
            var v = new float[100];
            adam.CopyState(0, m);
            adam.CopyState(1, v);
            results[k++] = (FloatBits.Of(store.Values), FloatBits.Of(m), FloatBits.Of(v));
        }
        Assert.Equal(results[0].Values, results[1].Values);
        Assert.Equal(results[0].M, results[1].M);
        Assert.Equal(results[0].V, results[1].V);
    }

    [Fact]
    public void The_state_is_read_and_written_as_floats_and_GetState_says_why_it_cannot_serve()
    {
        var store = TrainingFixtures.MixedLengthStore();
        var adam = new Adam(0.01f) { Moments = StatePrecision.BFloat16 };
        var early = Assert.Throws<InvalidOperationException>(() => adam.CopyState(0, new float[store.Count]));
        Assert.Contains("Attach", early.Message);
        adam.Attach(store);
        var e = Assert.Throws<InvalidOperationException>(() => adam.GetState(0));
        Assert.Contains("BFloat16", e.Message);
        Assert.Contains("CopyState", e.Message);
        Assert.Throws<ArgumentException>(() => adam.CopyState(0, new float[store.Count - 1]));
        Assert.Throws<ArgumentException>(() => adam.SetState(1, new float[store.Count + 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.CopyState(2, new float[store.Count]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(0.01f) { Moments = (StatePrecision)7 });

        // Written values round to the nearest bfloat16, ties to even; read back exactly.
        var values = new float[store.Count];
        values[0] = 1f + 1f / 256;                    // halfway between 1 and 1 + 2^-7: to even, 1
        values[1] = 1f + 3f / 256;                    // halfway between 1 + 2^-7 and 1 + 2^-6: to even, 1 + 2^-6
        values[2] = -(1f + 1f / 256 + 1f / 65536);    // just past halfway: away from zero
        values[3] = float.NaN;
        values[4] = float.PositiveInfinity;
        adam.SetState(0, values);
        var back = new float[store.Count];
        adam.CopyState(0, back);
        Assert.Equal(1f, back[0]);
        Assert.Equal(1f + 1f / 64, back[1]);
        Assert.Equal(-(1f + 1f / 128), back[2]);
        Assert.True(float.IsNaN(back[3]));
        Assert.Equal(float.PositiveInfinity, back[4]);
    }

    [Fact]
    public void A_checkpoint_resumes_bfloat16_state_exactly_and_loads_into_either_precision()
    {
        var network = new ResidualMlpNet(seed: 1);
        var adam = new Adam(1e-3f) { Moments = StatePrecision.BFloat16 };
        for (int t = 0; t < 3; t++) StepWith(network, adam, t);
        string path = _dir.File("bf16.safetensors");
        Checkpoint.Save(path, network, adam);

        var resumed = new ResidualMlpNet(seed: 9);
        var resumedAdam = new Adam(1e-3f) { Moments = StatePrecision.BFloat16 };
        Assert.True(Checkpoint.Load(path, resumed, resumedAdam).OptimizerRestored);
        for (int t = 3; t < 5; t++)
        {
            StepWith(network, adam, t);
            StepWith(resumed, resumedAdam, t);
        }
        Assert.Equal(FloatBits.Of(network.Parameters.Values), FloatBits.Of(resumed.Parameters.Values));
        for (int slot = 0; slot < 2; slot++) Assert.Equal(FloatBits.Of(StateOf(adam, slot)), FloatBits.Of(StateOf(resumedAdam, slot)));

        // Into float32 moments: the bfloat16 values exactly.
        var wide = new Adam(1e-3f);
        Checkpoint.Load(path, new ResidualMlpNet(seed: 9), wide);
        var saved = new ResidualMlpNet(seed: 9);
        var savedAdam = new Adam(1e-3f) { Moments = StatePrecision.BFloat16 };
        Checkpoint.Load(path, saved, savedAdam);
        for (int slot = 0; slot < 2; slot++) Assert.Equal(FloatBits.Of(StateOf(savedAdam, slot)), FloatBits.Of(wide.GetState(slot)));

        // From float32 moments: each rounded to the nearest bfloat16 (within half a step).
        string widePath = _dir.File("f32.safetensors");
        var f32 = new Adam(1e-3f);
        var f32Network = new ResidualMlpNet(seed: 1);
        for (int t = 0; t < 3; t++) StepWith(f32Network, f32, t);
        Checkpoint.Save(widePath, f32Network, f32);
        var narrow = new Adam(1e-3f) { Moments = StatePrecision.BFloat16 };
        Checkpoint.Load(widePath, new ResidualMlpNet(seed: 9), narrow);
        for (int slot = 0; slot < 2; slot++)
        {
            var exact = f32.GetState(slot);
            var rounded = StateOf(narrow, slot);
            int nonZero = 0;
            for (int i = 0; i < exact.Length; i++)
            {
                Assert.True(Math.Abs(rounded[i] - exact[i]) <= Math.Abs(exact[i]) / 256, $"slot {slot} [{i}]: {exact[i]:R} loaded as {rounded[i]:R}");
                if (exact[i] != 0) nonZero++;
            }
            Assert.True(nonZero > exact.Length / 2);
        }
    }

    private static void StepWith(INetwork network, Optimizer optimizer, int step)
    {
        TrainingFixtures.Pattern(network.Parameters.Count, 40 + step).CopyTo(network.Parameters.Gradients, 0);
        optimizer.Step(network.Parameters);
    }

    /// <summary>State array <paramref name="slot"/> of an optimizer attached to a <see cref="ResidualMlpNet"/>, as floats.</summary>
    private static float[] StateOf(Optimizer optimizer, int slot)
    {
        var state = new float[new ResidualMlpNet(seed: 1).Parameters.Count];
        optimizer.CopyState(slot, state);
        return state;
    }
}
