using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetCompiler.Definitions.Text;
using NetCompiler.Definitions.Zoo;
using TorchSharp;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

/// <summary>W5: <see cref="CharGpt"/> (nanoGPT-shaped, 2 pre-norm blocks of 4-head causal attention and a GELU MLP,
/// context 64, width 64, vocabulary 65) against its TorchSharp twin <see cref="TorchCharGpt"/>, on windows of
/// <see cref="CharGptData"/>. Training: one AdamW step (lr 3e-4, NetCompiler's defaults: betas 0.9/0.999, eps 1e-8,
/// weight decay 0; TorchSharp's <c>optim.AdamW</c> is given the same, its own default decay being 0.01) on the next batch
/// of 16 windows. Inference: the first 16 windows (a throughput). Every variant owns its network, copied from one initial
/// network, with its own optimizer state and position in the data; the inference variants never train.</summary>
internal sealed class CharGptWorkload : IDisposable
{
    /// <summary>Windows per training step and per inference call.</summary>
    public const int Batch = 16;

    /// <summary>AdamW's learning rate (issue W5).</summary>
    public const float LearningRate = 3e-4f;

    private const int T = CharGpt.Context, V = CharGpt.Vocabulary, C = CharGpt.Width, Layers = CharGpt.Layers;

    private readonly CharGptData _data = CharGptData.Instance;
    private readonly CharGpt _initial = new(seed: 5);
    private readonly INetwork _compiled, _interpreted, _inferCompiled, _inferInterpreted;
    private readonly AdamW _compiledAdamW = new(LearningRate), _interpretedAdamW = new(LearningRate);
    private readonly BatchCursor _compiledCursor, _interpretedCursor, _torch1Cursor, _torch2Cursor;
    private readonly float[] _outputs = new float[Batch * T * V];
    private TorchClassifier? _torch1, _torch2, _torchInfer1, _torchInfer2;
    private TorchTensor? _torchInferBatch;

    public CharGptWorkload()
    {
        _compiled = CopyOfInitial();
        _interpreted = CopyOfInitial();
        _inferCompiled = CopyOfInitial();
        _inferInterpreted = CopyOfInitial();
        _compiledCursor = new BatchCursor(_data.Count, Batch);
        _interpretedCursor = new BatchCursor(_data.Count, Batch);
        _torch1Cursor = new BatchCursor(_data.Count, Batch);
        _torch2Cursor = new BatchCursor(_data.Count, Batch);
    }

    /// <summary>Tokens per call: every window predicts the next character at each of its 64 positions.</summary>
    public const int TokensPerCall = Batch * T;

    /// <summary>Forward FLOPs per token, 2 per multiply-add: in each block the packed q/k/v projection (3C x C), the
    /// output projection (C x C), the MLP (4C x C twice), and attention's QK^T and PV over the causal half (a query at
    /// position i meets i + 1 keys: (T + 1) / 2 on average, C wide for each product over the heads); then the head (V x C).
    /// LayerNorm, GELU, softmax, the embeddings and the loss are not counted.</summary>
    public static double ForwardFlopsPerToken => 2.0 * (Layers * (12.0 * C * C + 2.0 * (T + 1) / 2.0 * C) + (double)V * C);

    /// <summary>Training FLOPs per token: 3x forward (the forward products, and for each the gradients of its two operands).</summary>
    public static double TrainFlopsPerToken => 3 * ForwardFlopsPerToken;

    /// <summary>The FLOP count for the report's notes.</summary>
    public static string FlopsNote => string.Create(CultureInfo.InvariantCulture,
        $"W5 CharGpt FLOPs: 2 per multiply-add of each block's projections (q/k/v 192 x 64, out 64 x 64), MLP (256 x 64 twice), " +
        $"attention QK^T and PV over the causal half (T(T+1)/2 key rows per head, {(T + 1) / 2.0:F1} keys per query on average), and the head (65 x 64); " +
        $"LayerNorm, GELU, softmax, embeddings and the loss not counted: {ForwardFlopsPerToken / 1e3:F1} kFLOP per token forward, " +
        $"training 3x forward = {TrainFlopsPerToken / 1e3:F1} kFLOP per token ({TokensPerCall} tokens per call)");

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

    /// <summary>Compiled inference of the first <see cref="Batch"/> windows.</summary>
    public float InferCompiled()
    {
        _inferCompiled.Infer(_data.Inputs(0, Batch), _outputs, Batch);
        return _outputs[0];
    }

