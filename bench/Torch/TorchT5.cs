using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Definitions.Zoo;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

#pragma warning disable IDE1006, IDE0044 // field names are the state_dict names; RegisterComponents reads the fields

/// <summary>The TorchSharp twin of the zoo's <c>T5Translator</c> (W7, <c>definitions/Zoo/T5Translator.cs</c>), written as
/// Hugging Face's <c>T5Model</c> (v1.1) computes it, since that is what a TorchSharp user ports: a <c>shared</c>
/// embedding (not scaled), relative position biases from <see cref="Buckets"/> (a port of HF's
/// <c>_relative_position_bucket</c> in tensor ops) looked up in <c>encoder_relative_attention_bias</c> and
/// <c>decoder_relative_attention_bias</c> once per forward and shared by the stack's layers, the padding and causal
/// masks added to that bias as HF adds them (<c>finfo.min</c>), attention as HF writes it (q k^T, scale 1, + bias,
/// softmax, dropout, times v), pre-norm blocks with T5's RMS norm (<see cref="TorchT5LayerNorm"/>, eps 1e-6), a ReLU
/// <c>DenseReluDense</c>, final norms, an untied <c>lm_head</c>, dropout where the definition has it. The fields carry
/// the definition's names, so the <c>state_dict</c> is NetCompiler's (<c>encoder.0.SelfAttention.q.weight</c>,
/// <c>decoder.2.cross_attention_norm.weight</c>, ...), copied by <see cref="TorchClassifier.CopyInto"/> as it is.
/// <para>Forward: source ids [N, 24] and the decoder's input [N, 20] (int64) -> logits [N, 20, 2048]. The loss is
/// <see cref="Loss"/>: NetCompiler's, per sample. Generation: <see cref="Encode"/> once, then <see cref="DecodeStep"/>
/// per position over a KV cache, or <see cref="DecodeStack"/> over the whole prefix again.</para>
/// <para>Dropout (<see cref="TorchT5Dropout"/>) is libtorch's <c>F.dropout</c> in the timed steps; the agreement check
/// replays NetCompiler's own masks instead, so that the training step itself, dropout included, can be compared.</para></summary>
internal sealed class TorchT5 : Module<TorchTensor, TorchTensor, TorchTensor>
{
    public const int Vocabulary = 2048, SourceLength = 24, TargetLength = 20, Width = 128, Heads = 4, FeedForward = 512, Layers = 3;
    public const int BucketCount = 32, MaxDistance = 128;

    private TorchSharp.Modules.Embedding shared;
    private TorchSharp.Modules.Embedding encoder_relative_attention_bias;
    private TorchSharp.Modules.Embedding decoder_relative_attention_bias;
    private ModuleList<TorchT5EncoderBlock> encoder;
    private TorchT5LayerNorm encoder_final_layer_norm;
    private ModuleList<TorchT5DecoderBlock> decoder;
    private TorchT5LayerNorm decoder_final_layer_norm;
    private Linear lm_head;

    // The buckets of the encoder's [S, S] and the decoder's [T, T] positions, made once (outside inference mode, so that
    // training can use them); they depend on key - query only, so a shorter decoder prefix takes their top-left corner.
    private readonly TorchTensor _encoderBuckets, _decoderBuckets;

