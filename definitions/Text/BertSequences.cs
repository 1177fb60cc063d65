using System;
using System.Collections.Generic;

namespace NetCompiler.Definitions.Text;

/// <summary>Subword sequences of a fixed length for BERT, with the <see cref="SubwordTokenizer"/>'s special ids:
/// <c>&lt;s&gt;</c> (1) first as BERT's [CLS], <c>&lt;/s&gt;</c> (2) after each text as its [SEP], <c>&lt;pad&gt;</c> (0)
/// after the last.</summary>
public static class BertSequences
{
    /// <summary>The ids of <c>&lt;pad&gt;</c>, <c>&lt;s&gt;</c> and <c>&lt;/s&gt;</c>.</summary>
    public const int Pad = 0, Start = 1, End = 2;

    /// <summary>Pretraining sequences, packed as RoBERTa's FULL-SENTENCES: the texts' ids one after another, each followed
    /// by <c>&lt;/s&gt;</c>, cut into pieces of <paramref name="length"/> - 1 ids, each behind a <c>&lt;s&gt;</c>; the last
    /// piece padded. (One text per sequence would leave a third of the positions padding: most fortunes are shorter
    /// than 64 subwords.) Returns the sequences one after another, <paramref name="length"/> ids each.</summary>
    public static int[] Packed(SubwordTokenizer tokenizer, IEnumerable<string> texts, int length)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        var ids = new List<int>();
        foreach (string text in texts)
        {
            if (ids.Count % length == 0) ids.Add(Start);
            foreach (int id in tokenizer.Encode(text))
            {
                ids.Add(id);
                if (ids.Count % length == 0) ids.Add(Start);
            }
            ids.Add(End);
        }
        if (ids.Count % length == 1 && ids[^1] == Start) ids.RemoveAt(ids.Count - 1);   // a sequence holding only <s>
        while (ids.Count % length != 0) ids.Add(Pad);
        return [.. ids];
    }

    /// <summary>One text as a classifier's input: <c>&lt;s&gt;</c>, its first <paramref name="length"/> - 2 ids,
    /// <c>&lt;/s&gt;</c>, padding; written to <paramref name="sequence"/> (of <paramref name="length"/> ids).</summary>
    public static void Single(SubwordTokenizer tokenizer, string text, Span<int> sequence)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence.Length, 2);
        int[] ids = tokenizer.Encode(text);
        int kept = Math.Min(ids.Length, sequence.Length - 2);
        sequence.Clear();
        sequence[0] = Start;
        ids.AsSpan(0, kept).CopyTo(sequence[1..]);
        sequence[kept + 1] = End;
    }

    /// <summary>The ordinary (non-special) id that occurs most often in <paramref name="sequences"/> (the lowest of a
    /// tie): the most-frequent-token baseline predicts it at every masked position.</summary>
    public static int MostFrequentToken(ReadOnlySpan<int> sequences, int vocabularySize)
    {
        var counts = new long[vocabularySize];
        foreach (int id in sequences) counts[id]++;
        int best = MlmMasking.FirstOrdinaryId;
        for (int id = best + 1; id < vocabularySize; id++) if (counts[id] > counts[best]) best = id;
        return best;
    }
}
