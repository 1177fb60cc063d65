using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Zoo;

/// <summary>An encoder-decoder wide enough for the tile products (SequenceGemm: 32 x 32 weights), with the source's
/// padding masked in both attentions over it and a loss that ignores target id 0, so its backward products skip each
/// sample's rows past its last real source id or last counted target (LiveRows).</summary>
[Network]
public partial class PaddedSeq2SeqNet
{
    public const int Width = 32, Heads = 2, Hidden = 64, Source = 7, Target = 6, Vocabulary = 11;

    [Embedding(Vocabulary, Width)] Embedding shared;
    [Embedding(8, Heads)] Embedding decoder_bias;
    [RmsNorm(Width)] RmsNorm encoder_norm, encoder_ff_norm, self_norm, cross_norm, ff_norm, final_norm;
    [Dense(Width, Width, Bias = false)] Dense eq, ek, ev, eo, sq, sk, sv, so, cq, ck, cv, co;
    [Dense(Width, Hidden)] Dense ewi, wi;
    [Dense(Hidden, Width)] Dense ewo, wo;
    [Dense(Width, Vocabulary)] Dense lm_head;

    [Forward]
    Tensor Forward([Shape(Source)] Tokens source, [Shape(Target)] Tokens target)
    {
        var x = shared.Forward(source);
        var h = encoder_norm.Forward(x);
        x = x + eo.Forward(Ops.Attention(eq.Forward(h), ek.Forward(h), ev.Forward(h), Heads, keyIds: source, padId: 0));
        var memory = x + ewo.Forward(Relu(ewi.Forward(encoder_ff_norm.Forward(x))));

        var y = shared.Forward(target);
        var bias = RelativePositionBias(decoder_bias.Weight, Target, Target, bidirectional: false, maxDistance: 6);
        h = self_norm.Forward(y);
        y = y + so.Forward(Ops.Attention(sq.Forward(h), sk.Forward(h), sv.Forward(h), Heads, causal: true, bias: bias));
        y = y + co.Forward(Ops.Attention(cq.Forward(cross_norm.Forward(y)), ck.Forward(memory), cv.Forward(memory), Heads, keyIds: source, padId: 0));
        y = y + wo.Forward(Gelu(wi.Forward(ff_norm.Forward(y))));
        return lm_head.Forward(final_norm.Forward(y));
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(Target)] Tokens next) => CrossEntropy(logits, next, ignoreIndex: 0);
}