    public TorchT5(float dropout) : base(nameof(TorchT5))
    {
        Dropout = new TorchT5Dropout(dropout);
        shared = Embedding(Vocabulary, Width);
        encoder_relative_attention_bias = Embedding(BucketCount, Heads);
        decoder_relative_attention_bias = Embedding(BucketCount, Heads);
        encoder = new ModuleList<TorchT5EncoderBlock>();
        for (int i = 0; i < Layers; i++) encoder.Add(new TorchT5EncoderBlock(Dropout));
        encoder_final_layer_norm = new TorchT5LayerNorm(Width);
        decoder = new ModuleList<TorchT5DecoderBlock>();
        for (int i = 0; i < Layers; i++) decoder.Add(new TorchT5DecoderBlock(Dropout));
        decoder_final_layer_norm = new TorchT5LayerNorm(Width);
        lm_head = Linear(Width, Vocabulary, hasBias: false);
        RegisterComponents();
        _encoderBuckets = Buckets(SourceLength, SourceLength, bidirectional: true, BucketCount, MaxDistance).DetachFromDisposeScope();
        _decoderBuckets = Buckets(TargetLength, TargetLength, bidirectional: false, BucketCount, MaxDistance).DetachFromDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _encoderBuckets.Dispose();
            _decoderBuckets.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>Every dropout of the model (shared: the replayed masks are numbered in the order they are drawn).</summary>
    public TorchT5Dropout Dropout { get; }

    /// <summary>Dropout ops in one training forward, in NetCompiler's numbering: the encoder's input, per encoder layer
    /// the attention weights, the attention output, the feed-forward hidden layer and its output, the encoder's output;
    /// the decoder's input, per decoder layer both attentions' weights and outputs and the feed-forward's two; the head's
    /// input.</summary>
    public const int DropoutOps = 1 + 4 * Layers + 1 + 1 + 6 * Layers + 1;

    public override TorchTensor forward(TorchTensor source, TorchTensor target)
    {
        var (memory, padding) = EncodeStack(source);
        return DecodeStack(target, memory, padding);
    }

    /// <summary>The encoder: source ids [N, S] -> its output [N, S, Width] and the padding's additive mask [N, 1, 1, S]
    /// (0, or <c>float.MinValue</c> where the id is the pad id 0), which the cross-attention reuses.</summary>
    public (TorchTensor Memory, TorchTensor Padding) EncodeStack(TorchTensor source)
    {
        long n = source.shape[0], s = source.shape[1];
        var x = Dropout.Apply(shared.forward(source), training);                                   // [N, S, Width]
        var padding = source.eq(0).view(n, 1, 1, s).to(x.dtype) * float.MinValue;                 // HF: (1 - mask) * finfo.min
        var bias = Bias(encoder_relative_attention_bias, _encoderBuckets, s) + padding;            // [N, heads, S, S]
        foreach (var block in encoder) x = block.forward(x, bias);
        return (Dropout.Apply(encoder_final_layer_norm.forward(x), training), padding);
    }

    /// <summary>The decoder over the whole prefix: its input ids [N, T] -> logits [N, T, Vocabulary].</summary>
    public TorchTensor DecodeStack(TorchTensor target, TorchTensor memory, TorchTensor padding)
    {
        long t = target.shape[1];
        var y = Dropout.Apply(shared.forward(target), training);                                   // [N, T, Width]
        var causal = ones(t, t, dtype: y.dtype, device: y.device).triu(1) * float.MinValue;        // keys after the query
        var bias = Bias(decoder_relative_attention_bias, _decoderBuckets, t) + causal;             // [1, heads, T, T]
        foreach (var block in decoder) y = block.forward(y, bias, memory, padding);
        return lm_head.forward(Dropout.Apply(decoder_final_layer_norm.forward(y), training));
    }

    /// <summary>HF's <c>compute_bias</c>: the bias table looked up at the buckets of key - query for the first
    /// <paramref name="positions"/> queries and keys, [1, heads, positions, positions].</summary>
    private static TorchTensor Bias(TorchSharp.Modules.Embedding table, TorchTensor buckets, long positions) =>
        table.forward(buckets.narrow(0, 0, positions).narrow(1, 0, positions)).permute(2, 0, 1).unsqueeze(0);

    /// <summary>Hugging Face's <c>T5Attention._relative_position_bucket</c> in tensor ops: the bucket of key j from query i
    /// ([queries, keys], int64). Bidirectional: half the buckets per side, the upper half for keys after the query;
    /// one-sided: keys after the query share bucket 0. Exact up to half a side's buckets, then logarithmic in float32 up
    /// to <paramref name="maxDistance"/>.</summary>
    public static TorchTensor Buckets(long queries, long keys, bool bidirectional, int buckets, int maxDistance)
    {
        var relative = arange(keys, dtype: ScalarType.Int64).unsqueeze(0) - arange(queries, dtype: ScalarType.Int64).unsqueeze(1);
        var result = zeros_like(relative);
        int n = buckets;
        if (bidirectional)
        {
            n /= 2;
            result = result + relative.gt(0).to(ScalarType.Int64) * n;
            relative = relative.abs();
        }
        else relative = -minimum(relative, zeros_like(relative));
        int exact = n / 2;
        var small = relative.lt(exact);
        var large = (log(relative.to(ScalarType.Float32) / exact) / Math.Log((double)maxDistance / exact) * (n - exact)).to(ScalarType.Int64) + exact;
        large = minimum(large, full_like(large, n - 1));
        return result + where(small, relative, large);
    }

    /// <summary>A KV cache for one source (batch 1): the encoder's output, each decoder layer's cross-attention keys and
    /// values [1, heads, S, d] (computed once, as HF caches them), self-attention keys and values [1, heads, T, d]
    /// (filled position by position), the padding mask and the decoder's bias for every (query, key) position.</summary>
    public sealed record Cache(TorchTensor[] CrossKeys, TorchTensor[] CrossValues, TorchTensor[] Keys, TorchTensor[] Values,
        TorchTensor Padding, TorchTensor DecoderBias);

    /// <summary>Encodes one source [1, S] and prepares its <see cref="Cache"/>.</summary>
    public Cache Encode(TorchTensor source)
    {
        var (memory, padding) = EncodeStack(source);
        var crossKeys = new TorchTensor[Layers];
        var crossValues = new TorchTensor[Layers];
        for (int i = 0; i < Layers; i++) (crossKeys[i], crossValues[i]) = decoder[i].CrossAttention.KeysValues(memory);
        var keys = Enumerable.Range(0, Layers).Select(_ => zeros(1, Heads, TargetLength, Width / Heads)).ToArray();
        var values = Enumerable.Range(0, Layers).Select(_ => zeros(1, Heads, TargetLength, Width / Heads)).ToArray();
        var bias = Bias(decoder_relative_attention_bias, _decoderBuckets, TargetLength);
        return new Cache(crossKeys, crossValues, keys, values, padding, bias);
    }

    /// <summary>One decoder position over the cache: <paramref name="token"/> [1, 1] at <paramref name="position"/>, its
    /// keys and values written into the cache there, its query over positions 0..position (all earlier or itself: no
    /// causal mask) and over the source; returns its logits [Vocabulary].</summary>
    public TorchTensor DecodeStep(TorchTensor token, int position, Cache cache)
    {
        var y = shared.forward(token);                                                               // [1, 1, Width]
        var bias = cache.DecoderBias.narrow(2, position, 1).narrow(3, 0, position + 1);             // [1, heads, 1, position + 1]
        for (int i = 0; i < Layers; i++)
            y = decoder[i].Step(y, position, bias, cache.Keys[i], cache.Values[i], cache.CrossKeys[i], cache.CrossValues[i], cache.Padding);
        return lm_head.forward(decoder_final_layer_norm.forward(y)).view(Vocabulary);
    }

    /// <summary>NetCompiler's loss (<c>CrossEntropy(logits, next, ignoreIndex: 0)</c> per sample, then the batch mean):
    /// each sample's cross-entropy averaged over its target positions whose id is not 0, a sample with none counting 0;
    /// then the mean over the samples. (<c>cross_entropy(..., ignore_index: 0)</c> alone would average over the kept
    /// positions of the whole batch, weighting long targets more.)</summary>
    public static TorchTensor Loss(TorchTensor logits, TorchTensor next)
    {
        long n = next.shape[0], t = next.shape[1];
        var rows = functional.cross_entropy(logits.view(n * t, -1), next.view(n * t), ignore_index: 0, reduction: Reduction.None).view(n, t);
        var kept = next.ne(0).sum(1).to(rows.dtype).clamp_min(1);
        return (rows.sum(1) / kept).mean();
    }
}

/// <summary>T5's layer norm (HF's <c>T5LayerNorm</c>): <c>x * rsqrt(mean(x^2) + eps) * weight</c>, no mean subtracted,
/// no bias, eps 1e-6.</summary>
internal sealed class TorchT5LayerNorm : Module<TorchTensor, TorchTensor>
{
    private Parameter weight;

