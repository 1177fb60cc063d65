using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetCompiler.Definitions.Zoo;
using TorchSharp;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

/// <summary>W7 training: <see cref="T5Translator"/> (a small T5: 3 + 3 layers of width 128, 4 heads, relative position
/// biases, RMS norms, ReLU feed-forward 512, untied head over 2,048 subwords, dropout 0.1) against its TorchSharp twin
/// <see cref="TorchT5"/>, on <see cref="T5TranslatorData"/>'s synthetic pairs. One call: an AdamW step (lr 1e-3, weight
/// decay 0.01, the zoo recipe's; betas 0.9/0.999, eps 1e-8; without its cosine schedule and gradient clipping) on the
/// next batch of 32, dropout on (libtorch's own in the TorchSharp step). Every variant owns its network, copied from one
/// initial network, with its own optimizer state and position in the data.</summary>
internal sealed class T5TranslatorWorkload : IDisposable
{
    /// <summary>Sentence pairs per training step.</summary>
    public const int Batch = 32;

    /// <summary>AdamW's learning rate and weight decay (the zoo's recipe for T5Translator).</summary>
    public const float LearningRate = 1e-3f, WeightDecay = 0.01f;

    private const int S = T5Translator.SourceLength, T = T5Translator.TargetLength, V = T5Translator.Vocabulary;
    private const int C = T5Translator.Width, F = T5Translator.FeedForward, Layers = T5Translator.Layers;

    private readonly T5TranslatorData _data = T5TranslatorData.Instance;
    private readonly T5Translator _initial = new(seed: 7);
    private readonly INetwork _compiled, _interpreted;
    private readonly AdamW _compiledAdamW = CreateAdamW(), _interpretedAdamW = CreateAdamW();
    private readonly BatchCursor _compiledCursor, _interpretedCursor, _torch1Cursor, _torch2Cursor;
    private TorchT5Trainer? _torch1, _torch2;

    public T5TranslatorWorkload()
    {
        var inputs = ((INetwork)_initial).Inputs;
        if (inputs.Count != 2 || inputs[0].Offset != 0 || inputs[0].Size != S || inputs[1].Offset != S || inputs[1].Size != T)
            throw new InvalidOperationException("W7: T5Translator's inputs are no longer the source ids [24] then the decoder's input [20].");
        _compiled = CopyOfInitial();
        _interpreted = CopyOfInitial();
        _compiledCursor = new BatchCursor(T5TranslatorData.Count, Batch);
        _interpretedCursor = new BatchCursor(T5TranslatorData.Count, Batch);
        _torch1Cursor = new BatchCursor(T5TranslatorData.Count, Batch);
        _torch2Cursor = new BatchCursor(T5TranslatorData.Count, Batch);
    }

    /// <summary>Target tokens per step: the positions the loss counts (the subwords and the end token, not the padding),
    /// the same in every batch (see <see cref="T5TranslatorData"/>).</summary>
    public int TargetTokensPerStep => _data.TargetTokensPerBatch;

    /// <summary>Source tokens per step (the task prefix, the subwords and the end token, not the padding).</summary>
    public int SourceTokensPerStep => _data.SourceTokensPerBatch;

    /// <summary>Forward FLOPs per sample, 2 per multiply-add over every position, padding included (TorchSharp computes
    /// it all; the compiled step's products skip each sample's rows past its last real source id or counted
    /// target, whose gradients are zero, so its rate counts work it does not do: an effective rate): per encoder layer q/k/v/o (4 C^2 S), the feed-forward (2 C F S) and attention's QK^T and PV (2 S^2 C);
    /// per decoder layer the self-attention's projections (4 C^2 T) and products over the causal half (T(T+1)/2 pairs,
    /// 2 C each), the cross-attention's q and o (2 C^2 T), k and v over the source (2 C^2 S) and products (2 T S C), the
    /// feed-forward (2 C F T); the head (V C T). Norms, softmax, the bias lookups, embeddings and the loss not counted.</summary>
    public static double ForwardFlopsPerSample => 2.0 * (
        Layers * (4.0 * C * C * S + 2.0 * C * F * S + 2.0 * S * S * C)
        + Layers * (4.0 * C * C * T + T * (T + 1.0) * C + 2.0 * C * C * T + 2.0 * C * C * S + 2.0 * T * S * C + 2.0 * C * F * T)
        + (double)V * C * T);

    /// <summary>Training FLOPs per sample: 3x forward (each product's two operand gradients).</summary>
    public static double TrainFlopsPerSample => 3 * ForwardFlopsPerSample;

