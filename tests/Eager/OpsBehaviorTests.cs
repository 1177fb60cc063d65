using System;
using System.Linq;
using NetCompiler;
using Xunit;

namespace NetCompiler.Tests.Eager;

/// <summary>Semantics beyond gradients: equivalent target forms, extreme inputs, error messages, and gradient
/// accumulation into a <see cref="ParameterStore"/>.</summary>
public class OpsBehaviorTests
{
    private static ParameterStore Store(params (string Name, int[] Shape)[] parameters)
    {
        var layout = new ParameterInfo[parameters.Length];
        int offset = 0;
        for (int i = 0; i < parameters.Length; i++)
        {
            layout[i] = new ParameterInfo(parameters[i].Name, offset, parameters[i].Shape);
            offset += layout[i].Length;
        }
        return new ParameterStore(layout);
    }

    private static float[] Random(int n, int seed, float lo = -2, float hi = 2)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => lo + (hi - lo) * (float)r.NextDouble()).ToArray();
    }

    [Theory, InlineData(1), InlineData(3)]
    public void CrossEntropyClassIndicesAgreeWithOneHotProbabilities(int batch)
    {
        const int rows = 4, classes = 5;
        var store = Store(("z", [rows, classes]));
        Random(rows * classes, 11).CopyTo(store.Values, 0);
        var r = new Random(12);
        var indices = new float[batch * rows];
        var oneHot = new float[batch * rows * classes];
        for (int i = 0; i < indices.Length; i++)
        {
            int c = r.Next(classes);
            indices[i] = c;
            oneHot[i * classes + c] = 1f;
        }
        // Per-sample logits: an unbatched parameter plus a batched offset, so samples differ.
        var offsets = Tensor.FromBatch(Random(batch * rows * classes, 13), batch, rows, classes);

        var a = Ops.CrossEntropy(store["z"] + offsets, Tensor.FromBatch(indices, batch, rows, 1));
        a.Backward();
        var gradA = store.Gradients.ToArray();
        store.ZeroGradients();
        var b = Ops.CrossEntropy(store["z"] + offsets, Tensor.FromBatch(oneHot, batch, rows, classes));
        b.Backward();
        var gradB = store.Gradients.ToArray();

        Assert.Equal(batch, a.Batch);
        Assert.Empty(a.Shape);
        for (int s = 0; s < batch; s++) Assert.Equal(a.Values[s], b.Values[s], 5);
        for (int i = 0; i < gradA.Length; i++) Assert.Equal(gradA[i], gradB[i], 6);
        Assert.Contains(gradA, g => g != 0f);
    }

    [Fact]
    public void CrossEntropyRejectsBadClassIndices()
    {
        var z = Tensor.FromBatch(new float[6], 1, 2, 3);
        var ex = Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(z, Tensor.FromBatch(new[] { 1f, 3f }, 1, 2, 1)));
        Assert.Contains("[0, 3)", ex.Message);
        Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(z, Tensor.FromBatch(new[] { 1.5f, 0f }, 1, 2, 1)));
        Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(z, Tensor.FromBatch(new[] { -1f, 0f }, 1, 2, 1)));
    }

    [Fact]
    public void BinaryCrossEntropyIsFiniteAtZeroAndOne()
    {
        var store = Store(("y", [6]));
        float[] y = [0f, 1f, 1e-30f, 1f - 6e-8f, 0f, 1f];
        float[] t = [1f, 0f, 1f, 0f, 0f, 1f];
        y.CopyTo(store.Values, 0);
        var loss = Ops.BinaryCrossEntropy(store["y"], Tensor.Constant(t, 6));
        loss.Backward();
        Assert.True(float.IsFinite(loss.Item), $"loss {loss.Item}");
        // The two clamped terms contribute 100 each; the confident correct ones nearly 0.
        Assert.InRange(loss.Item, (200 + 69) / 6f - 3f, (200 + 69 + 17) / 6f + 1f);
        Assert.All(store.Gradients, g => Assert.True(float.IsFinite(g), $"gradient {g}"));
        // Right answers at the ends give (almost) no gradient; wrong ones push the right way.
        Assert.True(store.Gradients[0] < 0 && store.Gradients[1] > 0);
        Assert.Equal(0f, store.Gradients[4]);
        Assert.Equal(0f, store.Gradients[5]);

        // Through a strongly saturated sigmoid the gradient is still the usual (sigmoid(z) - t) / n (as long as
        // y (1 - y) stays above the 1e-12 floor of the denominator, |z| up to about 27).
        var z = Store(("z", [2]));
        new[] { -20f, 15f }.CopyTo(z.Values, 0);
        var l2 = Ops.BinaryCrossEntropy(Ops.Sigmoid(z["z"]), Tensor.Constant([1f, 0f], 2));
        l2.Backward();
        Assert.True(float.IsFinite(l2.Item));
        Assert.Equal(-0.5f, z.Gradients[0], 4);
        Assert.Equal(0.5f, z.Gradients[1], 4);
    }

    [Fact]
    public void SoftmaxOfHugeLogitsIsFinite()
    {
        var y = Ops.Softmax(Tensor.Constant([1000f, 999f, -1000f], 3));
        Assert.All(y.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.Equal(1f / (1f + MathF.Exp(-1f)), y.Values[0], 5);
        var l = Ops.CrossEntropy(Tensor.Constant([1000f, -1000f], 2), Tensor.Constant([1f], 1));
        Assert.Equal(2000f, l.Item, 2);
    }

    // ---- shape errors name the op and both shapes -----------------------------------------------------------

    private static void ThrowsWithShapes(Func<Tensor> op, params string[] parts)
    {
        var ex = Assert.Throws<ArgumentException>(() => op());
        foreach (var part in parts) Assert.Contains(part, ex.Message);
    }

    [Fact]
    public void ShapeErrorsShowBothShapesAndTheOp()
    {
        var a23 = Tensor.FromBatch(new float[12], 2, 2, 3);
        var a2 = Tensor.Constant(new float[2], 2);
        var a32 = Tensor.FromBatch(new float[18], 3, 3, 2);
        ThrowsWithShapes(() => a23 + a2, "Add", "[2, 3]", "[2]");
        ThrowsWithShapes(() => a2 - a23, "Subtract", "[2, 3]", "[2]");
        ThrowsWithShapes(() => a23 * Tensor.Constant(new float[6], 3, 2), "Multiply", "[2, 3]", "[3, 2]");
        ThrowsWithShapes(() => a23 + a32, "Add", "batch 2", "batch 3");
        ThrowsWithShapes(() => a23 - Tensor.Constant(new float[6], 3, 2), "Subtract", "[2, 3]", "[3, 2]", "equal or one of them 1");
        ThrowsWithShapes(() => Ops.Where(Tensor.Constant(new float[2], 2, 1), a23, Tensor.Constant(new float[3], 3, 1)), "Where", "[2, 1]", "[2, 3]", "[3, 1]");
        ThrowsWithShapes(() => Ops.MatMul(a23, Tensor.Constant(new float[8], 2, 4)), "MatMul", "[2, 3]", "[2, 4]");
        ThrowsWithShapes(() => Ops.MatMul(Tensor.FromBatch(new float[24], 1, 2, 3, 4), Tensor.Constant(new float[24], 3, 4, 2)), "MatMul", "[2]", "[3]");
        ThrowsWithShapes(() => Ops.MatMul(a23, Tensor.Scalar(1f)), "MatMul", "[2, 3]", "[]");
        ThrowsWithShapes(() => Ops.Linear(a23, Tensor.Constant(new float[8], 4, 2), null), "Linear", "[2, 3]", "[4, 2]");
        ThrowsWithShapes(() => Ops.Linear(a23, Tensor.Constant(new float[12], 4, 3), Tensor.Constant(new float[3], 3)), "Linear", "[4, 3]", "[3]");
        ThrowsWithShapes(() => Ops.Transpose(a2), "Transpose", "[2]");
        ThrowsWithShapes(() => Ops.Softmax(Tensor.Scalar(1f)), "Softmax", "[]");
        ThrowsWithShapes(() => Ops.BinaryCrossEntropy(a23, a2), "BinaryCrossEntropy", "[2, 3]", "[2]");
        ThrowsWithShapes(() => Ops.MeanSquaredError(a23, a32), "MeanSquaredError", "[2, 3]", "[3, 2]");
        ThrowsWithShapes(() => Ops.QuadraticCost(a2, a23), "QuadraticCost", "[2, 3]", "[2]");
        ThrowsWithShapes(() => Ops.CrossEntropy(a23, a2), "CrossEntropy", "[2, 3]", "[2]");
        ThrowsWithShapes(() => Ops.CrossEntropy(a23, Tensor.FromBatch(new float[8], 2, 2, 2)), "CrossEntropy", "[2, 3]", "[2, 2]");
    }

    // ---- parameters ------------------------------------------------------------------------------------------

    [Fact]
    public void ParameterGradientsAccumulateIntoTheStore()
    {
        var store = Store(("w", [2, 3]), ("b", [2]));
        Random(6, 1).CopyTo(store.Values, 0);
        Random(2, 2).CopyTo(store.Values, 6);
        var x = Tensor.FromBatch(Random(9, 3), 3, 3);
        var dense = new Dense(store["w"], store["b"]);
        Assert.Same(store["w"], dense.Weight);

        Ops.Sum(dense.Forward(x)).Backward();
        var once = store.Gradients.ToArray();
        // d/dW of mean_s sum_o (W x_s + b)_o = mean_s x_s per row; d/db = 1.
        var xv = x.ToArray();
        for (int o = 0; o < 2; o++)
            for (int i = 0; i < 3; i++)
                Assert.Equal((xv[i] + xv[3 + i] + xv[6 + i]) / 3f, store.GetGradients("w")[o * 3 + i], 5);
        Assert.Equal(new[] { 1f, 1f }, store.GetGradients("b").ToArray());

        // A second backward adds (+=), and a parameter used twice receives both contributions.
        Ops.Sum(dense.Forward(x) + dense.Forward(x)).Backward();
        for (int i = 0; i < once.Length; i++) Assert.Equal(3 * once[i], store.Gradients[i], 5);

        store.ZeroGradients();
        Assert.All(store.Gradients, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void ConstantsAndInputsGetNoTape()
    {
        var x = Tensor.FromBatch(new[] { 1f, 2f }, 1, 2);
        var y = Ops.Tanh(x * 2f + Tensor.Constant([1f, 1f], 2));
        Assert.False(y.RequiresGrad);
        Assert.Throws<InvalidOperationException>(() => Ops.Sum(y).Backward());
    }
}