    public TorchT5LayerNorm(int width) : base(nameof(TorchT5LayerNorm))
    {
        weight = new Parameter(ones(width));
        RegisterComponents();
    }

    public override TorchTensor forward(TorchTensor x) => x * (x.pow(2).mean([-1], keepdim: true) + 1e-6).rsqrt() * weight;
}

/// <summary>An encoder block: x + dropout(SelfAttention(norm(x))), then x + dropout(DenseReluDense(norm(x))).</summary>
internal sealed class TorchT5EncoderBlock : Module<TorchTensor, TorchTensor, TorchTensor>
{
    private TorchT5LayerNorm self_attention_norm;
    private TorchT5Attention SelfAttention;
    private TorchT5LayerNorm feed_forward_norm;
    private TorchT5FeedForward DenseReluDense;
    private readonly TorchT5Dropout _dropout;

    public TorchT5EncoderBlock(TorchT5Dropout dropout) : base(nameof(TorchT5EncoderBlock))
    {
        _dropout = dropout;
        self_attention_norm = new TorchT5LayerNorm(TorchT5.Width);
        SelfAttention = new TorchT5Attention(dropout);
        feed_forward_norm = new TorchT5LayerNorm(TorchT5.Width);
        DenseReluDense = new TorchT5FeedForward(dropout);
        RegisterComponents();
    }