    /// <summary>The FLOP count for the report's notes.</summary>
    public static string FlopsNote => string.Create(CultureInfo.InvariantCulture,
        $"W7 T5Translator FLOPs: 2 per multiply-add over all 24 source and 20 target positions (padding included: TorchSharp computes it all; the compiled step's products skip the rows past each sample's last real source id or counted target, whose gradients are zero, so its GFLOP/s is an effective rate) of the " +
        $"encoder's and decoder's projections, feed-forward networks and attention products (the decoder's self-attention over the causal half), " +
        $"and the head (2,048 x 128 per target position); norms, softmax, bias lookups, embeddings and the loss not counted: " +
        $"{ForwardFlopsPerSample / 1e6:F1} MFLOP per sample forward, training 3x = {TrainFlopsPerSample / 1e6:F0} MFLOP per sample");

    public string DataDescription => _data.Description;

    public float TrainCompiled()
    {
        int s = _compiledCursor.Next();
        return _compiled.TrainStep(_data.Inputs(s, Batch), _data.Targets(s, Batch), Batch, _compiledAdamW);
    }

    public float TrainInterpreted()
    {
        int s = _interpretedCursor.Next();
        return Interpreter.TrainStep(_interpreted, _data.Inputs(s, Batch), _data.Targets(s, Batch), Batch, _interpretedAdamW);
    }

    public void CreateTorchSharp()
    {
        _torch1 ??= CreateTorch(_initial, threads: 1);
        _torch2 ??= CreateTorch(_initial, threads: 2);
    }

    public float TrainTorchSharp(int threads)
    {
        var (torch, cursor) = threads == 1 ? (_torch1, _torch1Cursor) : (_torch2, _torch2Cursor);
        if (torch is null) throw new InvalidOperationException("Call CreateTorchSharp first.");
        int s = cursor.Next();
        using var source = _data.TorchSources.narrow(0, s, Batch);
        using var target = _data.TorchTargets.narrow(0, s, Batch);
        using var next = _data.TorchNext.narrow(0, s, Batch);
        torch.TrainStep(source, target, next);
        return 0;
    }

    /// <summary>On fresh copies of the initial network and the first batch: the logits of compiled <c>Infer</c> and of the
    /// twin in eval mode (dropout off), max |difference| / max |logit| within 1e-4 (and <see cref="TorchCheck"/>'s 1e-4
    /// of max(1, |logit|)); the losses of two AdamW steps in training mode, the twin replaying NetCompiler's dropout masks
    /// of each step (NetCompiler's training step cannot switch its dropout off: the rate is compiled in), within 1e-4;
    /// every gradient of the first step, NetCompiler's and TorchSharp's, against the twin in float64 with the same masks;
    /// and the twin's relative position buckets (HF's function in tensor ops) against <see cref="RelativePositions.Bucket"/>.</summary>
    public (bool Ok, string Line) CheckTorchSharp()
    {
        var net = CopyOfInitial();
        var adamW = CreateAdamW();
        using var torch = CreateTorch(net, threads: 1);
        using var source = _data.TorchSources.narrow(0, 0, Batch);
        using var target = _data.TorchTargets.narrow(0, 0, Batch);
        using var next = _data.TorchNext.narrow(0, 0, Batch);
        var x = _data.Inputs(0, Batch);
        var t = _data.Targets(0, Batch);

        var outputs = new float[Batch * T * V];
        net.Infer(x, outputs, Batch);
        var torchOutputs = torch.Forward(source, target);
        double largest = 0, difference = double.PositiveInfinity;
        if (torchOutputs.Length == outputs.Length)
        {
            difference = 0;
            for (int i = 0; i < outputs.Length; i++)
            {
                largest = Math.Max(largest, Math.Abs(outputs[i]));
                double d = Math.Abs((double)outputs[i] - torchOutputs[i]);
                if (!(d <= difference)) difference = double.IsNaN(d) ? double.PositiveInfinity : d;
            }
        }
        double logitDifference = largest > 0 ? difference / largest : double.PositiveInfinity;

        ulong StepKey() => DropoutMasks.StepKey(net.Parameters.RandomSeed, net.Parameters.RandomStep);
        ulong key = StepKey();
        var reference = TorchT5Trainer.Float64Gradients(net, source, target, next, key);
        float first = net.TrainStep(x, t, Batch, adamW);
        float torchFirst = torch.TrainStepWithLoss(source, target, next, key);
        var gradients = torch.GradientsBeside(net.Parameters, reference);
        key = StepKey();
        float second = net.TrainStep(x, t, Batch, adamW);
        float torchSecond = torch.TrainStepWithLoss(source, target, next, key);

        var (ok, line) = TorchCheck.CompareTraining("W7 T5Translator", outputs, torchOutputs, [first, second], [torchFirst, torchSecond], gradients,
            new Dictionary<string, (float[], float[])>());
        var (bucketsOk, bucketsLine) = CheckBuckets();
        ok &= logitDifference <= TorchCheck.Tolerance && bucketsOk;
        line += string.Create(CultureInfo.InvariantCulture,
            $"; logits max |diff| / max |logit| {logitDifference:0.0e+0} (max |logit| {largest:F2}, tolerance {TorchCheck.Tolerance:0e+0}); " +
            $"training with dropout 0.1, TorchSharp replaying NetCompiler's masks ({TorchT5.DropoutOps} per step); {bucketsLine}");
        return (ok, line);
    }

