using System;

namespace NetCompiler.Definitions.Text;

/// <summary>The losses a language model has to beat, in nats per character: the cross-entropy on the validation text of
/// a unigram model (how often each character occurs) and of a bigram model (how often each character follows each
/// other), both counted on the training text with add-one (Laplace) smoothing, so that a character or pair the training
/// text never shows still has a finite loss. Both score the same positions as a language model's windows do: every
/// validation character after the first, the bigram given the character before it.</summary>
/// <param name="Unigram">Mean -ln p(c) over the validation positions, p(c) = (n(c) + 1) / (N + V).</param>
/// <param name="Bigram">Mean -ln p(c | a) over the validation positions, p(c | a) = (n(a c) + 1) / (n(a .) + V), where
/// n(a .) counts the training pairs that start with a.</param>
public readonly record struct NGramBaselines(double Unigram, double Bigram)
{
    /// <summary>Counts <paramref name="train"/> and scores <paramref name="validation"/> (ids from 0 to
    /// <paramref name="vocabulary"/> - 1).</summary>
    /// <exception cref="ArgumentException">The validation text has fewer than two characters, or an id is out of range.</exception>
    public static NGramBaselines Measure(ReadOnlySpan<int> train, ReadOnlySpan<int> validation, int vocabulary)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabulary, 1);
        if (validation.Length < 2) throw new ArgumentException("The validation text needs at least two characters: one to predict and one before it.", nameof(validation));
        var unigrams = new long[vocabulary];
        var bigrams = new long[vocabulary * vocabulary];   // [previous, next]
        var starts = new long[vocabulary];                 // pairs that start with each character
        for (int i = 0; i < train.Length; i++)
        {
            unigrams[Checked(train[i], vocabulary)]++;
            if (i == 0) continue;
            bigrams[train[i - 1] * vocabulary + train[i]]++;
            starts[train[i - 1]]++;
        }
        double unigram = 0, bigram = 0;
        for (int i = 1; i < validation.Length; i++)
        {
            int previous = Checked(validation[i - 1], vocabulary), next = Checked(validation[i], vocabulary);
            unigram -= Math.Log((unigrams[next] + 1.0) / (train.Length + vocabulary));
            bigram -= Math.Log((bigrams[previous * vocabulary + next] + 1.0) / (starts[previous] + vocabulary));
        }
        int positions = validation.Length - 1;
        return new NGramBaselines(unigram / positions, bigram / positions);
    }

    private static int Checked(int id, int vocabulary) => (uint)id < (uint)vocabulary ? id
        : throw new ArgumentException($"Character id {id} is outside the vocabulary of {vocabulary}.");
}
