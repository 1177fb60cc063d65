using NetCompiler;
using static NetCompiler.Ops;

namespace NetCompiler.Tests.Attention;

/// <summary>A T5-style encoder-decoder written as a user would, with sizes other than the zoo's T5Translator (width 12,
/// 3 heads of 4, feed-forward 20, one layer each, a source of 6 and a target of 5 ids from 9, 8 buckets beyond distance
/// 6): RMS norms, relative position biases (bidirectional in the encoder, one-sided in the decoder), scale 1, the
/// source's padding (id 0) masked in both attentions over it, a ReLU feed-forward network, an untied head, and a loss
/// that ignores target id 0. No dropout: T5Reference compares the training pass's values and gradients.</summary>
[Network]
public partial class UserT5Net
{
    public const int Width = 12, Heads = 3, Hidden = 20, Source = 6, Target = 5, Vocabulary = 9, Buckets = 8, MaxDistance = 6;

    [Embedding(Vocabulary, Width)] Embedding shared;
    [Embedding(Buckets, Heads)] Embedding encoder_bias;
    [Embedding(Buckets, Heads)] Embedding decoder_bias;
    [RmsNorm(Width)] RmsNorm encoder_norm, encoder_ff_norm, encoder_final_norm, self_norm, cross_norm, ff_norm, final_norm;
    [Dense(Width, Width, Bias = false)] Dense eq, ek, ev, eo, sq, sk, sv, so, cq, ck, cv, co;
    [Dense(Width, Hidden, Bias = false)] Dense ewi, wi;
    [Dense(Hidden, Width, Bias = false)] Dense ewo, wo;
    [Dense(Width, Vocabulary, Bias = false)] Dense lm_head;

    [Forward]
    Tensor Forward([Shape(Source)] Tokens source, [Shape(Target)] Tokens target)
    {
        var x = shared.Forward(source);
        var h = encoder_norm.Forward(x);
        var encoderBias = RelativePositionBias(encoder_bias.Weight, Source, Source, bidirectional: true, maxDistance: MaxDistance);
        x = x + eo.Forward(Ops.Attention(eq.Forward(h), ek.Forward(h), ev.Forward(h), Heads, keyIds: source, padId: 0, bias: encoderBias, scale: 1f));
        x = x + ewo.Forward(Relu(ewi.Forward(encoder_ff_norm.Forward(x))));
        var memory = encoder_final_norm.Forward(x);

        var y = shared.Forward(target);
        var decoderBias = RelativePositionBias(decoder_bias.Weight, Target, Target, bidirectional: false, maxDistance: MaxDistance);
        h = self_norm.Forward(y);
        y = y + so.Forward(Ops.Attention(sq.Forward(h), sk.Forward(h), sv.Forward(h), Heads, causal: true, bias: decoderBias, scale: 1f));
        y = y + co.Forward(Ops.Attention(cq.Forward(cross_norm.Forward(y)), ck.Forward(memory), cv.Forward(memory), Heads, keyIds: source, padId: 0, scale: 1f));
        y = y + wo.Forward(Relu(wi.Forward(ff_norm.Forward(y))));
        return lm_head.Forward(final_norm.Forward(y));
    }

    [Loss] static Tensor Loss(Tensor logits, [Shape(Target)] Tokens next) => CrossEntropy(logits, next, ignoreIndex: 0);
}