    /// <summary>x [N, S, Width], the bias with the padding mask [N, heads, S, S].</summary>
    public override TorchTensor forward(TorchTensor x, TorchTensor bias)
    {
        var h = self_attention_norm.forward(x);
        x = x + _dropout.Apply(SelfAttention.forward(h, h, bias), training);
        return x + _dropout.Apply(DenseReluDense.forward(feed_forward_norm.forward(x)), training);
    }
}

/// <summary>A decoder block: causal SelfAttention with the decoder's bias, EncDecAttention over the encoder's output (the
/// padding masked, no bias), DenseReluDense; each pre-norm, dropped out and added.</summary>
internal sealed class TorchT5DecoderBlock : Module<TorchTensor, TorchTensor, TorchTensor, TorchTensor, TorchTensor>
{
    private TorchT5LayerNorm self_attention_norm;
    private TorchT5Attention SelfAttention;
    private TorchT5LayerNorm cross_attention_norm;
    private TorchT5Attention EncDecAttention;
    private TorchT5LayerNorm feed_forward_norm;
    private TorchT5FeedForward DenseReluDense;
    private readonly TorchT5Dropout _dropout;

    public TorchT5DecoderBlock(TorchT5Dropout dropout) : base(nameof(TorchT5DecoderBlock))
    {
        _dropout = dropout;
        self_attention_norm = new TorchT5LayerNorm(TorchT5.Width);
        SelfAttention = new TorchT5Attention(dropout);
        cross_attention_norm = new TorchT5LayerNorm(TorchT5.Width);
        EncDecAttention = new TorchT5Attention(dropout);
        feed_forward_norm = new TorchT5LayerNorm(TorchT5.Width);
        DenseReluDense = new TorchT5FeedForward(dropout);
        RegisterComponents();
    }

    /// <summary>The cross-attention (for the cache's keys and values).</summary>
    public TorchT5Attention CrossAttention => EncDecAttention;