    public float InferInterpreted()
    {
        Interpreter.Infer(_inferInterpreted, _data.Inputs(0, Batch), _outputs, Batch);
        return _outputs[0];
    }

    public void CreateTorchSharp()
    {
        _torch1 ??= CreateTorch(_initial, training: true, threads: 1);
        _torch2 ??= CreateTorch(_initial, training: true, threads: 2);
        _torchInfer1 ??= CreateTorch(_initial, training: false, threads: 1);
        _torchInfer2 ??= CreateTorch(_initial, training: false, threads: 2);
        _torchInferBatch ??= _data.TorchInputs.narrow(0, 0, Batch);
    }

    public float TrainTorchSharp(int threads)
    {
        var (torch, cursor) = threads == 1 ? (_torch1, _torch1Cursor) : (_torch2, _torch2Cursor);
        if (torch is null) throw new InvalidOperationException("Call CreateTorchSharp first.");
        int s = cursor.Next();
        using var x = _data.TorchInputs.narrow(0, s, Batch);
        using var t = _data.TorchTargets.narrow(0, s * T, Batch * T);
        torch.TrainStep(x, t);
        return 0;
    }

    public float InferTorchSharp(int threads)
    {
        var torch = (threads == 1 ? _torchInfer1 : _torchInfer2) ?? throw new InvalidOperationException("Call CreateTorchSharp first.");
        torch.Infer(_torchInferBatch!);
        return 0;
    }

    /// <summary>See <see cref="TorchCheck.CompareTraining"/>, on fresh copies of the initial network and the first batch:
    /// forward logits, the losses of two AdamW steps (the first checks the loss, the second the update), and every
    /// gradient of the first step, NetCompiler's and TorchSharp's, against the TorchSharp twin in float64.</summary>
    public (bool Ok, string Line) CheckTorchSharp()
    {
        var net = CopyOfInitial();
        var adamW = new AdamW(LearningRate);
        using var torch = CreateTorch(net, training: true, threads: 1);
        using var x = _data.TorchInputs.narrow(0, 0, Batch);
        using var t = _data.TorchTargets.narrow(0, 0, Batch * T);
        var outputs = new float[Batch * T * V];
        net.Infer(_data.Inputs(0, Batch), outputs, Batch);
        var torchOutputs = torch.Forward(x);
        var reference = Float64Gradients(net, x, t);
        float first = net.TrainStep(_data.Inputs(0, Batch), _data.Targets(0, Batch), Batch, adamW);
        float torchFirst = torch.TrainStepWithLoss(x, t);
        var gradients = torch.GradientsBeside(net.Parameters, reference);
        float[] losses = [first, net.TrainStep(_data.Inputs(0, Batch), _data.Targets(0, Batch), Batch, adamW)];
        float[] torchLosses = [torchFirst, torch.TrainStepWithLoss(x, t)];
        return TorchCheck.CompareTraining("W5 CharGpt", outputs, torchOutputs, losses, torchLosses, gradients,
            new Dictionary<string, (float[], float[])>());
    }

    public void Dispose()
    {
        _torch1?.Dispose();
        _torch2?.Dispose();
        _torchInfer1?.Dispose();
        _torchInfer2?.Dispose();
        _torchInferBatch?.Dispose();
    }

    /// <summary>The gradient check's reference: the twin with <paramref name="source"/>'s weights in float64, one forward
    /// of the ids (which stay int64: <see cref="TorchClassifier.Float64Gradients"/> would convert them to float64) and
    /// backward, no update.</summary>
    private static Dictionary<string, double[]> Float64Gradients(INetwork source, TorchTensor ids, TorchTensor next)
    {
        var model = new TorchCharGpt();
        using var reference = new TorchClassifier(model, source, optimizer: null, threads: 1);
        model.to(ScalarType.Float64);
        model.train();
        using var scope = NewDisposeScope();
        var loss = nn.functional.cross_entropy(model.forward(ids), next);
        loss.backward();
        return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad is { } g ? g.data<double>().ToArray() : []);
    }

    private INetwork CopyOfInitial()
    {
        var net = new CharGpt(seed: 5);
        _initial.Parameters.Values.CopyTo(net.Parameters.Values, 0);
        return net;
    }

    private static TorchClassifier CreateTorch(INetwork net, bool training, int threads) =>
        new(new TorchCharGpt(), net, training
            ? p => optim.AdamW(p, LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0)
            : null, threads);
}

