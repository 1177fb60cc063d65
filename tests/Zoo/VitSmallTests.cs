using System.Linq;
using NetCompiler.Definitions.Zoo;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>The zoo's Vision Transformer: compiled == interpreted (outputs, loss, every gradient) with the class token
/// and positions concatenated and added to every sample's patches, and every patch reaching the class token's output.</summary>
public class VitSmallTests
{
    [Fact]
    public void Compiled_trains_as_the_interpreter()
    {
        var compiled = new VitSmall(seed: 3);
        var interpreted = new VitSmall(seed: 3);
        var rng = new Rng(4);
        const int batch = 3;
        var x = CompiledVsInterpretedTests.Inputs(compiled, batch, rng);
        var t = Enumerable.Range(0, batch).Select(_ => (float)rng.NextInt(10)).ToArray();
        for (int step = 0; step < 2; step++)
        {
            CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch, 3e-5);   // CharGptTests' bound: three blocks
            compiled.TrainStep(x, t, batch, 0.05f);
            Interpreter.TrainStep(interpreted, x, t, batch, 0.05f);
        }
    }

    [Fact]
    public void Every_patch_reaches_the_class_token()
    {
        var net = new VitSmall(seed: 5);
        var x = CompiledVsInterpretedTests.Inputs(net, 1, new Rng(6));
        var y = new float[10];
        net.Infer(x, y, 1);
        for (int patch = 0; patch < 16; patch++)
        {
            var changed = (float[])x.Clone();
            int row = patch / 4 * 7 + 3, column = patch % 4 * 7 + 3;   // the centre pixel of the patch
            changed[row * 28 + column] += 1f;
            var z = new float[10];
            net.Infer(changed, z, 1);
            Assert.True(!y.SequenceEqual(z), $"patch {patch} does not change the logits");
        }
    }
}
