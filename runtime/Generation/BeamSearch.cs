using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace NetCompiler;

/// <summary>Translates with a compiled encoder-decoder (<see cref="IEncoderDecoder"/>): the source is encoded once, then
/// beam search keeps the <see cref="Width"/> most probable target prefixes, each in its own KV cache slot, and extends
/// them a token at a time (all beams in one decoder call per step) until <see cref="Width"/> of them have ended.
/// <para>Scoring: a prefix's score is the sum of its tokens' log-probabilities (log-softmax of the decoder's row); a
/// finished hypothesis (it drew the end token) is ranked by that sum divided by its length in tokens (the end token
/// included) to the power <see cref="LengthPenalty"/> (Hugging Face's <c>length_penalty</c>: above 0 favours longer
/// outputs, 0 ranks by the plain sum). Each step takes, over all beams, the 2 x width best continuations; those ending
/// become hypotheses, the best <see cref="Width"/> others the next beams. The search stops once <see cref="Width"/>
/// hypotheses have ended (Hugging Face's <c>early_stopping=True</c>) or the target is full; then beams still open are
/// ranked as if they ended there. With width 1 this is greedy decoding: the most probable token at every step, until the
/// end token.</para>
/// <para>A beam that continues another's prefix takes over its slot, or a free slot holding a copy
/// (<see cref="IDecoder.CopySlot"/>), so no prefix is decoded twice. Buffers are allocated when the search is created;
/// <see cref="Translate"/> allocates its result (and lists of hypotheses).</para></summary>
public sealed class BeamSearch
{
    private readonly IEncoderDecoder _decoder;
    private readonly float[] _logits, _exponentials;
    private readonly int[] _slots, _tokens, _positions;

    /// <summary>A search over <paramref name="decoder"/> keeping <paramref name="width"/> beams, ranking finished outputs
    /// with <paramref name="lengthPenalty"/>. Slots 0 to width - 1 of the decoder's cache are its own.</summary>
    public BeamSearch(IEncoderDecoder decoder, int width = 1, float lengthPenalty = 1f)
    {
        _decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (!float.IsFinite(lengthPenalty)) throw new ArgumentOutOfRangeException(nameof(lengthPenalty), lengthPenalty, "The length penalty must be a finite number.");
        Width = width; LengthPenalty = lengthPenalty;
        _logits = new float[width * decoder.RowSize];
        _exponentials = new float[decoder.RowSize];
        (_slots, _tokens, _positions) = (new int[width], new int[width], new int[width]);
    }

    /// <summary>Beams kept (1: greedy).</summary>
    public int Width { get; }

    /// <summary>The exponent of the length that divides a finished hypothesis's log-probability.</summary>
    public float LengthPenalty { get; }

    /// <summary>One target prefix: its tokens after the start token, their summed log-probability, and its cache slot.</summary>
    private readonly record struct Beam(int[] Tokens, double LogProbability, int Slot);

    /// <summary>The best translation of <paramref name="source"/> (<see cref="IEncoderDecoder.SourceLength"/> ids, padded
    /// as in training): its tokens after <paramref name="start"/>, without the end token, at most the decoder's context
    /// (the target positions) long; with its log-probability (the end token's included when it ended) and score.</summary>
    /// <exception cref="ArgumentException">The source has the wrong length or an id out of range, or a token id is out of range.</exception>
    public Hypothesis Translate(ReadOnlySpan<int> source, int start, int end)
    {
        int V = _decoder.RowSize, context = _decoder.Context;
        if ((uint)start >= (uint)_decoder.TokenCount) throw new ArgumentOutOfRangeException(nameof(start), start, $"Translate: the start token must be below {_decoder.TokenCount}.");
        if ((uint)end >= (uint)V) throw new ArgumentOutOfRangeException(nameof(end), end, $"Translate: the end token must be below {V}.");
        _decoder.Encode([0], source);
        var beams = new List<Beam> { new(Array.Empty<int>(), 0, 0) };
        var finished = new List<Hypothesis>();
        var candidates = new List<(double LogProbability, int Beam, int Token)>();
        for (int position = 0; position < context && finished.Count < Width; position++)
        {
            for (int b = 0; b < beams.Count; b++)
                (_slots[b], _tokens[b], _positions[b]) = (beams[b].Slot, beams[b].Tokens.Length == 0 ? start : beams[b].Tokens[^1], position);
            _decoder.Decode(_slots.AsSpan(0, beams.Count), _tokens.AsSpan(0, beams.Count), _positions.AsSpan(0, beams.Count), _logits);

            // The 2 x width best continuations over all beams (enough to keep width beams after some end).
            candidates.Clear();
            for (int b = 0; b < beams.Count; b++)
            {
                var row = _logits.AsSpan(b * V, V);
                double logSum = LogSumExp(row);
                foreach (int token in TopTokens(row, 2 * Width))
                    candidates.Add((beams[b].LogProbability + row[token] - logSum, b, token));
            }
            candidates.Sort((x, y) => y.LogProbability.CompareTo(x.LogProbability));

            var next = new List<(int Parent, int[] Tokens, double LogProbability)>();
            foreach (var (logProbability, b, token) in candidates)
            {
                if (next.Count == Width) break;
                var tokens = beams[b].Tokens;
                if (token == end)
                {
                    if (finished.Count < Width) finished.Add(new Hypothesis(tokens, logProbability, Score(logProbability, tokens.Length + 1), Ended: true));
                    continue;
                }
                next.Add((b, [.. tokens, token], logProbability));
            }
            if (finished.Count >= Width) break;
            if (position == context - 1)
            {
                // The target is full: the open beams end here, unfinished.
                foreach (var (_, tokens, logProbability) in next) finished.Add(new Hypothesis(tokens, logProbability, Score(logProbability, tokens.Length), Ended: false));
                break;
            }
            beams = Reassign(beams, next);
        }
        var best = finished[0];   // a context holds a position at least, so something finished
        foreach (var f in finished) if (f.Score > best.Score) best = f;
        return best;
    }

