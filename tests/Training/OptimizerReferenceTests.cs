using System;
using Xunit;

namespace NetCompiler.Tests.Training;

/// <summary>Every optimizer against a float64 reference of PyTorch's formulas written out here, over five steps with
/// gradients that change every step, on parameters whose lengths exercise both the vector body and the scalar tail.</summary>
public class OptimizerReferenceTests
{
    private const int Steps = 5;

    public static TheoryData<string, float> Cases()
    {
        var data = new TheoryData<string, float>();
        foreach (string kind in new[] { "sgd", "momentum", "nesterov", "adam", "adam-custom", "adamw" })
            foreach (float decay in new[] { 0f, 0.1f })
                data.Add(kind, decay);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void MatchesTheFloat64Reference(string kind, float weightDecay)
    {
        var store = TrainingFixtures.MixedLengthStore();
        int n = store.Count;
        TrainingFixtures.Pattern(n, 99).CopyTo(store.Values, 0);
        var (optimizer, reference) = Create(kind, weightDecay, store.Values);

        for (int step = 1; step <= Steps; step++)
        {
            var gradients = TrainingFixtures.Pattern(n, step);
            gradients.CopyTo(store.Gradients, 0);
            optimizer.Step(store);
            reference.Step(gradients);

            AssertClose(reference.P, store.Values, $"{kind} decay {weightDecay} values after step {step}");
            for (int slot = 0; slot < optimizer.StateSlots.Count; slot++)
                AssertClose(reference.State(optimizer.StateSlots[slot]), optimizer.GetState(slot),
                    $"{kind} decay {weightDecay} state '{optimizer.StateSlots[slot]}' after step {step}");
        }
        Assert.Equal(Steps, optimizer.StepCount);
        Assert.Equal(reference.Slots, optimizer.StateSlots);
        // The update must actually have moved every element (a no-op optimizer would otherwise match a no-op reference).
        var initial = TrainingFixtures.Pattern(n, 99);
        for (int i = 0; i < n; i++) Assert.NotEqual(initial[i], store.Values[i]);
    }

    [Fact]
    public void NamesAndSlotsIdentifyTheRule()
    {
        Assert.Equal("sgd", new Sgd(0.1f).Name);
        Assert.Empty(new Sgd(0.1f).StateSlots);
        Assert.Equal("momentum", new Sgd(0.1f, momentum: 0.9f).Name);
        Assert.Equal(["momentum"], new Sgd(0.1f, momentum: 0.9f).StateSlots);
        Assert.Equal("nesterov", new Sgd(0.1f, momentum: 0.9f, nesterov: true).Name);
        Assert.Equal("adam", new Adam(0.1f).Name);
        Assert.Equal(["m", "v"], new Adam(0.1f).StateSlots);
        Assert.Equal("adamw", new AdamW(0.1f).Name);
        Assert.Equal(["m", "v"], new AdamW(0.1f).StateSlots);
    }

    [Fact]
    public void InvalidHyperparametersThrow()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: 0f, nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(0.1f, beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(0.1f, beta2: -0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(0.1f, epsilon: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(0.1f, epsilon: float.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f) { WeightDecay = -1f });
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(0.1f) { WeightDecay = float.NaN });
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f) { MaxGradientNorm = 0f });
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f) { MaxGradientNorm = float.NaN });
        Assert.Throws<ArgumentNullException>(() => new Sgd(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f).RestoreStepCount(-1));
    }

    [Fact]
    public void AnOptimizerBelongsToOneStoreSize()
    {
        var optimizer = new Adam(0.01f);
        var store = TrainingFixtures.MixedLengthStore();
        optimizer.Attach(store);
        Assert.Equal(store.Count, optimizer.GetState(0).Length);
        Assert.Equal(store.Count, optimizer.GetState(1).Length);
        Assert.All(optimizer.GetState(1), v => Assert.Equal(0f, v));
        var other = TrainingFixtures.Store(("w", [3]));
        var e = Assert.Throws<InvalidOperationException>(() => optimizer.Step(other));
        Assert.Contains(store.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
    }

    private static (Optimizer, Reference) Create(string kind, float weightDecay, float[] initial) => kind switch
    {
        "sgd" => (new Sgd(0.05f) { WeightDecay = weightDecay }, new SgdReference(initial, 0.05f, weightDecay, 0f, false)),
        "momentum" => (new Sgd(0.05f, momentum: 0.9f) { WeightDecay = weightDecay }, new SgdReference(initial, 0.05f, weightDecay, 0.9f, false)),
        "nesterov" => (new Sgd(0.03f, momentum: 0.8f, nesterov: true) { WeightDecay = weightDecay },
            new SgdReference(initial, 0.03f, weightDecay, 0.8f, true)),
        "adam" => (new Adam(0.01f) { WeightDecay = weightDecay }, new AdamReference(initial, 0.01f, weightDecay, 0.9f, 0.999f, 1e-8f, false)),
        "adam-custom" => (new Adam(0.02f, beta1: 0.8f, beta2: 0.95f, epsilon: 1e-3f) { WeightDecay = weightDecay },
            new AdamReference(initial, 0.02f, weightDecay, 0.8f, 0.95f, 1e-3f, false)),
        "adamw" => (new AdamW(0.01f) { WeightDecay = weightDecay }, new AdamReference(initial, 0.01f, weightDecay, 0.9f, 0.999f, 1e-8f, true)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>|actual - expected| within 1e-5 relative, with a floor of 1e-6 of the array's RMS for elements that
    /// are near zero after cancellation (float32 rounding is relative to the terms, not to their sum).</summary>
    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double squares = 0;
        foreach (double e in expected) squares += e * e;
        double floor = 1e-6 * Math.Sqrt(squares / expected.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-5 * Math.Abs(expected[i]) + floor;
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance,
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (difference {Math.Abs(actual[i] - expected[i]):E3})");
        }
    }

    private abstract class Reference(float[] initial)
    {
        public double[] P { get; } = Array.ConvertAll(initial, v => (double)v);
        public abstract string[] Slots { get; }
        public abstract double[] State(string slot);
        public abstract void Step(float[] gradients);
    }

    /// <summary>torch.optim.SGD without dampening: g = grad + wd p; buf = mu buf + g (first buf = g);
    /// step = nesterov ? g + mu buf : buf; p -= lr step.</summary>
    private sealed class SgdReference(float[] initial, double lr, double wd, double mu, bool nesterov) : Reference(initial)
    {
        private readonly double[] _buffer = new double[initial.Length];
        private bool _first = true;

        public override string[] Slots => mu > 0 ? ["momentum"] : [];
        public override double[] State(string slot) => slot == "momentum" ? _buffer : throw new ArgumentException(slot);

        public override void Step(float[] gradients)
        {
            for (int i = 0; i < P.Length; i++)
            {
                double g = gradients[i] + wd * P[i];
                double step = g;
                if (mu > 0)
                {
                    _buffer[i] = _first ? g : mu * _buffer[i] + g;
                    step = nesterov ? g + mu * _buffer[i] : _buffer[i];
                }
                P[i] -= lr * step;
            }
            _first = false;
        }
    }

    /// <summary>torch.optim.Adam (L2 decay in the gradient) or AdamW (p *= 1 - lr wd first, no decay in the gradient).</summary>
    private sealed class AdamReference(float[] initial, double lr, double wd, double b1, double b2, double eps, bool decoupled) : Reference(initial)
    {
        private readonly double[] _m = new double[initial.Length], _v = new double[initial.Length];
        private int _t;

        public override string[] Slots => ["m", "v"];
        public override double[] State(string slot) => slot switch { "m" => _m, "v" => _v, _ => throw new ArgumentException(slot) };

        public override void Step(float[] gradients)
        {
            _t++;
            double correction1 = 1 - Math.Pow(b1, _t), correction2 = 1 - Math.Pow(b2, _t);
            for (int i = 0; i < P.Length; i++)
            {
                double g = gradients[i];
                if (decoupled) P[i] *= 1 - lr * wd;
                else g += wd * P[i];
                _m[i] = b1 * _m[i] + (1 - b1) * g;
                _v[i] = b2 * _v[i] + (1 - b2) * g * g;
                P[i] -= lr / correction1 * _m[i] / (Math.Sqrt(_v[i]) / Math.Sqrt(correction2) + eps);
            }
        }
    }
}