    /// <summary>y [N, T, Width], the decoder's bias with the causal mask [1, heads, T, T], the encoder's output
    /// [N, S, Width] and its padding mask [N, 1, 1, S].</summary>
    public override TorchTensor forward(TorchTensor y, TorchTensor bias, TorchTensor memory, TorchTensor padding)
    {
        var h = self_attention_norm.forward(y);
        y = y + _dropout.Apply(SelfAttention.forward(h, h, bias), training);
        y = y + _dropout.Apply(EncDecAttention.forward(cross_attention_norm.forward(y), memory, padding), training);
        return y + _dropout.Apply(DenseReluDense.forward(feed_forward_norm.forward(y)), training);
    }

    /// <summary>One position y [1, 1, Width] over the caches (inference: no dropout).</summary>
    public TorchTensor Step(TorchTensor y, int position, TorchTensor bias, TorchTensor keys, TorchTensor values,
        TorchTensor crossKeys, TorchTensor crossValues, TorchTensor padding)
    {
        y = y + SelfAttention.Step(self_attention_norm.forward(y), position, bias, keys, values);
        y = y + EncDecAttention.Attend(cross_attention_norm.forward(y), crossKeys, crossValues, padding);
        return y + DenseReluDense.forward(feed_forward_norm.forward(y));
    }
}

/// <summary>T5's attention as HF writes it: q, k, v, o without bias; scores q k^T (not scaled) + the position bias and
/// masks; softmax; dropout of the weights; times v; heads joined; o.</summary>
internal sealed class TorchT5Attention : Module<TorchTensor, TorchTensor, TorchTensor, TorchTensor>
{
    private const int Heads = TorchT5.Heads, D = TorchT5.Width / TorchT5.Heads;
    private Linear q;
    private Linear k;
    private Linear v;
    private Linear o;
    private readonly TorchT5Dropout _dropout;

    public TorchT5Attention(TorchT5Dropout dropout) : base(nameof(TorchT5Attention))
    {
        _dropout = dropout;
        q = Linear(TorchT5.Width, TorchT5.Width, hasBias: false);
        k = Linear(TorchT5.Width, TorchT5.Width, hasBias: false);
        v = Linear(TorchT5.Width, TorchT5.Width, hasBias: false);
        o = Linear(TorchT5.Width, TorchT5.Width, hasBias: false);
        RegisterComponents();
    }

    /// <summary>Queries from x [N, Tq, Width], keys and values from memory [N, Tk, Width]; <paramref name="bias"/>
    /// broadcasts to [N, heads, Tq, Tk] (position bias and masks).</summary>
    public override TorchTensor forward(TorchTensor x, TorchTensor memory, TorchTensor bias)
    {
        var (keys, values) = KeysValues(memory);
        return Attend(x, keys, values, bias);
    }

    /// <summary>memory [N, Tk, Width] -> keys and values [N, heads, Tk, d].</summary>
    public (TorchTensor Keys, TorchTensor Values) KeysValues(TorchTensor memory) => (Split(k.forward(memory)), Split(v.forward(memory)));

    /// <summary>The attention of x's queries over given keys and values [N, heads, Tk, d].</summary>
    public TorchTensor Attend(TorchTensor x, TorchTensor keys, TorchTensor values, TorchTensor bias)
    {
        long n = x.shape[0], t = x.shape[1];
        var scores = Split(q.forward(x)).matmul(keys.transpose(2, 3)) + bias;                        // [N, heads, Tq, Tk]
        var weights = _dropout.Apply(functional.softmax(scores, -1), training);
        return o.forward(weights.matmul(values).transpose(1, 2).reshape(n, t, TorchT5.Width));
    }

    /// <summary>One position x [1, 1, Width]: its key and value into the cache [1, heads, T, d] at
    /// <paramref name="position"/>, then its query over cache rows 0..position.</summary>
    public TorchTensor Step(TorchTensor x, int position, TorchTensor bias, TorchTensor keys, TorchTensor values)
    {
        keys.narrow(2, position, 1).copy_(Split(k.forward(x)));
        values.narrow(2, position, 1).copy_(Split(v.forward(x)));
        return Attend(x, keys.narrow(2, 0, position + 1), values.narrow(2, 0, position + 1), bias);
    }