    /// <summary>The twin's buckets (HF's <c>_relative_position_bucket</c> in tensor ops) against
    /// <see cref="RelativePositions.Bucket"/> for every (query, key) pair of the encoder and the decoder.</summary>
    private static (bool Ok, string Line) CheckBuckets()
    {
        int pairs = 0, differ = 0;
        foreach (var (queries, keys, bidirectional) in new[] { (S, S, true), (T, T, false) })
        {
            using var scope = NewDisposeScope();
            var buckets = TorchT5.Buckets(queries, keys, bidirectional, T5Translator.Buckets, T5Translator.MaxDistance).data<long>().ToArray();
            for (int i = 0; i < queries; i++)
                for (int j = 0; j < keys; j++, pairs++)
                    if (buckets[i * keys + j] != RelativePositions.Bucket(j - i, bidirectional, T5Translator.Buckets, T5Translator.MaxDistance)) differ++;
        }
        return (differ == 0, $"relative position buckets of the {pairs} (query, key) pairs: {(differ == 0 ? "all equal" : $"{differ} DIFFER")} (TorchSharp's port of HF's function against RelativePositions.Bucket)");
    }

    public void Dispose()
    {
        _torch1?.Dispose();
        _torch2?.Dispose();
    }

    private T5Translator CopyOfInitial()
    {
        var net = new T5Translator(seed: 7);
        _initial.Parameters.Values.CopyTo(net.Parameters.Values, 0);
        return net;
    }

    private static AdamW CreateAdamW() => new(LearningRate) { WeightDecay = WeightDecay };

    private static TorchT5Trainer CreateTorch(INetwork net, int threads) =>
        new(net, p => optim.AdamW(p, LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: WeightDecay), threads);
}

/// <summary>W7's data: synthetic translation pairs shaped like the English-Japanese dictionary task, since what a step
/// costs depends on the shapes, not on the words. Ids follow <c>SubwordTokenizer</c>'s special tokens (0 &lt;pad&gt;,
/// 1 &lt;s&gt;, 2 &lt;/s&gt;; 3 and 4 unused) and the other 2,043 subwords drawn with Zipf's law (weight 1 / rank, ranks
/// mapped to ids by a fixed permutation). A source is a fixed 5-subword task prefix, 1 to 18 subwords and the end token
/// (7 to 24 ids), then padding; a target has 1 to 19 subwords: the decoder reads the start token and them, the loss
/// expects them and the end token, both padded with 0 (ignored by the loss). Every batch of 32 holds the same 32
/// (source, target) lengths, drawn once uniformly and shuffled per batch, so every step counts the same tokens.
/// <see cref="Count"/> pairs (64 batches), fixed seed; built once per process.</summary>
internal sealed class T5TranslatorData
{
    private static readonly Lazy<T5TranslatorData> s_instance = new(() => new T5TranslatorData());

    /// <summary>Pairs in the set: 64 batches of 32.</summary>
    public const int Count = 64 * T5TranslatorWorkload.Batch;

    /// <summary>The tokenizer's special ids.</summary>
    public const int Pad = 0, Start = 1, End = 2, FirstSubword = 5;

    /// <summary>Subwords of the task prefix ("translate English to Japanese:").</summary>
    public const int PrefixLength = 5;

    private const int S = T5Translator.SourceLength, T = T5Translator.TargetLength, V = T5Translator.Vocabulary;
    private const int InputSize = S + T;

    private readonly float[] _inputs = new float[Count * InputSize], _targets = new float[Count * T];
    private readonly long[] _sources = new long[Count * S], _decoderInputs = new long[Count * T], _next = new long[Count * T];
    private readonly double[] _cumulative;
    private readonly int[] _idOfRank;
    private TorchTensor? _torchSources, _torchTargets, _torchNext;

