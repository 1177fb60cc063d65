using System;
using System.Linq;
using NetCompiler.Definitions.Zoo;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>W5, the zoo's character-level GPT: compiled == interpreted (outputs, loss, every gradient, and the parameters
/// after AdamW steps), causal (a position's logits ignore later characters), and nanoGPT's / PyTorch's parameter names.</summary>
public class CharGptTests
{
    /// <summary>The compiled-vs-interpreted bound (of the element plus the tensor's largest magnitude, see
    /// <c>CompiledVsInterpretedTests</c>), 3x the shallow networks' 1e-5: two blocks of LayerNorm, attention and GEMMs over
    /// 64 rows sum in other orders in the two paths (measured: 1.1e-5 on a LayerNorm weight's gradient).</summary>
    // The second step compares gradients after an AdamW step that turned noise-level first-step gradients (rounded
    // differently on the two paths) into steps of the learning rate: h.0.mlp.c_fc.weight then differs by up to 2.9e-5,
    // 3.1e-5 and 3.2e-5 of its largest gradient at batch 3 with the attention backward's rowsum(dO O) summed in float
    // one term at a time, in registers, or in double (equally valid roundings), so the bound sits above that band.
    private const double Relative = 6e-5;

    private static float[] Ids(Rng rng, int batch) => Enumerable.Range(0, batch * CharGpt.Context).Select(_ => (float)rng.NextInt(CharGpt.Vocabulary)).ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Compiled_trains_as_the_interpreter(int batch)
    {
        var compiled = new CharGpt(seed: 3);
        var interpreted = new CharGpt(seed: 3);
        var rng = new Rng(11);
        var x = Ids(rng, batch);
        var next = Ids(rng, batch);
        var a = new AdamW(3e-4f);
        var b = new AdamW(3e-4f);
        for (int step = 0; step < 2; step++)
        {
            CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, next, batch, Relative);
            compiled.TrainStep(x, next, batch, a);
            Interpreter.TrainStep(interpreted, x, next, batch, b);
        }
        // The key block of in_proj_bias adds one constant to a row of scores, which softmax ignores: its gradient is zero
        // up to rounding, and Adam scales that noise to steps of the learning rate with either sign. Compare the rest.
        var keyBias = compiled.Parameters.Layout.Where(p => p.Name.EndsWith("attn.in_proj_bias"))
            .SelectMany(p => Enumerable.Range(p.Offset + CharGpt.Width, CharGpt.Width)).ToHashSet();
        float[] Rest(float[] values) => values.Where((_, i) => !keyBias.Contains(i)).ToArray();
        Assert.Equal(2 * CharGpt.Width, keyBias.Count);
        CompiledVsInterpretedTests.AssertClose(Rest(interpreted.Parameters.Values), Rest(compiled.Parameters.Values), "parameters after two AdamW steps", Relative);
    }

    [Fact]
    public void Logits_at_a_position_ignore_later_characters()
    {
        var net = new CharGpt(seed: 4);
        var x = Ids(new Rng(5), 2);
        for (int i = 0; i < 30; i++) x[CharGpt.Context + i] = x[i];   // sample 1 shares sample 0's first 30 characters
        var y = new float[2 * CharGpt.Context * CharGpt.Vocabulary];
        net.Infer(x, y, 2);
        int shared = 30 * CharGpt.Vocabulary, second = CharGpt.Context * CharGpt.Vocabulary;
        Assert.Equal(y.AsSpan(0, shared).ToArray(), y.AsSpan(second, shared).ToArray());
        Assert.NotEqual(y.AsSpan(shared, CharGpt.Vocabulary).ToArray(), y.AsSpan(second + shared, CharGpt.Vocabulary).ToArray());
    }

    [Fact]
    public void Parameters_have_nanoGPT_and_PyTorch_names()
    {
        var names = new CharGpt(seed: 1).Parameters.Layout.Select(p => $"{p.Name} [{string.Join(", ", p.Shape)}]").ToArray();
        Assert.Equal(new[]
        {
            "wte.weight [65, 64]", "wpe.weight [64, 64]",
            "h.0.ln_1.weight [64]", "h.0.ln_1.bias [64]",
            "h.0.attn.in_proj_weight [192, 64]", "h.0.attn.in_proj_bias [192]", "h.0.attn.out_proj.weight [64, 64]", "h.0.attn.out_proj.bias [64]",
            "h.0.ln_2.weight [64]", "h.0.ln_2.bias [64]",
            "h.0.mlp.c_fc.weight [256, 64]", "h.0.mlp.c_fc.bias [256]", "h.0.mlp.c_proj.weight [64, 256]", "h.0.mlp.c_proj.bias [64]",
        }, names.Take(14));
        Assert.Equal(new[] { "ln_f.weight [64]", "ln_f.bias [64]", "lm_head.weight [65, 64]" }, names.TakeLast(3));
        Assert.Equal(2 + 2 * 12 + 3, names.Length);
    }
}