    private static TorchTensor Split(TorchTensor x) => x.view(x.shape[0], x.shape[1], Heads, D).transpose(1, 2);
}

/// <summary>T5's <c>DenseReluDense</c>: wi, ReLU, dropout, wo; no biases.</summary>
internal sealed class TorchT5FeedForward : Module<TorchTensor, TorchTensor>
{
    private Linear wi;
    private Linear wo;
    private readonly TorchT5Dropout _dropout;

    public TorchT5FeedForward(TorchT5Dropout dropout) : base(nameof(TorchT5FeedForward))
    {
        _dropout = dropout;
        wi = Linear(TorchT5.Width, TorchT5.FeedForward, hasBias: false);
        wo = Linear(TorchT5.FeedForward, TorchT5.Width, hasBias: false);
        RegisterComponents();
    }

    public override TorchTensor forward(TorchTensor x) => wo.forward(_dropout.Apply(functional.relu(wi.forward(x)), training));
}

/// <summary>The twin's dropout: nothing outside training; in training libtorch's <c>F.dropout</c> (the timed steps), or,
/// after <see cref="Replay"/>, NetCompiler's own masks (<see cref="DropoutMasks"/>: the step's key, the op's number in
/// the order the forward draws them, element s n + e of the [N, ...] tensor), so that a training step can be checked
/// against the compiled one exactly.</summary>
internal sealed class TorchT5Dropout(float probability)
{
    private ulong? _stepKey;

    /// <summary>The probability of dropping an element.</summary>
    public float Probability { get; } = probability;

    /// <summary>Ops drawn since <see cref="Replay"/>.</summary>
    public int Ops { get; private set; }

    /// <summary>From now on, draw NetCompiler's masks of the step with key <paramref name="stepKey"/>
    /// (<see cref="DropoutMasks.StepKey"/>), numbering the ops from 0; null: libtorch's dropout again.</summary>
    public void Replay(ulong? stepKey)
    {
        _stepKey = stepKey;
        Ops = 0;
    }

    public TorchTensor Apply(TorchTensor x, bool training)
    {
        if (!training || Probability == 0f) return x;
        if (_stepKey is not { } key) return functional.dropout(x, Probability, training: true);
        int count = checked((int)x.numel());
        var ones = new float[count];
        Array.Fill(ones, 1f);
        var mask = new float[count];
        // Element e of sample s has counter s n + e: the whole batch from counter 0, as one contiguous run.
        DropoutMasks.Forward(ref ones[0], ref mask[0], count, DropoutMasks.OpKey(key, Ops++), 0u, Probability);
        return x * tensor(mask, x.shape).to(x.dtype);
    }
}

/// <summary>A <see cref="TorchT5"/> with a NetCompiler network's weights, trained as a TorchSharp user writes the loop
/// (zero_grad, forward, <see cref="TorchT5.Loss"/>, backward, step, inside a dispose scope) or, without an optimizer, in
/// eval mode for inference. Each instance runs libtorch at its own fixed thread count.</summary>
internal sealed class TorchT5Trainer : IDisposable
{
    private readonly optim.Optimizer? _optimizer;

    /// <param name="source">The <c>T5Translator</c> whose parameters are copied (by name: they must all match).</param>
    /// <param name="optimizer">Creates the optimizer over the model's parameters (the model trains); null for inference.</param>
    /// <param name="threads">libtorch's intra-op threads while this model runs.</param>
    public TorchT5Trainer(INetwork source, Func<IEnumerable<Parameter>, optim.Optimizer>? optimizer, int threads)
    {
        Model = new TorchT5(T5Translator.DropoutRate);
        TorchClassifier.CopyInto(Model, source.Parameters);
        Threads = threads;
        if (optimizer is not null)
        {
            Model.train();
            _optimizer = optimizer(Model.parameters());
        }
        else Model.eval();
    }

    public TorchT5 Model { get; }

    /// <summary>libtorch's intra-op thread count for this model.</summary>
    public int Threads { get; }