    private T5TranslatorData()
    {
        var random = new Random(17);
        int subwords = V - FirstSubword;
        _idOfRank = Enumerable.Range(FirstSubword, subwords).OrderBy(_ => random.Next()).ToArray();
        _cumulative = new double[subwords];
        double sum = 0;
        for (int r = 0; r < subwords; r++) _cumulative[r] = sum += 1.0 / (r + 1);
        Prefix = Enumerable.Range(0, PrefixLength).Select(_ => Subword(random)).ToArray();

        int batch = T5TranslatorWorkload.Batch;
        var lengths = Enumerable.Range(0, batch).Select(_ => (Source: random.Next(1, S - PrefixLength), Target: random.Next(1, T))).ToArray();
        SourceTokensPerBatch = lengths.Sum(l => PrefixLength + l.Source + 1);
        TargetTokensPerBatch = lengths.Sum(l => l.Target + 1);
        for (int b = 0; b < Count / batch; b++)
        {
            random.Shuffle(lengths);
            for (int i = 0; i < batch; i++) Fill(b * batch + i, lengths[i].Source, lengths[i].Target, random);
        }
        Description = string.Create(CultureInfo.InvariantCulture,
            $"{Count:N0} synthetic pairs (fixed seed): Zipf-distributed subword ids; sources a 5-subword prefix, 1-18 subwords and the end token " +
            $"({SourceTokensPerBatch / (double)batch:F1} of 24 ids on average), targets 1-19 subwords and the end token ({TargetTokensPerBatch / (double)batch:F1} of 20 on average), padded with 0; " +
            $"every batch has the same lengths, shuffled: {TargetTokensPerBatch} target and {SourceTokensPerBatch} source tokens per batch of {batch}");
    }

    public static T5TranslatorData Instance => s_instance.Value;

    /// <summary>Where the pairs came from and their lengths.</summary>
    public string Description { get; }

    /// <summary>The task prefix's subword ids.</summary>
    public int[] Prefix { get; }

    /// <summary>Target tokens (the loss's non-ignored positions) in every batch of 32.</summary>
    public int TargetTokensPerBatch { get; }

    /// <summary>Source tokens (not padding) in every batch of 32.</summary>
    public int SourceTokensPerBatch { get; }

    /// <summary>Inputs of <paramref name="batch"/> pairs from <paramref name="start"/>: per pair the source ids [24] and the
    /// decoder's input [20], as floats (NetCompiler's flat layout).</summary>
    public ReadOnlySpan<float> Inputs(int start, int batch) => _inputs.AsSpan(start * InputSize, batch * InputSize);

    /// <summary>The next subword at every target position, [batch, 20].</summary>
    public ReadOnlySpan<float> Targets(int start, int batch) => _targets.AsSpan(start * T, batch * T);

    /// <summary>[Count, 24] int64 source ids.</summary>
    public TorchTensor TorchSources => _torchSources ??= tensor(_sources, [Count, S]);

    /// <summary>[Count, 20] int64 decoder inputs.</summary>
    public TorchTensor TorchTargets => _torchTargets ??= tensor(_decoderInputs, [Count, T]);

    /// <summary>[Count, 20] int64 next subwords (0 where ignored).</summary>
    public TorchTensor TorchNext => _torchNext ??= tensor(_next, [Count, T]);

    /// <summary>A subword id drawn with Zipf's law.</summary>
    public int Subword(Random random)
    {
        int rank = Array.BinarySearch(_cumulative, random.NextDouble() * _cumulative[^1]);
        return _idOfRank[Math.Min(rank < 0 ? ~rank : rank, _idOfRank.Length - 1)];
    }

    private void Fill(int pair, int sourceWords, int targetWords, Random random)
    {
        var source = _sources.AsSpan(pair * S, S);
        Prefix.Select(id => (long)id).ToArray().CopyTo(source);
        for (int i = 0; i < sourceWords; i++) source[PrefixLength + i] = Subword(random);
        source[PrefixLength + sourceWords] = End;
        var input = _decoderInputs.AsSpan(pair * T, T);
        var next = _next.AsSpan(pair * T, T);
        input[0] = Start;
        for (int i = 0; i < targetWords; i++)
        {
            int id = Subword(random);
            next[i] = id;
            input[i + 1] = id;
        }
        next[targetWords] = End;
        for (int i = 0; i < S; i++) _inputs[pair * InputSize + i] = source[i];
        for (int i = 0; i < T; i++)
        {
            _inputs[pair * InputSize + S + i] = input[i];
            _targets[pair * T + i] = next[i];
        }
    }
}
