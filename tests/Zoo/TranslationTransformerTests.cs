using System.Linq;
using NetCompiler.Definitions.Zoo;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>The zoo's encoder-decoder <see cref="TranslationTransformer"/> and its <see cref="TransformerEncoderLayer"/> /
/// <see cref="TransformerDecoderLayer"/>: PyTorch's parameter names and shapes, training as the interpreter does (dropout
/// masks included), the decoder's causal mask and its cross-attention to every source position. (Its values are checked
/// against float64 on a user-written twin of other sizes: UserTransformerReferenceTests.)</summary>
public class TranslationTransformerTests
{
    private const int S = TranslationTransformer.SourceLength, T = TranslationTransformer.TargetLength, V = TranslationTransformer.TargetVocabulary;

    [Fact]
    public void Parameters_follow_PyTorch()
    {
        var layout = new TranslationTransformer(seed: 1).Parameters.Layout.ToDictionary(p => p.Name, p => string.Join(", ", p.Shape));
        // nn.TransformerEncoderLayer(32, 4, 128).state_dict() and nn.TransformerDecoderLayer's, under encoder.i / decoder.i.
        string[] encoder = ["self_attn.in_proj_weight [96, 32]", "self_attn.in_proj_bias [96]", "self_attn.out_proj.weight [32, 32]",
            "self_attn.out_proj.bias [32]", "linear1.weight [128, 32]", "linear1.bias [128]", "linear2.weight [32, 128]", "linear2.bias [32]",
            "norm1.weight [32]", "norm1.bias [32]", "norm2.weight [32]", "norm2.bias [32]"];
        string[] decoder = [.. encoder, "multihead_attn.in_proj_weight [96, 32]", "multihead_attn.in_proj_bias [96]",
            "multihead_attn.out_proj.weight [32, 32]", "multihead_attn.out_proj.bias [32]", "norm3.weight [32]", "norm3.bias [32]"];
        string[] expected = [.. encoder.Select(e => "encoder.1." + e), .. decoder.Select(d => "decoder.1." + d),
            "src_tok_emb.weight [40, 32]", "tgt_tok_emb.weight [30, 32]", "tgt_pos_emb.weight [8, 32]", "encoder_norm.weight [32]", "decoder_norm.weight [32]"];
        var actual = layout.Select(p => $"{p.Key} [{p.Value}]").ToHashSet();
        foreach (string e in expected) Assert.Contains(e, actual);
        var layer1 = actual.Where(a => a.StartsWith("encoder.1.") || a.StartsWith("decoder.1.")).Count();
        Assert.Equal(encoder.Length + decoder.Length, layer1);             // nothing else in a layer
        // No head parameter: the head is tgt_tok_emb (tied).
        Assert.Equal(["decoder", "decoder_norm", "encoder", "encoder_norm", "src_tok_emb", "tgt_pos_emb", "tgt_tok_emb"],
            layout.Keys.Select(n => n.Split('.')[0]).Distinct().Order());
    }

    /// <summary>Three steps on a partial tile (CompiledVsInterpretedTests runs one pass over 1, 3 and 35 samples): the
    /// dropout masks of each step, every gradient nonzero, the parameters after the updates.</summary>
    [Fact]
    public void Compiled_network_trains_as_the_interpreter() =>
        CompiledVsInterpretedTests.AssertTrainsAsInterpreter(() => new TranslationTransformer(seed: 5), nameof(TranslationTransformer), batches: [3]);

    /// <summary>Target position i sees targets 0..i only, and every position sees the whole source.</summary>
    [Fact]
    public void Decoder_is_causal_over_the_target_and_attends_to_the_whole_source()
    {
        var net = new TranslationTransformer(seed: 2);
        var rng = new Rng(3);
        var x = CompiledVsInterpretedTests.Inputs(net, 1, rng);
        var y = Infer(net, x);

        var laterTarget = (float[])x.Clone();
        laterTarget[S + T - 1] = (laterTarget[S + T - 1] + 1) % V;            // the last target token
        var z = Infer(net, laterTarget);
        Assert.Equal(y[..((T - 1) * V)], z[..((T - 1) * V)]);                // positions 0..T-2 unchanged, bit for bit
        Assert.NotEqual(y[((T - 1) * V)..], z[((T - 1) * V)..]);

        var lastSource = (float[])x.Clone();
        lastSource[S - 1] = (lastSource[S - 1] + 1) % TranslationTransformer.SourceVocabulary;
        var w = Infer(net, lastSource);
        for (int i = 0; i < T; i++) Assert.NotEqual(y[(i * V)..((i + 1) * V)], w[(i * V)..((i + 1) * V)]);
    }

    private static float[] Infer(INetwork net, float[] x)
    {
        var y = new float[T * V];
        net.Infer(x, y, 1);
        return y;
    }
}
