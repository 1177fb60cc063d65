using System;
using System.Linq;
using NetCompiler.Definitions.Zoo;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

/// <summary>W5 generation at batch 1: <see cref="CharGpt"/> reads a <see cref="PromptLength"/>-character prompt (the
/// start of the first W5 window) and greedily generates <see cref="Tokens"/> characters, filling its 64 positions, so no
/// variant restarts its context. Four ways, each timed per call of the whole prompt and generation:
/// <list type="bullet">
/// <item>the compiled decoder with its KV cache (<see cref="TokenGenerator"/> over <c>Prefill</c> and <c>Decode</c>), what the main job's
/// generation runs;</item>
/// <item>re-running the full forward over the window so far for every token (as the seed describes generation without a
/// cache): compiled <c>Infer</c>, the interpreter, and TorchSharp's twin;</item>
/// <item>TorchSharp with a hand-written KV cache (<see cref="TorchCharGpt.Decode"/>: the packed projection of the new
/// position, its key and value copied into preallocated [1, heads, 64, d] caches, fused attention over the filled rows),
/// under <c>inference_mode</c>.</item>
/// </list>
/// The weights are CharGpt's initial ones (seed 5; the speed of a step does not depend on their values); every variant
/// must produce the same tokens (<see cref="Check"/>).</summary>
internal sealed class CharGptGenerationWorkload : IDisposable
{
    /// <summary>Characters of the prompt.</summary>
    public const int PromptLength = 16;

    /// <summary>Characters generated per call: the prompt and they fill the context.</summary>
    public const int Tokens = CharGpt.Context - PromptLength;

    private const int T = CharGpt.Context, V = CharGpt.Vocabulary;

    private readonly CharGpt _network = new(seed: 5);
    private readonly TokenGenerator _generator;
    private readonly TokenSampler _greedy = new(V);
    private readonly int[] _prompt, _generated = new int[Tokens];
    private readonly float[] _window = new float[T], _logits = new float[T * V];
    private TorchClassifier? _torch1, _torch2;
    private TorchCharGpt? _twin1, _twin2;

    public CharGptGenerationWorkload()
    {
        _generator = new TokenGenerator(_network);
        _prompt = CharGptData.Instance.Inputs(0, 1)[..PromptLength].ToArray().Select(id => (int)id).ToArray();
    }

    /// <summary>The compiled decoder with its KV cache.</summary>
    public float Cached()
    {
        _generator.Generate([_prompt], [_generated], _greedy);
        return _generated[^1];
    }

    /// <summary>Compiled Infer over the window so far, once per generated token.</summary>
    public float RerunCompiled() => Rerun(row => { _network.Infer(_window, _logits, 1); return row; });

    /// <summary>The interpreter over the window so far, once per generated token.</summary>
    public float RerunInterpreted() => Rerun(row => { Interpreter.Infer(_network, _window, _logits, 1); return row; });

    private float Rerun(Func<int, int> infer)
    {
        Array.Clear(_window);
        for (int i = 0; i < PromptLength; i++) _window[i] = _prompt[i];
        for (int n = 0; n < Tokens; n++)
        {
            int row = infer(PromptLength + n - 1);
            int next = _greedy.Pick(_logits.AsSpan(row * V, V));
            _generated[n] = next;
            if (PromptLength + n < T) _window[PromptLength + n] = next;
        }
        return _generated[^1];
    }

    public void CreateTorchSharp()
    {
        (_twin1, _torch1) = _torch1 is null ? CreateTwin(1) : (_twin1, _torch1);
        (_twin2, _torch2) = _torch2 is null ? CreateTwin(2) : (_twin2, _torch2);
    }

    private (TorchCharGpt, TorchClassifier) CreateTwin(int threads)
    {
        var twin = new TorchCharGpt();
        return (twin, new TorchClassifier(twin, _network, optimizer: null, threads));
    }

    private TorchCharGpt Twin(int threads)
    {
        var twin = (threads == 1 ? _twin1 : _twin2) ?? throw new InvalidOperationException("Call CreateTorchSharp first.");
        TorchSharpPeer.SetThreads(threads);
        return twin;
    }

    /// <summary>TorchSharp's twin over the window so far ([1, 64] ids, the rest 0), once per generated token.</summary>
    public float RerunTorchSharp(int threads)
    {
        var twin = Twin(threads);
        using var mode = inference_mode();
        var window = new long[T];
        for (int i = 0; i < PromptLength; i++) window[i] = _prompt[i];
        for (int n = 0; n < Tokens; n++)
        {
            using var scope = NewDisposeScope();
            var logits = twin.forward(tensor(window, [1, T]));
            int next = (int)logits[PromptLength + n - 1].argmax().item<long>();
            _generated[n] = next;
            if (PromptLength + n < T) window[PromptLength + n] = next;
        }
        return _generated[^1];
    }

    /// <summary>TorchSharp's twin with a hand-written KV cache, one step per prompt and generated token.</summary>
    public float CachedTorchSharp(int threads)
    {
        var twin = Twin(threads);
        using var mode = inference_mode();
        using var outer = NewDisposeScope();
        var (keys, values) = twin.NewCache();
        long token = _prompt[0];
        for (int position = 0; position < T - 1; position++)
        {
            using var scope = NewDisposeScope();
            var logits = twin.Decode(tensor(new[] { token }, [1, 1]), position, keys, values);
            if (position + 1 < PromptLength) token = _prompt[position + 1];
            else token = _generated[position + 1 - PromptLength] = (int)logits.argmax().item<long>();
        }
        return _generated[^1];
    }

    /// <summary>Every variant's tokens against the compiled decoder's (greedy: equal unless two logits tie to rounding).</summary>
    public (bool Ok, string Line) Check()
    {
        Cached();
        var expected = _generated.ToArray();
        var variants = new (string Name, Func<float> Run)[]
        {
            ("compiled Infer per token", RerunCompiled),
            ("interpreter per token", RerunInterpreted),
            ("TorchSharp per token", () => RerunTorchSharp(1)),
            ("TorchSharp KV cache", () => CachedTorchSharp(1)),
        };
        foreach (var (name, run) in variants)
        {
            if (name.StartsWith("TorchSharp", StringComparison.Ordinal) && _torch1 is null) continue;
            run();
            int differ = Enumerable.Range(0, Tokens).FirstOrDefault(i => _generated[i] != expected[i], -1);
            if (differ >= 0)
                return (false, $"W5 generation: {name} generates token {differ} = {_generated[differ]}, the compiled decoder {expected[differ]}");
        }
        return (true, $"W5 generation: the compiled decoder's {Tokens} greedy tokens after a {PromptLength}-character prompt are those of compiled Infer, " +
            "the interpreter, TorchSharp re-running its twin and TorchSharp's KV-cached twin, each per token");
    }

    public void Dispose()
    {
        _torch1?.Dispose();
        _torch2?.Dispose();
    }
}