    /// <summary>One training step: sources [N, 24], decoder inputs [N, 20], next ids [N, 20] (int64), libtorch's dropout.</summary>
    public void TrainStep(TorchTensor source, TorchTensor target, TorchTensor next)
    {
        var optimizer = _optimizer ?? throw new InvalidOperationException("This model was built for inference.");
        TorchSharpPeer.SetThreads(Threads);
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        TorchT5.Loss(Model.forward(source, target), next).backward();
        optimizer.step();
    }

    /// <summary><see cref="TrainStep"/> with NetCompiler's dropout masks of the step with key <paramref name="dropoutKey"/>
    /// replayed, returning the loss before the update; the gradients stay in the parameters' <c>grad</c>.</summary>
    /// <exception cref="InvalidOperationException">The forward drew another number of dropout masks than the definition.</exception>
    public float TrainStepWithLoss(TorchTensor source, TorchTensor target, TorchTensor next, ulong dropoutKey)
    {
        var optimizer = _optimizer ?? throw new InvalidOperationException("This model was built for inference.");
        TorchSharpPeer.SetThreads(Threads);
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var loss = ReplayedLoss(Model, source, target, next, dropoutKey);
        loss.backward();
        optimizer.step();
        return loss.item<float>();
    }

    /// <summary>The loss of a training-mode forward of <paramref name="model"/> with NetCompiler's masks of the step
    /// <paramref name="dropoutKey"/>.</summary>
    public static TorchTensor ReplayedLoss(TorchT5 model, TorchTensor source, TorchTensor target, TorchTensor next, ulong dropoutKey)
    {
        model.Dropout.Replay(dropoutKey);
        try
        {
            var loss = TorchT5.Loss(model.forward(source, target), next);
            if (model.Dropout.Ops != TorchT5.DropoutOps)
                throw new InvalidOperationException($"The twin drew {model.Dropout.Ops} dropout masks, T5Translator {TorchT5.DropoutOps}.");
            return loss;
        }
        finally
        {
            model.Dropout.Replay(null);
        }
    }

    /// <summary>Logits [N, 20, 2048] of a batch in eval mode (a training model goes back to train mode after), flat.</summary>
    public float[] Forward(TorchTensor source, TorchTensor target)
    {
        TorchSharpPeer.SetThreads(Threads);
        bool training = Model.training;
        Model.eval();
        try
        {
            using var mode = inference_mode();
            using var scope = NewDisposeScope();
            return Model.forward(source, target).data<float>().ToArray();
        }
        finally
        {
            if (training) Model.train();
        }
    }

    /// <summary>Each of <paramref name="store"/>'s gradients (left there by the last step) beside this model's gradient
    /// of the same name and the float64 reference's.</summary>
    public Dictionary<string, GradientCheck> GradientsBeside(ParameterStore store, Dictionary<string, double[]> reference)
    {
        var torch = Model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad is { } g ? g.data<float>().ToArray() : []);
        return store.Layout.ToDictionary(p => p.Name, p => new GradientCheck(store.GetGradients(p.Name).ToArray(),
            torch.GetValueOrDefault(p.Name, []), reference.GetValueOrDefault(p.Name, [])));
    }

    /// <summary>The gradient check's reference: the twin with <paramref name="source"/>'s weights in float64, one
    /// training-mode forward with the masks of step <paramref name="dropoutKey"/>, the loss and backward, no update.</summary>
    public static Dictionary<string, double[]> Float64Gradients(INetwork source, TorchTensor sources, TorchTensor targets, TorchTensor next, ulong dropoutKey)
    {
        using var reference = new TorchT5Trainer(source, optimizer: null, threads: 1);
        TorchSharpPeer.SetThreads(1);
        reference.Model.to(ScalarType.Float64);
        reference.Model.train();
        using var scope = NewDisposeScope();
        ReplayedLoss(reference.Model, sources, targets, next, dropoutKey).backward();
        return reference.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad is { } g ? g.data<double>().ToArray() : []);
    }

    public void Dispose()
    {
        _optimizer?.Dispose();
        Model.Dispose();
    }
}
