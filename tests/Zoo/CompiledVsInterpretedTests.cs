using System;
using System.Linq;
using System.Reflection;
using NetCompiler.Definitions.Seeds;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>Differential tests over every network in definitions/: the compiled code and the interpreted
/// path agree on outputs, losses and every gradient, on the same parameters.</summary>
public class CompiledVsInterpretedTests
{
    public static TheoryData<string> Networks()
    {
        var data = new TheoryData<string>();
        foreach (var t in ZooTypes()) data.Add(t.FullName!);
        return data;
    }

    private static Type[] ZooTypes() => typeof(Seed000Net).Assembly.GetTypes()
        .Where(t => t.GetCustomAttribute<NetworkAttribute>() is not null && typeof(INetwork).IsAssignableFrom(t))
        .OrderBy(t => t.FullName, StringComparer.Ordinal).ToArray();

    [Fact]
    public void TheZooIsNotEmpty() => Assert.True(ZooTypes().Length >= 9, $"found {ZooTypes().Length} networks");

    [Theory, MemberData(nameof(Networks))]
    public void CompiledMatchesInterpreted(string typeName)
    {
        var type = typeof(Seed000Net).Assembly.GetType(typeName)!;
        var rng = new Rng(11);
        // 35: a full tile of 32 and a partial one. ResNetSmall's interpreted pass costs about a second per ten samples
        // (and ten times that on the portable path): two samples there; ResidualConvNet covers its blocks over a tile.
        // FortuneGpt likewise (35 samples took 18 s here, several minutes on the portable path): CharGpt and UserGpt
        // cover the same ops over tiles and batches split across the cores.
        // BertMlm and BertClassifier too (BertTests covers them at batches 1 and 2 on realistic masked sequences), and
        // T5Translator (T5TranslatorTests: batch 2 and a step; at 35 its shared embedding's gradient, summed over 35 x 44
        // rows and both stacks, differed by 1.1e-5 of the largest on the AVX2 path, the summation order's rounding).
        int[] batches = type == typeof(NetCompiler.Definitions.Zoo.ResNetSmall) || type == typeof(NetCompiler.Definitions.Zoo.FortuneGpt)
            || type == typeof(NetCompiler.Definitions.Zoo.BertMlm) || type == typeof(NetCompiler.Definitions.Zoo.BertClassifier)
            || type == typeof(NetCompiler.Definitions.Zoo.T5Translator) ? [2] : [1, 3, 35];
        foreach (int batch in batches)
        {
            var compiled = (INetwork)Activator.CreateInstance(type, 5)!;
            var interpreted = (INetwork)Activator.CreateInstance(type, 5)!;
            int outputSize = Size(compiled.OutputShape);
            var x = Inputs(compiled, batch, rng);
            var t = Targets(compiled, batch, rng);

            var yc = new float[batch * outputSize];
            var yi = new float[batch * outputSize];
            compiled.Infer(x, yc, batch);
            Interpreter.Infer(interpreted, x, yi, batch);
            AssertClose(yi, yc, $"{type.Name} outputs, batch {batch}");

            if (type.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
                .All(m => m.GetCustomAttribute<LossAttribute>() is null)) continue;
            float lc = compiled.ComputeGradients(x, t, batch);
            float li = Interpreter.ComputeGradients(interpreted, x, t, batch);
            AssertClose(new[] { li }, new[] { lc }, $"{type.Name} loss, batch {batch}");
            foreach (var p in compiled.Parameters.Layout)
            {
                if (GradientIsZero(p.Name))
                {
                    AssertNegligible(compiled, interpreted, p.Name);
                    continue;
                }
                AssertClose(interpreted.Parameters.GetGradients(p.Name).ToArray(), compiled.Parameters.GetGradients(p.Name).ToArray(),
                    $"{type.Name} d loss / d {p.Name}, batch {batch}");
            }
        }
    }