/// <summary>W5's text: Debian's fortunes (<see cref="CharCorpus"/>'s training text, else the text shipped beside the
/// program, else a deterministic synthetic text) mapped to <see cref="CharGpt.Vocabulary"/> = 65 symbols, the 64 most
/// frequent characters and one "other", cut into up to <see cref="MaxCount"/> windows of 65 characters (64 inputs and,
/// one character later, the 64 next characters; consecutive windows share one character). Built once per process; the
/// TorchSharp tensors (ids [Count, 64] and next characters [Count 64], int64) on first use.</summary>
internal sealed class CharGptData
{
    private static readonly Lazy<CharGptData> s_instance = new(() => new CharGptData());
    private readonly float[] _inputs, _targets;
    private TorchTensor? _torchInputs, _torchTargets;

    /// <summary>Windows kept at most: 256 batches of 16.</summary>
    public const int MaxCount = 4096;

    private const int T = CharGpt.Context, Symbols = CharGpt.Vocabulary;

    private CharGptData()
    {
        int[] text;
        try
        {
            var corpus = CharCorpus.Load(null);
            text = corpus.Train;
            Description = $"{corpus.Description}";
        }
        catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException or System.IO.InvalidDataException)
        {
            text = Synthetic(MaxCount * T + 1);
            Description = $"a deterministic synthetic text (no corpus: {e.Message})";
        }
        var ids = ToSymbols(text, out double covered);
        Count = Math.Min(MaxCount, (ids.Length - 1) / T);
        if (Count < CharGptWorkload.Batch) throw new InvalidOperationException($"W5: the text has {ids.Length} characters, too few for a batch of windows.");
        _inputs = new float[Count * T];
        _targets = new float[Count * T];
        for (int w = 0; w < Count; w++)
            for (int i = 0; i < T; i++)
            {
                _inputs[w * T + i] = ids[w * T + i];
                _targets[w * T + i] = ids[w * T + i + 1];
            }
        Description = string.Create(CultureInfo.InvariantCulture,
            $"{Count:N0} windows of 64 + 1 characters of {Description}, mapped to the 64 most frequent characters ({100 * covered:F1}% of the text) and one 'other'");
    }

    public static CharGptData Instance => s_instance.Value;

    /// <summary>Windows in the set.</summary>
    public int Count { get; }

    /// <summary>Where the text came from.</summary>
    public string Description { get; }

    /// <summary>Ids of <paramref name="batch"/> windows from <paramref name="start"/>, [batch, 64] as floats (NetCompiler's <c>Tokens</c>).</summary>
    public ReadOnlySpan<float> Inputs(int start, int batch) => _inputs.AsSpan(start * T, batch * T);

    /// <summary>The next character at every position, [batch, 64, 1].</summary>
    public ReadOnlySpan<float> Targets(int start, int batch) => _targets.AsSpan(start * T, batch * T);

    /// <summary>[Count, 64] int64 ids.</summary>
    public TorchTensor TorchInputs => _torchInputs ??= tensor(Array.ConvertAll(_inputs, v => (long)v), [Count, T]);

    /// <summary>[Count 64] int64 next characters.</summary>
    public TorchTensor TorchTargets => _torchTargets ??= tensor(Array.ConvertAll(_targets, v => (long)v), [Count * T]);

    /// <summary>The corpus's ids mapped to 65 symbols: the 64 most frequent become 0..63 in order of frequency, every
    /// other one 64.</summary>
    private static int[] ToSymbols(int[] text, out double covered)
    {
        var counts = new Dictionary<int, long>();
        foreach (int id in text) counts[id] = counts.GetValueOrDefault(id) + 1;
        var top = counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key).Take(Symbols - 1).ToArray();
        var map = new Dictionary<int, int>();
        for (int i = 0; i < top.Length; i++) map[top[i].Key] = i;
        covered = text.Length == 0 ? 0 : top.Sum(p => p.Value) / (double)text.Length;
        return Array.ConvertAll(text, id => map.TryGetValue(id, out int s) ? s : Symbols - 1);
    }

    /// <summary>A deterministic text over 65 symbols: each next symbol drawn from the previous one's 8 likely
    /// successors (a first-order Markov chain from a fixed seed).</summary>
    private static int[] Synthetic(int length)
    {
        var random = new Random(5);
        var successors = new int[Symbols, 8];
        for (int a = 0; a < Symbols; a++)
            for (int j = 0; j < 8; j++) successors[a, j] = random.Next(Symbols);
        var text = new int[length];
        for (int i = 1; i < length; i++) text[i] = successors[text[i - 1], random.Next(8)];
        return text;
    }
}
