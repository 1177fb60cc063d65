using System;
using Xunit;
using NetCompiler.Tests.TestSupport;

namespace NetCompiler.Tests.Training;

/// <summary>Clipping by the global gradient norm (PyTorch's clip_grad_norm_): the norm is over the parameters that are
/// not frozen, an update above the limit equals the unclipped update of gradients scaled by max / (norm + 1e-6), and the
/// store's gradients are left as they were.</summary>
public class GradientClippingTests
{
    private const float Limit = 1.5f;

    /// <summary>Per-step gradient magnitudes: above the limit, below it, far above it.</summary>
    private static readonly float[] Magnitudes = [8f, 0.05f, 40f, 0.2f, 3f];

    public static TheoryData<string> Kinds() => new() { "sgd", "momentum", "nesterov", "adam", "adamw" };

    private static Optimizer Make(string kind, float maxNorm) => kind switch
    {
        "sgd" => new Sgd(0.05f) { WeightDecay = 0.1f, MaxGradientNorm = maxNorm },
        "momentum" => new Sgd(0.05f, momentum: 0.9f) { WeightDecay = 0.1f, MaxGradientNorm = maxNorm },
        "nesterov" => new Sgd(0.05f, momentum: 0.9f, nesterov: true) { WeightDecay = 0.1f, MaxGradientNorm = maxNorm },
        "adam" => new Adam(0.01f) { WeightDecay = 0.1f, MaxGradientNorm = maxNorm },
        "adamw" => new AdamW(0.01f) { WeightDecay = 0.1f, MaxGradientNorm = maxNorm },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static ParameterStore NewStore()
    {
        var store = TrainingFixtures.Store(("a", [3]), ("frozen", [5]), ("b.weight", [37]), ("c.weight", [2, 8]));
        TrainingFixtures.Pattern(store.Count, 7).CopyTo(store.Values, 0);
        store.Freeze("frozen");
        return store;
    }

    /// <summary>Gradients of step <paramref name="step"/>; the frozen parameter's are huge (they must not count).</summary>
    private static float[] Gradients(ParameterStore store, int step)
    {
        var g = TrainingFixtures.Pattern(store.Count, 50 + step);
        for (int i = 0; i < g.Length; i++) g[i] *= Magnitudes[step];
        var frozen = store.Find("frozen");
        Array.Fill(g, 1000f, frozen.Offset, frozen.Length);
        return g;
    }

    private static double NormOfTrainable(ParameterStore store, float[] gradients)
    {
        double sum = 0;
        for (int p = 0; p < store.Layout.Count; p++)
        {
            if (store.Layout[p].Name == "frozen") continue;
            for (int i = 0; i < store.Layout[p].Length; i++)
            {
                double g = gradients[store.Layout[p].Offset + i];
                sum += g * g;
            }
        }
        return Math.Sqrt(sum);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void AClippedUpdateEqualsTheUpdateOfScaledGradients(string kind)
    {
        var clippedStore = NewStore();
        var referenceStore = NewStore();
        var clipped = Make(kind, Limit);
        var reference = Make(kind, float.PositiveInfinity);
        int clippedSteps = 0;
        for (int step = 0; step < Magnitudes.Length; step++)
        {
            var g = Gradients(clippedStore, step);
            double norm = NormOfTrainable(clippedStore, g);
            double scale = norm > Limit ? Limit / (norm + 1e-6) : 1.0;
            if (scale < 1) clippedSteps++;
            g.CopyTo(clippedStore.Gradients, 0);
            for (int i = 0; i < g.Length; i++) referenceStore.Gradients[i] = (float)(g[i] * scale);
            var gradientBits = FloatBits.Of(clippedStore.Gradients);

            clipped.Step(clippedStore);
            reference.Step(referenceStore);

            Assert.True(Math.Abs(clipped.LastGradientNorm - norm) <= 1e-5 * norm,
                $"{kind} step {step}: LastGradientNorm {clipped.LastGradientNorm}, expected {norm} (frozen gradients must not count)");
            Assert.True(float.IsNaN(reference.LastGradientNorm), "without clipping no norm is computed");
            Assert.Equal(gradientBits, FloatBits.Of(clippedStore.Gradients));
            for (int i = 0; i < g.Length; i++)
            {
                double expected = referenceStore.Values[i], actual = clippedStore.Values[i];
                Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Abs(expected) + 1e-6,
                    $"{kind} step {step} element {i}: clipped {actual:R}, reference with scaled gradients {expected:R}");
            }
        }
        Assert.Equal(3, clippedSteps);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void BelowTheLimitTheUpdateIsExactlyTheUnclippedOne(string kind)
    {
        var clippedStore = NewStore();
        var plainStore = NewStore();
        var clipped = Make(kind, 1e6f);
        var plain = Make(kind, float.PositiveInfinity);
        for (int step = 0; step < Magnitudes.Length; step++)
        {
            var g = Gradients(clippedStore, step);
            g.CopyTo(clippedStore.Gradients, 0);
            g.CopyTo(plainStore.Gradients, 0);
            clipped.Step(clippedStore);
            plain.Step(plainStore);
            Assert.Equal(FloatBits.Of(plainStore.Values), FloatBits.Of(clippedStore.Values));
            Assert.True(clipped.LastGradientNorm > 0 && float.IsFinite(clipped.LastGradientNorm));
        }
    }

    [Fact]
    public void ClippingChangesTheUpdateWhenAboveTheLimit()
    {
        // Guards the comparison above: with a clearly clipped step, clipped and unclipped updates differ.
        var a = NewStore();
        var b = NewStore();
        var g = Gradients(a, 2);
        g.CopyTo(a.Gradients, 0);
        g.CopyTo(b.Gradients, 0);
        new Sgd(0.05f) { MaxGradientNorm = Limit }.Step(a);
        new Sgd(0.05f).Step(b);
        Assert.NotEqual(FloatBits.Of(b.GetValues("a")), FloatBits.Of(a.GetValues("a")));
    }

    [Fact]
    public void GlobalNormSkipsFrozenParametersAndPerParameterListsEach()
    {
        var store = TrainingFixtures.Store(("x", [2]), ("y", [1]), ("z", [3]));
        store.Gradients[0] = 3f; store.Gradients[1] = 4f;   // x: 5
        store.Gradients[2] = 12f;                          // y: 12
        store.Gradients[3] = 2f; store.Gradients[4] = 3f; store.Gradients[5] = 6f;   // z: 7
        Assert.Equal(Math.Sqrt(25 + 144 + 49), GradientNorms.Global(store), 5);
        store.Freeze("y");
        Assert.Equal(Math.Sqrt(25 + 49), GradientNorms.Global(store), 5);
        var norms = new float[3];
        GradientNorms.PerParameter(store, norms);
        Assert.Equal([5f, 12f, 7f], norms);
        Assert.Equal(Math.Sqrt(25 + 49), GradientNorms.Global(store, norms), 5);
        Assert.Throws<ArgumentException>(() => GradientNorms.PerParameter(store, new float[2]));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void NormsComputedByTheCallerClipExactlyLikeTheOptimizersOwn(string kind)
    {
        var own = NewStore();
        var given = NewStore();
        var a = Make(kind, Limit);
        var b = Make(kind, Limit);
        var norms = new float[own.Layout.Count];
        foreach (float m in Magnitudes)
        {
            foreach (var s in new[] { own, given })
                for (int i = 0; i < s.Count; i++) s.Gradients[i] = m * MathF.Sin(i + m);
            a.Step(own);
            GradientNorms.PerParameter(given, norms);
            b.Step(given, norms);
            Assert.Equal(a.LastGradientNorm, b.LastGradientNorm, 5);
        }
        Assert.Equal(own.Values, given.Values);
    }
}