    private static int Size(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    /// <summary>A flat input buffer for <paramref name="net"/>: values in [-1, 1), ids below each input's IdCount.</summary>
    internal static float[] Inputs(INetwork net, int batch, Rng rng)
    {
        int size = Size(net.InputShape);
        var x = new float[batch * size];
        for (int s = 0; s < batch; s++)
            foreach (var input in net.Inputs)
                for (int i = 0; i < input.Size; i++)
                    x[s * size + input.Offset + i] = input.Kind == InputKind.Tokens ? rng.NextInt(Math.Max(input.IdCount, 1)) : rng.NextFloat() * 2 - 1;
        return x;
    }

    /// <summary>Targets for <paramref name="net"/>: class indices ([..., 1] against [..., C] logits, or a <c>Tokens</c>
    /// target) are integers in [0, C); other targets lie in [0, 1).</summary>
    internal static float[] Targets(INetwork net, int batch, Rng rng)
    {
        int classes = net.OutputShape[^1];
        bool indices = (net.TargetShape[^1] == 1 || net.Target.Kind == InputKind.Tokens) && classes > 1;
        return Enumerable.Range(0, batch * Size(net.TargetShape)).Select(_ => indices ? rng.NextInt(classes) : rng.NextFloat()).ToArray();
    }

    /// <summary>Two networks made by <paramref name="create"/> (same type, same seed), one compiled and one interpreted,
    /// train alike: for each of <paramref name="batches"/> (by default a batch of one, a partial tile and a full tile plus
    /// a partial one), outputs, loss and every gradient agree (<see cref="AssertSameAsInterpreter"/>) before each of three
    /// SGD steps (learning rate 0.1), and the parameters agree after them.</summary>
    internal static void AssertTrainsAsInterpreter(Func<INetwork> create, string what, double relative = 1e-5, int[]? batches = null)
    {
        foreach (int batch in batches ?? [1, 3, 35])
        {
            var compiled = create();
            var interpreted = create();
            var rng = new Rng((ulong)(7 + batch));
            var x = Inputs(compiled, batch, rng);
            var t = Targets(compiled, batch, rng);
            for (int step = 0; step < 3; step++)
            {
                AssertSameAsInterpreter(compiled, interpreted, x, t, batch, relative);
                compiled.TrainStep(x, t, batch, 0.1f);
                Interpreter.TrainStep(interpreted, x, t, batch, 0.1f);
            }
            AssertClose(interpreted.Parameters.Values, compiled.Parameters.Values, $"{what} parameters after training, batch {batch}", relative);
        }
    }

    /// <summary>The two paths run the same element-wise math (the same SimdMath / ScalarMath calls, bit for bit:
    /// EagerMathParityTests) and the same formulas, so they differ only where a sum is taken in another order:
    /// dot products (generated straight-line FMA chains, per-output dot products or TileGemm's register blocks
    /// against the eager GEMM's TensorPrimitives loops) and reductions (generated four-accumulator loops against
    /// TensorPrimitives.Sum). Two orders of a k-term sum differ by up to about k eps sum|terms|, which is small
    /// relative to the result unless the terms cancel, and then it is small relative to the terms, whose size the
    /// largest magnitude in the tensor stands for. Hence 1e-5 of the element plus 1e-5 of that largest magnitude.
    /// Measured over the zoo, the split and tiled networks and the SGD steps, in the three ISA modes: the largest
    /// difference is 4.3e-6 of (|element| + largest), a gradient of the 40-layer SplitTiled in portable mode (GEMM
    /// order, compounded over the layers); it was 1.4e-5 (SplitLossTiled's 150 tanh) while the eager path used
    /// TensorPrimitives' transcendentals, which this bound rejects.</summary>
    /// <summary>The compiled <paramref name="compiled"/> and the interpreted <paramref name="interpreted"/> (same type, same
    /// initial parameters) agree on outputs, loss and every parameter's gradient, and every gradient is nonzero somewhere
    /// (a gradient that never flows would agree trivially).</summary>
    internal static void AssertSameAsInterpreter(INetwork compiled, INetwork interpreted, float[] x, float[] t, int batch, double relative = 1e-5)
    {
        int outputSize = Size(compiled.OutputShape);
        var yc = new float[batch * outputSize];
        var yi = new float[batch * outputSize];
        compiled.Infer(x, yc, batch);
        Interpreter.Infer(interpreted, x, yi, batch);
        AssertClose(yi, yc, "outputs", relative);
        float lc = compiled.ComputeGradients(x, t, batch), li = Interpreter.ComputeGradients(interpreted, x, t, batch);
        AssertClose([li], [lc], "loss", relative);
        foreach (var p in compiled.Parameters.Layout)
        {
            if (GradientIsZero(p.Name))
            {
                AssertNegligible(compiled, interpreted, p.Name);
                continue;
            }
            var g = compiled.Parameters.GetGradients(p.Name).ToArray();
            Assert.True(g.Any(v => v != 0f), $"d loss / d {p.Name} is zero everywhere");
            AssertClose(interpreted.Parameters.GetGradients(p.Name).ToArray(), g, "d loss / d " + p.Name, relative);
        }
    }

    /// <summary>Whether the gradient of parameter <paramref name="name"/> is 0 in exact arithmetic: a key projection's bias
    /// (BERT's <c>attention.self.key.bias</c>) adds q.b to every score of a softmax row, which the softmax ignores. Both
    /// paths give rounding noise there (about 1e-12) that no relative bound can compare (the zoo's other attentions have
    /// keys without bias).</summary>
    internal static bool GradientIsZero(string name) => name.EndsWith(".key.bias", StringComparison.Ordinal);

    /// <summary>The gradient of <paramref name="name"/> is rounding noise on both paths: below 1e-5 of the network's
    /// largest gradient.</summary>
    internal static void AssertNegligible(INetwork compiled, INetwork interpreted, string name)
    {
        foreach (var net in new[] { compiled, interpreted })
        {
            float largest = net.Parameters.Gradients.Max(Math.Abs), noise = net.Parameters.GetGradients(name).ToArray().Max(Math.Abs);
            Assert.True(noise <= 1e-5f * largest, $"d loss / d {name} should be 0 up to rounding: {noise:G3} against the largest gradient {largest:G3}");
        }
    }

    internal static void AssertClose(float[] expected, float[] actual, string what, double relative = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        double largest = 0;
        foreach (float e in expected) largest = Math.Max(largest, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = relative * (Math.Abs(expected[i]) + largest);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"{what}[{i}]: interpreted {expected[i]:G9}, compiled {actual[i]:G9} (tolerance {tolerance:G3})");
        }
    }
}
