using System;

namespace NetCompiler;

/// <summary>Picks the next token from a row of logits: greedy (temperature 0: the largest logit, the lowest id on
/// ties), or a draw from softmax(logits / temperature) restricted to the <c>topK</c> largest logits (ties at the cut
/// broken towards lower ids), from a seeded <see cref="Rng"/>: the same seed and logits give the same tokens on every
/// machine. Allocates nothing per pick.</summary>
public sealed class TokenSampler
{
    private readonly float[] _sorted;
    private readonly double[] _weights;
    private readonly Rng _rng;

    /// <summary>A sampler over rows of <paramref name="vocabulary"/> logits.</summary>
    /// <param name="vocabulary">Logits per row.</param>
    /// <param name="temperature">0: greedy; otherwise divides the logits (below 1 sharper, above 1 flatter); finite.</param>
    /// <param name="topK">Draw among this many largest logits only; 0 (or at least <paramref name="vocabulary"/>) for all.</param>
    /// <param name="seed">Seeds the draws.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative or non-finite temperature, a negative top-k or vocabulary below 1.</exception>
    public TokenSampler(int vocabulary, float temperature = 0f, int topK = 0, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabulary, 1);
        if (!(temperature >= 0f) || !float.IsFinite(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be 0 (greedy) or positive and finite.");
        ArgumentOutOfRangeException.ThrowIfNegative(topK);
        Vocabulary = vocabulary; Temperature = temperature; TopK = topK == 0 ? vocabulary : Math.Min(topK, vocabulary);
        _sorted = new float[vocabulary];
        _weights = new double[vocabulary];
        _rng = new Rng(seed);
    }

    /// <summary>Logits per row.</summary>
    public int Vocabulary { get; }

    /// <summary>0: greedy.</summary>
    public float Temperature { get; }

    /// <summary>Tokens a draw chooses among.</summary>
    public int TopK { get; }

    /// <summary>The next token for <paramref name="logits"/> (its first <see cref="Vocabulary"/> floats).</summary>
    /// <exception cref="ArgumentException">Fewer than <see cref="Vocabulary"/> logits, or a NaN among them.</exception>
    public int Pick(ReadOnlySpan<float> logits)
    {
        if (logits.Length < Vocabulary) throw new ArgumentException($"Pick: {logits.Length} logits for a vocabulary of {Vocabulary}.", nameof(logits));
        logits = logits[..Vocabulary];
        int best = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            if (float.IsNaN(logits[i])) throw new ArgumentException($"Pick: logit {i} is NaN.", nameof(logits));
            if (logits[i] > logits[best]) best = i;
        }
        if (Temperature == 0f || TopK == 1) return best;
        // The cut: the k-th largest logit; ids above it are in, ids at it in id order until k are.
        float cut = float.NegativeInfinity;
        if (TopK < Vocabulary)
        {
            logits.CopyTo(_sorted);
            _sorted.AsSpan().Sort();
            cut = _sorted[Vocabulary - TopK];
        }
        int above = 0;
        if (TopK < Vocabulary) foreach (float l in logits) if (l > cut) above++;
        int atCut = TopK - above;
        double total = 0, top = logits[best];
        for (int i = 0; i < logits.Length; i++)
        {
            bool inside = logits[i] > cut || (logits[i] == cut && atCut-- > 0);
            _weights[i] = inside ? Math.Exp((logits[i] - top) / Temperature) : 0;
            total += _weights[i];
        }
        double u = _rng.NextDouble() * total;
        int last = best;
        for (int i = 0; i < logits.Length; i++)
        {
            if (_weights[i] == 0) continue;
            last = i;
            u -= _weights[i];
            if (u < 0) return i;
        }
        return last;   // rounding left u at or just above 0
    }
}
