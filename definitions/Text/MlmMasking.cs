using System;

namespace NetCompiler.Definitions.Text;

/// <summary>BERT's masking for masked-language-model training (Devlin et al., section 3.1 and appendix A.1, as Google's
/// <c>create_pretraining_data.py</c> does it): in each sequence, max(1, round(15% of its non-special tokens)) positions
/// are chosen uniformly without replacement among the non-special tokens (never padding, <c>&lt;s&gt;</c>,
/// <c>&lt;/s&gt;</c> or any other id below <see cref="SubwordTokenizer.MinimumVocabularySize"/>'s special range); each chosen
/// token becomes <c>&lt;mask&gt;</c> (id 3) with probability 0.8, a random non-special token with probability 0.1
/// (possibly itself), or stays as it is with probability 0.1. The target is the original id at the chosen positions
/// and 0 (the pad id, ignored by the loss) everywhere else.
/// <para>Draws are a function of (seed, epoch, sequence index) alone: the same on every machine and run, independent of
/// the order sequences are masked in, and new in every epoch (BERT's dynamic masking, as RoBERTa does it).</para></summary>
public sealed class MlmMasking
{
    /// <summary>The fraction of a sequence's non-special tokens chosen (BERT's <c>masked_lm_prob</c>).</summary>
    public const double ChosenFraction = 0.15;

    /// <summary>Of the chosen tokens, the fraction replaced by <c>&lt;mask&gt;</c>; of the rest, half are replaced by a
    /// random token and half are left unchanged.</summary>
    public const double MaskFraction = 0.8, RandomFraction = 0.1;

    /// <summary>The id of <c>&lt;mask&gt;</c>.</summary>
    public const int MaskId = 3;

    /// <summary>The target of the positions not chosen (the pad id, the loss's ignore index).</summary>
    public const int Ignored = 0;

    private readonly int _vocabularySize;
    private readonly int _seed;

    /// <summary>Masking for a vocabulary of <paramref name="vocabularySize"/> ids, random tokens drawn from its
    /// non-special ids.</summary>
    public MlmMasking(int vocabularySize, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(vocabularySize, FirstOrdinaryId);
        _vocabularySize = vocabularySize;
        _seed = seed;
    }

    /// <summary>The first id that is not a special token (<c>&lt;pad&gt;</c>, <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>,
    /// <c>&lt;mask&gt;</c>, <c>&lt;unk&gt;</c>).</summary>
    public const int FirstOrdinaryId = 5;

    /// <summary>Masks sequence <paramref name="index"/> of epoch <paramref name="epoch"/>: writes the network's input to
    /// <paramref name="inputs"/> and the loss's target to <paramref name="targets"/> (both of the sequence's length);
    /// returns how many positions were chosen.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is negative or not below the vocabulary size.</exception>
    public int Mask(ReadOnlySpan<int> ids, int epoch, int index, Span<int> inputs, Span<int> targets)
    {
        if (inputs.Length != ids.Length || targets.Length != ids.Length)
            throw new ArgumentException($"The inputs ({inputs.Length}) and targets ({targets.Length}) must have the sequence's length ({ids.Length}).");
        Span<int> candidates = ids.Length <= 1024 ? stackalloc int[ids.Length] : new int[ids.Length];
        int n = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)_vocabularySize)
                throw new ArgumentOutOfRangeException(nameof(ids), ids[i], $"Token {i} is not an id below the vocabulary size {_vocabularySize}.");
            inputs[i] = ids[i];
            targets[i] = Ignored;
            if (ids[i] >= FirstOrdinaryId) candidates[n++] = i;
        }
        int chosen = ChosenCount(n);
        var rng = new Rng(Seed(epoch, index));
        for (int k = 0; k < chosen; k++)
        {
            int j = k + rng.NextInt(n - k);   // a partial Fisher-Yates shuffle: the first k are a uniform sample
            (candidates[k], candidates[j]) = (candidates[j], candidates[k]);
            int position = candidates[k];
            targets[position] = ids[position];
            double r = rng.NextDouble();
            if (r < MaskFraction) inputs[position] = MaskId;
            else if (r < MaskFraction + RandomFraction) inputs[position] = FirstOrdinaryId + rng.NextInt(_vocabularySize - FirstOrdinaryId);
        }
        return chosen;
    }

    /// <summary>Positions chosen in a sequence of <paramref name="ordinaryTokens"/> non-special tokens:
    /// max(1, round(15%)), none when there are none.</summary>
    public static int ChosenCount(int ordinaryTokens) =>
        ordinaryTokens == 0 ? 0 : Math.Max(1, (int)Math.Round(ordinaryTokens * ChosenFraction, MidpointRounding.AwayFromZero));

    /// <summary>Masks every sequence of <paramref name="sequences"/> (each of <paramref name="length"/> ids, one after
    /// another) for epoch <paramref name="epoch"/>, as a dataset: the masked ids as features, the targets as targets.</summary>
    public Dataset Dataset(int[] sequences, int length, int epoch, string name)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        if (sequences.Length % length != 0)
            throw new ArgumentException($"{sequences.Length} ids are not whole sequences of {length}.", nameof(sequences));
        int count = sequences.Length / length;
        var features = new float[sequences.Length];
        var targets = new float[sequences.Length];
        var input = new int[length];
        var target = new int[length];
        for (int s = 0; s < count; s++)
        {
            Mask(sequences.AsSpan(s * length, length), epoch, s, input, target);
            for (int i = 0; i < length; i++)
            {
                features[s * length + i] = input[i];
                targets[s * length + i] = target[i];
            }
        }
        return new Dataset(name, features, length, targets, length);
    }

    /// <summary>A 64-bit seed of (seed, epoch, index), mixed (SplitMix64's finalizer) so that neighbouring sequences
    /// draw unrelated streams.</summary>
    private ulong Seed(int epoch, int index)
    {
        ulong z = ((ulong)(uint)_seed << 32 | (uint)epoch) * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)index * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
