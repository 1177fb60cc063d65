using System;
using System.Linq;
using NetCompiler.Definitions.Zoo;
using static TorchSharp.torch;

namespace NetCompiler.Bench;

/// <summary>W7 translation at batch 1: <see cref="T5Translator"/> translates one word, a source of
/// <see cref="SourceTokens"/> ids (<see cref="T5TranslatorData"/>'s task prefix, two subwords, the end token; padded to
/// 24), greedily, up to the end token or the 20 target positions. Each call is one whole translation, the encoder
/// included:
/// <list type="bullet">
/// <item>compiled: <see cref="BeamSearch"/> of width 1 over the generated <c>Encode</c> and KV-cached <c>Decode</c>, what
/// the translate command runs; and width 4 (compiled only);</item>
/// <item>TorchSharp with a hand-written KV cache (<see cref="TorchT5.Encode"/> once, then <see cref="TorchT5.DecodeStep"/>:
/// each layer's self-attention keys and values written into preallocated [1, heads, 20, d] caches, the cross-attention's
/// computed once from the encoder's output, as HF caches both), under <c>inference_mode</c>;</item>
/// <item>without a cache: TorchSharp runs the encoder once and the decoder over the whole prefix for every token (HF's
/// <c>use_cache=False</c>); NetCompiler has no decoder-only forward, so compiled <c>Infer</c> and the interpreter run the
/// whole network, encoder included, for every token.</item>
/// </list>
/// The weights are T5Translator's initial ones (seed 7; the time of a step does not depend on their values, only how
/// many tokens are generated does, which <see cref="Check"/> reports); every greedy variant must produce the same
/// tokens.</summary>
internal sealed class T5TranslationWorkload : IDisposable
{
    /// <summary>Ids of the source before its padding.</summary>
    public const int SourceTokens = T5TranslatorData.PrefixLength + 3;

    private const int S = T5Translator.SourceLength, T = T5Translator.TargetLength, V = T5Translator.Vocabulary;
    private const int Start = T5TranslatorData.Start, End = T5TranslatorData.End;

    private readonly T5Translator _network = new(seed: 7);
    private readonly BeamSearch _greedy, _beam;
    private readonly int[] _source = new int[S], _generated = new int[T];
    private readonly float[] _window = new float[S + T], _logits = new float[T * V];
    private int _count;
    private TorchT5Trainer? _torch1, _torch2;

    /// <summary>Beams of the wide search.</summary>
    public const int BeamWidth = 4;

    public T5TranslationWorkload()
    {
        _greedy = new BeamSearch(_network, width: 1);
        _beam = new BeamSearch(_network, width: BeamWidth);
        var data = T5TranslatorData.Instance;
        var random = new Random(23);
        data.Prefix.CopyTo(_source, 0);
        for (int i = T5TranslatorData.PrefixLength; i < SourceTokens - 1; i++) _source[i] = data.Subword(random);
        _source[SourceTokens - 1] = End;
    }

    /// <summary>Tokens the last call generated (without the end token).</summary>
    public int Generated => _count;

    /// <summary>Whether the last call ended with the end token (else the 20 positions ran out).</summary>
    public bool Ended { get; private set; }

    /// <summary>Compiled greedy translation: BeamSearch of width 1 over the KV-cached decoder.</summary>
    public float Greedy() => Keep(_greedy.Translate(_source, Start, End));

    /// <summary>Compiled beam search of width 4.</summary>
    public float Beam() => Keep(_beam.Translate(_source, Start, End));

    private float Keep(Hypothesis best)
    {
        _count = best.Tokens.Length;
        best.Tokens.CopyTo(_generated, 0);
        Ended = best.Ended;
        return _count;
    }

    /// <summary>Compiled Infer of the source and the target so far, once per generated token.</summary>
    public float RerunCompiled() => Rerun(() => _network.Infer(_window, _logits, 1));

    /// <summary>The interpreter over the source and the target so far, once per generated token.</summary>
    public float RerunInterpreted() => Rerun(() => Interpreter.Infer(_network, _window, _logits, 1));

    private float Rerun(Action infer)
    {
        Array.Clear(_window);
        for (int i = 0; i < S; i++) _window[i] = _source[i];
        _window[S] = Start;
        _count = 0;
        Ended = false;
        for (int position = 0; position < T; position++)
        {
            infer();
            int next = ArgMax(_logits.AsSpan(position * V, V));
            if (next == End) { Ended = true; break; }
            _generated[_count++] = next;
            if (position + 1 < T) _window[S + position + 1] = next;
        }
        return _count;
    }

