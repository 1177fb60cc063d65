using System;
using System.Collections.Generic;
using Xunit;
using NetCompiler.Tests.TestSupport;

namespace NetCompiler.Tests.Training;

/// <summary>Freezing by name or prefix: frozen parameters stay bit-identical under every optimizer (weight decay
/// included), the prefix matches whole name segments only, and unknown names are reported with the list of names.</summary>
public class FrozenParameterTests
{
    public static TheoryData<string> Kinds() => new() { "sgd", "momentum", "nesterov", "adam", "adamw" };

    private static Optimizer Make(string kind) => kind switch
    {
        "sgd" => new Sgd(0.05f) { WeightDecay = 0.1f, MaxGradientNorm = 2f },
        "momentum" => new Sgd(0.05f, momentum: 0.9f) { WeightDecay = 0.1f, MaxGradientNorm = 2f },
        "nesterov" => new Sgd(0.05f, momentum: 0.9f, nesterov: true) { WeightDecay = 0.1f, MaxGradientNorm = 2f },
        "adam" => new Adam(0.01f) { WeightDecay = 0.1f, MaxGradientNorm = 2f },
        "adamw" => new AdamW(0.01f) { WeightDecay = 0.1f, MaxGradientNorm = 2f },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static ParameterStore LayeredStore() => TrainingFixtures.Store(
        ("hidden.weight", [4, 9]), ("hidden.bias", [4]), ("hidden2.weight", [3, 4]), ("hidden2.bias", [3]),
        ("blocks.0.gate", [5]), ("blocks.01.gate", [5]), ("out.weight", [1, 3]));

    [Theory, MemberData(nameof(Kinds))]
    public void FrozenParametersStayBitIdenticalOverManySteps(string kind)
    {
        var store = LayeredStore();
        TrainingFixtures.Pattern(store.Count, 3).CopyTo(store.Values, 0);
        Assert.Equal(2, store.Freeze("hidden"));
        Assert.Equal(1, store.Freeze("blocks.0"));
        var frozenBefore = new Dictionary<string, int[]>();
        foreach (var name in new[] { "hidden.weight", "hidden.bias", "blocks.0.gate" })
            frozenBefore[name] = FloatBits.Of(store.GetValues(name));
        var trainableBefore = FloatBits.Of(store.GetValues("hidden2.weight"));

        var optimizer = Make(kind);
        for (int step = 0; step < 60; step++)
        {
            TrainingFixtures.Pattern(store.Count, 200 + step).CopyTo(store.Gradients, 0);
            optimizer.Step(store);
        }

        foreach (var (name, bits) in frozenBefore)
            Assert.Equal(bits, FloatBits.Of(store.GetValues(name)));
        Assert.NotEqual(trainableBefore, FloatBits.Of(store.GetValues("hidden2.weight")));
        var sibling = store.Find("blocks.01.gate");
        Assert.NotEqual(FloatBits.Of(TrainingFixtures.Pattern(store.Count, 3).AsSpan(sibling.Offset, sibling.Length)),
            FloatBits.Of(store.GetValues("blocks.01.gate")));
        // A frozen parameter accumulates no optimizer state either.
        var hidden = store.Find("hidden.weight");
        for (int slot = 0; slot < optimizer.StateSlots.Count; slot++)
            Assert.All(optimizer.GetState(slot).AsSpan(hidden.Offset, hidden.Length).ToArray(), v => Assert.Equal(0f, v));

        // Unfreezing lets the next step move it.
        Assert.Equal(2, store.Unfreeze("hidden"));
        optimizer.Step(store);
        Assert.NotEqual(frozenBefore["hidden.weight"], FloatBits.Of(store.GetValues("hidden.weight")));
        Assert.Equal(frozenBefore["blocks.0.gate"], FloatBits.Of(store.GetValues("blocks.0.gate")));
    }

    [Fact]
    public void APrefixFreezesWholeNameSegmentsOnly()
    {
        var store = LayeredStore();
        Assert.Equal(2, store.Freeze("hidden"));
        Assert.True(store.IsFrozen("hidden.weight"));
        Assert.True(store.IsFrozen("hidden.bias"));
        Assert.False(store.IsFrozen("hidden2.weight"));
        Assert.False(store.IsFrozen("hidden2.bias"));
        Assert.True(store.IsFrozen(0));
        Assert.False(store.IsFrozen(2));

        Assert.Equal(1, store.Freeze("blocks.0"));
        Assert.True(store.IsFrozen("blocks.0.gate"));
        Assert.False(store.IsFrozen("blocks.01.gate"));
        Assert.Equal(2, store.Freeze("blocks"));   // a module prefix matches everything under it
        Assert.True(store.IsFrozen("blocks.01.gate"));

        Assert.Equal(1, store.Freeze("hidden2.bias"));
        Assert.False(store.IsFrozen("hidden2.weight"));
        Assert.True(store.IsFrozen("hidden2.bias"));

        Assert.Equal(1, store.Unfreeze("hidden.bias"));
        Assert.True(store.IsFrozen("hidden.weight"));
        Assert.False(store.IsFrozen("hidden.bias"));
        Assert.False(store.IsFrozen("out.weight"));
    }

    [Theory]
    [InlineData("nothing")]
    [InlineData("hid")]          // not a whole segment
    [InlineData("hidden.")]      // a trailing dot names no segment
    [InlineData("hidden.weigh")]
    public void AnUnknownNameThrowsListingTheNames(string name)
    {
        var store = LayeredStore();
        var e = Assert.Throws<KeyNotFoundException>(() => store.Freeze(name));
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        foreach (var p in store.Layout) Assert.Contains(p.Name, e.Message, StringComparison.Ordinal);
        Assert.Throws<KeyNotFoundException>(() => store.Unfreeze(name));
        for (int i = 0; i < store.Layout.Count; i++) Assert.False(store.IsFrozen(i));
    }

    [Fact]
    public void IsFrozenOfAnUnknownNameThrowsListingTheNames()
    {
        var store = LayeredStore();
        var e = Assert.Throws<KeyNotFoundException>(() => store.IsFrozen("hidden"));
        Assert.Contains("hidden.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("out.weight", e.Message, StringComparison.Ordinal);
        Assert.ThrowsAny<ArgumentException>(() => store.Freeze(""));
    }

    [Fact]
    public void FrozenParametersDoNotCountInClipping()
    {
        var store = TrainingFixtures.Store(("frozen", [4]), ("free", [2]));
        store.Values.AsSpan().Fill(1f);
        store.Gradients.AsSpan(0, 4).Fill(100f);
        store.Gradients[4] = 0.3f; store.Gradients[5] = 0.4f;   // norm 0.5, under the limit
        store.Freeze("frozen");
        var optimizer = new Sgd(1f) { MaxGradientNorm = 1f };
        optimizer.Step(store);
        Assert.Equal(0.5f, optimizer.LastGradientNorm, 6);
        // Not clipped: the free parameter moved by the full gradient.
        Assert.Equal(0.7f, store.Values[4], 6);
        Assert.Equal(0.6f, store.Values[5], 6);
        Assert.Equal([1f, 1f, 1f, 1f], store.GetValues("frozen").ToArray());
    }

    [Fact]
    public void FreezingInsideAGeneratedNetworkKeepsThoseParametersDuringTraining()
    {
        var net = new NetCompiler.Definitions.Zoo.ResidualMlpNet(seed: 3);
        Assert.Equal(5, net.Parameters.Freeze("blocks.0"));
        var before = FloatBits.Of(net.Parameters.Values);
        var trainer = new Trainer(net, new Adam(0.01f) { WeightDecay = 0.01f }, new TrainerOptions { Epochs = 1, BatchSize = 16, Seed = 1 });
        trainer.Fit(TrainingFixtures.Blobs("blobs", 64, 5));
        var after = FloatBits.Of(net.Parameters.Values);
        foreach (var p in net.Parameters.Layout)
        {
            var b = before.AsSpan(p.Offset, p.Length).ToArray();
            var a = after.AsSpan(p.Offset, p.Length).ToArray();
            if (p.Name.StartsWith("blocks.0.", StringComparison.Ordinal)) Assert.Equal(b, a);
            else Assert.NotEqual(b, a);
        }
    }
}
