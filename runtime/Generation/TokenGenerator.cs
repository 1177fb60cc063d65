using System;
using System.Collections.Generic;

namespace NetCompiler;

/// <summary>Generates tokens with a compiled decoder (<see cref="IDecoder"/>): several prompts continued together, one
/// decoder call per step for all of them (two while some still read their prompts), each sequence in its own KV cache
/// slot at its own position. A prompt is read
/// token by token (each a decoder step that fills the cache); then each step samples the next token from the row the
/// last one produced (<see cref="TokenSampler"/>) and feeds it back. A prompt's tokens before its last only fill the
/// cache (<see cref="IDecoder.Prefill"/>: their rows would predict tokens already known).
/// <para>When a sequence reaches the context (the network's T positions), its cache restarts: the last T / 2 tokens are
/// decoded again from position 0 and generation continues after them, so a token is conditioned on at least T / 2 and
/// at most T - 1 tokens before it. (Shifting the cache instead would keep keys computed at positions they no longer
/// hold, which a network with absolute positions was never trained on.) Until the first restart the tokens are exactly
/// those of re-running the full forward on the text so far and reading its last row.</para>
/// <para>Allocates its buffers once, when created; <see cref="Generate"/> allocates nothing.</para></summary>
public sealed class TokenGenerator
{
    private readonly IDecoder _decoder;
    private readonly int[] _slots, _tokens, _rowPositions, _position, _read, _written;
    private readonly int[] _prefillSlots, _prefillTokens, _prefillPositions;   // the rows of a step that only fill the cache
    private readonly int[][] _window;   // per sequence, the tokens at its cache positions 0..position - 1
    private readonly float[] _outputs;

    /// <summary>A generator over <paramref name="decoder"/> for up to <paramref name="sequences"/> prompts at once.</summary>
    public TokenGenerator(IDecoder decoder, int sequences = 1)
    {
        _decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        ArgumentOutOfRangeException.ThrowIfLessThan(sequences, 1);
        Sequences = sequences;
        (_slots, _tokens, _rowPositions) = (new int[sequences], new int[sequences], new int[sequences]);   // per row of a step
        (_prefillSlots, _prefillTokens, _prefillPositions) = (new int[sequences], new int[sequences], new int[sequences]);
        (_position, _read, _written) = (new int[sequences], new int[sequences], new int[sequences]);   // per sequence
        _window = new int[sequences][];
        for (int i = 0; i < sequences; i++) _window[i] = new int[decoder.Context];
        _outputs = new float[(long)sequences * decoder.RowSize];
    }

    /// <summary>Prompts one call continues at most.</summary>
    public int Sequences { get; }

    /// <summary>Cache restarts in the last <see cref="Generate"/> (sequences that outgrew the context).</summary>
    public int Restarts { get; private set; }

    /// <summary>Continues each of <paramref name="prompts"/>: writes <c>continuations[i].Length</c> tokens after prompt i
    /// into <c>continuations[i]</c>, drawn by <paramref name="sampler"/> (in one shared stream, sequence by sequence
    /// within a step). Sequence i uses KV cache slot i, restarted at position 0.</summary>
    /// <exception cref="ArgumentException">More prompts than <see cref="Sequences"/>, counts that differ, an empty prompt,
    /// a token out of range, or a sampler for another vocabulary.</exception>
    public void Generate(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> continuations, TokenSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(continuations);
        ArgumentNullException.ThrowIfNull(sampler);
        int n = prompts.Count;
        if (n > Sequences) throw new ArgumentException($"Generate: {n} prompts; this generator continues at most {Sequences} at once.", nameof(prompts));
        if (continuations.Count != n) throw new ArgumentException($"Generate: {n} prompts but {continuations.Count} continuations.", nameof(continuations));
        if (sampler.Vocabulary > _decoder.RowSize) throw new ArgumentException($"Generate: the sampler reads {sampler.Vocabulary} logits; the decoder writes {_decoder.RowSize} per row.", nameof(sampler));
        for (int i = 0; i < n; i++)
        {
            var prompt = prompts[i] ?? throw new ArgumentNullException(nameof(prompts), $"Generate: prompt {i} is null.");
            if (continuations[i] is null) throw new ArgumentNullException(nameof(continuations), $"Generate: continuation {i} is null.");
            if (prompt.Length == 0) throw new ArgumentException($"Generate: prompt {i} is empty; give at least one token (a start token).", nameof(prompts));
            foreach (int token in prompt)
                if ((uint)token >= (uint)_decoder.TokenCount)
                    throw new ArgumentOutOfRangeException(nameof(prompts), token, $"Generate: prompt {i} holds token {token}; ids run from 0 to {_decoder.TokenCount - 1}.");
            (_read[i], _written[i], _position[i]) = (0, 0, 0);
        }
        Restarts = 0;
        int row = _decoder.RowSize;
        while (true)
        {
            // One row per sequence that still has tokens to write: its next prompt token, or the token it drew last. A
            // prompt token before the last only fills the cache (its row would predict a known token); the others decode.
            int rows = 0, prefills = 0;
            for (int i = 0; i < n; i++)
            {
                var (prompt, output) = (prompts[i], continuations[i]);
                if (_written[i] == output.Length) continue;
                int token = _read[i] < prompt.Length ? prompt[_read[i]++] : output[_written[i] - 1];
                if (_position[i] == _decoder.Context) Restart(i);
                if (_read[i] < prompt.Length)
                    (_prefillSlots[prefills], _prefillTokens[prefills], _prefillPositions[prefills++]) = (i, token, _position[i]);
                else
                    (_slots[rows], _tokens[rows], _rowPositions[rows++]) = (i, token, _position[i]);
                _window[i][_position[i]++] = token;
            }
            if (rows + prefills == 0) return;
            if (prefills > 0) _decoder.Prefill(_prefillSlots.AsSpan(0, prefills), _prefillTokens.AsSpan(0, prefills), _prefillPositions.AsSpan(0, prefills));
            if (rows > 0) _decoder.Decode(_slots.AsSpan(0, rows), _tokens.AsSpan(0, rows), _rowPositions.AsSpan(0, rows), _outputs);
            for (int r = 0; r < rows; r++)
            {
                int i = _slots[r];
                continuations[i][_written[i]++] = sampler.Pick(_outputs.AsSpan(r * row, row));
            }
        }
    }

    /// <summary>Sequence <paramref name="i"/>'s cache is full: decode its last T / 2 tokens again from position 0.</summary>
    private void Restart(int i)
    {
        Restarts++;
        int context = _decoder.Context, keep = context / 2;
        var window = _window[i];
        Array.Copy(window, context - keep, window, 0, keep);
        Span<int> slot = stackalloc int[] { i };
        Span<int> position = stackalloc int[1];
        for (int p = 0; p < keep; p++)
        {
            position[0] = p;
            _decoder.Prefill(slot, window.AsSpan(p, 1), position);
        }
        _position[i] = keep;
    }
}