    public void CreateTorchSharp()
    {
        _torch1 ??= new TorchT5Trainer(_network, optimizer: null, threads: 1);
        _torch2 ??= new TorchT5Trainer(_network, optimizer: null, threads: 2);
    }

    private TorchT5 Twin(int threads)
    {
        var torch = (threads == 1 ? _torch1 : _torch2) ?? throw new InvalidOperationException("Call CreateTorchSharp first.");
        TorchSharpPeer.SetThreads(threads);
        return torch.Model;
    }

    /// <summary>TorchSharp: the encoder once, then the decoder over the whole prefix so far ([1, position + 1]) per token.</summary>
    public float RerunTorchSharp(int threads)
    {
        var twin = Twin(threads);
        using var mode = inference_mode();
        using var outer = NewDisposeScope();
        var (memory, padding) = twin.EncodeStack(tensor(_source.Select(id => (long)id).ToArray(), [1, S]));
        var prefix = new long[T];
        prefix[0] = Start;
        _count = 0;
        Ended = false;
        for (int position = 0; position < T; position++)
        {
            using var scope = NewDisposeScope();
            var logits = twin.DecodeStack(tensor(prefix.AsSpan(0, position + 1).ToArray(), [1, position + 1]), memory, padding);
            int next = (int)logits[0, position].argmax().item<long>();
            if (next == End) { Ended = true; break; }
            _generated[_count++] = next;
            if (position + 1 < T) prefix[position + 1] = next;
        }
        return _count;
    }

    /// <summary>TorchSharp with the KV cache: the encoder once, one decoder step per token.</summary>
    public float CachedTorchSharp(int threads)
    {
        var twin = Twin(threads);
        using var mode = inference_mode();
        using var outer = NewDisposeScope();
        var cache = twin.Encode(tensor(_source.Select(id => (long)id).ToArray(), [1, S]));
        long token = Start;
        _count = 0;
        Ended = false;
        for (int position = 0; position < T; position++)
        {
            using var scope = NewDisposeScope();
            int next = (int)twin.DecodeStep(tensor(new[] { token }, [1, 1]), position, cache).argmax().item<long>();
            if (next == End) { Ended = true; break; }
            _generated[_count++] = next;
            token = next;
        }
        return _count;
    }

    /// <summary>Every greedy variant's tokens against the compiled BeamSearch's (equal unless two logits tie to rounding);
    /// also runs the width-4 search once, to report what it found.</summary>
    public (bool Ok, string Line) Check()
    {
        Greedy();
        var expected = _generated.AsSpan(0, _count).ToArray();
        bool ended = Ended;
        var variants = new (string Name, Func<float> Run)[]
        {
            ("compiled Infer per token", RerunCompiled),
            ("interpreter per token", RerunInterpreted),
            ("TorchSharp decoder per token", () => RerunTorchSharp(1)),
            ("TorchSharp KV cache", () => CachedTorchSharp(1)),
        };
        foreach (var (name, run) in variants)
        {
            if (name.StartsWith("TorchSharp", StringComparison.Ordinal) && _torch1 is null) continue;
            run();
            if (!_generated.AsSpan(0, _count).SequenceEqual(expected) || Ended != ended)
                return (false, $"W7 translation: {name} generates [{string.Join(", ", _generated.Take(_count))}]{(Ended ? " and the end token" : "")}, " +
                               $"the compiled BeamSearch(1) [{string.Join(", ", expected)}]{(ended ? " and the end token" : "")}");
        }
        Beam();
        return (true, $"W7 translation: the compiled BeamSearch(1)'s {expected.Length} greedy tokens {(ended ? "and end token" : "(no end token: the 20 positions ran out)")} " +
            $"for a {SourceTokens}-id source are those of compiled Infer, the interpreter, TorchSharp re-running its decoder and TorchSharp's KV-cached twin, " +
            $"each per token; BeamSearch({BeamWidth}) finds {_count} tokens{(Ended ? " and the end token" : "")}");
    }

    /// <summary>The largest entry's index, ties to the lower index (as BeamSearch and torch.argmax pick).</summary>
    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int j = 1; j < row.Length; j++)
            if (row[j] > row[best]) best = j;
        return best;
    }

    public void Dispose()
    {
        _torch1?.Dispose();
        _torch2?.Dispose();
    }
}