    private double Score(double logProbability, int length) => LengthPenalty == 0f ? logProbability : logProbability / Math.Pow(Math.Max(length, 1), LengthPenalty);

    /// <summary>The next beams' slots: a parent's first child keeps the parent's slot; the others take slots no parent
    /// keeps, each holding a copy of its parent's (copied before any of them decodes again).</summary>
    private List<Beam> Reassign(List<Beam> beams, List<(int Parent, int[] Tokens, double LogProbability)> next)
    {
        var kept = new bool[beams.Count];
        var used = new bool[Width];
        var slot = new int[next.Count];
        for (int i = 0; i < next.Count; i++)
        {
            int parent = next[i].Parent;
            if (kept[parent]) { slot[i] = -1; continue; }
            kept[parent] = true;
            slot[i] = beams[parent].Slot;
            used[slot[i]] = true;
        }
        int free = 0;
        for (int i = 0; i < next.Count; i++)
        {
            if (slot[i] >= 0) continue;
            while (used[free]) free++;
            used[free] = true;
            slot[i] = free;
            _decoder.CopySlot(beams[next[i].Parent].Slot, free);
        }
        var result = new List<Beam>(next.Count);
        for (int i = 0; i < next.Count; i++) result.Add(new Beam(next[i].Tokens, next[i].LogProbability, slot[i]));
        return result;
    }

    /// <summary>log(sum exp(row)), computed stably: the largest entry subtracted, the exponentials and their sum at the
    /// widest register (a scalar double loop took a tenth of a greedy T5 translation over its 2,048-token rows).</summary>
    private double LogSumExp(ReadOnlySpan<float> row)
    {
        float max = TensorPrimitives.Max(row);
        var exponentials = _exponentials.AsSpan(0, row.Length);
        TensorPrimitives.Subtract(row, max, exponentials);
        TensorPrimitives.Exp(exponentials, exponentials);
        return max + Math.Log(TensorPrimitives.Sum(exponentials));
    }

    /// <summary>The <paramref name="count"/> largest entries' indices of <paramref name="row"/>, largest first, ties to the
    /// lower index.</summary>
    private static int[] TopTokens(ReadOnlySpan<float> row, int count)
    {
        count = Math.Min(count, row.Length);
        var top = new int[count];
        int filled = 0;
        for (int j = 0; j < row.Length; j++)
        {
            if (filled == count && row[j] <= row[top[count - 1]]) continue;
            int at = filled < count ? filled++ : count - 1;
            while (at > 0 && row[top[at - 1]] < row[j]) { top[at] = top[at - 1]; at--; }
            top[at] = j;
        }
        return top;
    }
}

/// <summary>A translation found by <see cref="BeamSearch"/>: its tokens (without the start and end tokens), the sum of
/// their log-probabilities (the end token's included when <see cref="Ended"/>), the score it was ranked by (that sum over
/// its length to the length penalty), and whether it drew the end token (false: the target positions ran out).</summary>
public readonly record struct Hypothesis(int[] Tokens, double LogProbability, double Score, bool Ended);
