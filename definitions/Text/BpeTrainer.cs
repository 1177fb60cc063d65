using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace NetCompiler.Definitions.Text;

/// <summary>Learns byte-pair merges: the texts are cut into pieces by <see cref="BytePreTokenizer"/> (merges never cross
/// a piece's edge), identical pieces are counted once with their frequency, and each step merges the most frequent
/// adjacent pair of tokens into a new token everywhere it occurs. Ties go to the pair whose left token is older (smaller
/// id), then whose right token is. Only the words that hold the merged pair are visited and only the counts of the pairs
/// around each merge change, so a step costs what that pair's occurrences cost, not a recount of the text.</summary>
internal sealed class BpeTrainer
{
    private readonly int[][] _symbols;   // each distinct piece as token ids, shrinking as merges apply
    private readonly int[] _lengths;
    private readonly long[] _counts;     // how often each piece occurs in the texts
    private readonly int[] _visitedByMerge;
    private readonly Dictionary<long, long> _pairCounts = [];
    private readonly Dictionary<long, List<int>> _pairWords = [];   // the pieces a pair occurs in (and some it left)
    private readonly PriorityQueue<long, (long Count, long Pair)> _queue = new(MostFrequentFirst.Instance);
    private readonly List<byte[]> _tokenBytes = [];
    private readonly HashSet<string> _tokenStrings = new(StringComparer.Ordinal);
    private readonly HashSet<long> _grownPairs = [];

    private BpeTrainer(Dictionary<string, long> pieceCounts)
    {
        _symbols = new int[pieceCounts.Count][];
        _lengths = new int[pieceCounts.Count];
        _counts = new long[pieceCounts.Count];
        _visitedByMerge = new int[pieceCounts.Count];
        Array.Fill(_visitedByMerge, -1);
        int w = 0;
        foreach ((string piece, long count) in pieceCounts)
        {
            _symbols[w] = new int[piece.Length];
            for (int i = 0; i < piece.Length; i++) _symbols[w][i] = SubwordTokenizer.ByteId((byte)piece[i]);
            _lengths[w] = piece.Length;
            _counts[w] = count;
            for (int i = 0; i + 1 < piece.Length; i++) Change(Pair(_symbols[w][i], _symbols[w][i + 1]), count, w);
            w++;
        }
        foreach ((long pair, long count) in _pairCounts) _queue.Enqueue(pair, (count, pair));
        for (int b = 0; b < 256; b++)
        {
            _tokenBytes.Add([(byte)b]);
            _tokenStrings.Add(((char)b).ToString());
        }
    }

    /// <summary>Up to <paramref name="mergeCount"/> merges as (left id, right id) in the order learnt; the merge at index
    /// k makes token <see cref="SubwordTokenizer.FirstMergeId"/> + k. Fewer when no pair occurs
    /// <paramref name="minPairCount"/> times any more. A pair whose bytes some token has already is skipped, so every
    /// token's bytes are different.</summary>
    public static List<(int Left, int Right)> Train(IEnumerable<string> texts, int mergeCount, int minPairCount)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfNegative(mergeCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(minPairCount, 1);
        return new BpeTrainer(CountPieces(texts)).Run(mergeCount, minPairCount);
    }

    /// <summary>Each distinct piece of the texts (a byte per char, so pieces are hashable strings) and how often it occurs.
    /// Single bytes are left out: they hold no pair.</summary>
    private static Dictionary<string, long> CountPieces(IEnumerable<string> texts)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var pieces = new List<(int Start, int Length)>();
        byte[] bytes = [];
        char[] chars = [];
        foreach (string text in texts)
        {
            if (text is null) throw new ArgumentException("The texts include null.", nameof(texts));
            int length = Encoding.UTF8.GetByteCount(text);
            if (bytes.Length < length) { bytes = new byte[length * 2]; chars = new char[length * 2]; }
            Encoding.UTF8.GetBytes(text, bytes);
            for (int i = 0; i < length; i++) chars[i] = (char)bytes[i];
            pieces.Clear();
            BytePreTokenizer.Split(bytes.AsSpan(0, length), pieces);
            foreach ((int start, int pieceLength) in pieces)
            {
                if (pieceLength < 2) continue;
                CollectionsMarshal.GetValueRefOrAddDefault(lookup, chars.AsSpan(start, pieceLength), out _)++;
            }
        }
        return counts;
    }

    private List<(int Left, int Right)> Run(int mergeCount, int minPairCount)
    {
        var merges = new List<(int Left, int Right)>(mergeCount);
        while (merges.Count < mergeCount && _queue.TryDequeue(out long pair, out var queued))
        {
            long count = _pairCounts.GetValueOrDefault(pair);
            if (count != queued.Count)
            {
                // Counts of queued pairs only fall (pairs that grow are new), so a stale entry goes back with its count.
                if (count >= minPairCount) _queue.Enqueue(pair, (count, pair));
                continue;
            }
            if (count < minPairCount) break;

            (int left, int right) = (Left(pair), Right(pair));
            byte[] merged = [.. _tokenBytes[left - SubwordTokenizer.FirstByteId], .. _tokenBytes[right - SubwordTokenizer.FirstByteId]];
            if (!_tokenStrings.Add(Encoding.Latin1.GetString(merged))) continue;   // dropped for good: its count cannot grow
            _tokenBytes.Add(merged);
            merges.Add((left, right));
            Merge(pair, SubwordTokenizer.FirstMergeId + merges.Count - 1, merges.Count);
        }
        return merges;
    }

    /// <summary>Replaces <paramref name="pair"/> with <paramref name="id"/> in every piece that holds it, left to right,
    /// and updates the counts of the pairs around each replacement.</summary>
    private void Merge(long pair, int id, int stamp)
    {
        (int left, int right) = (Left(pair), Right(pair));
        _grownPairs.Clear();
        foreach (int w in _pairWords[pair])
        {
            if (_visitedByMerge[w] == stamp) continue;
            _visitedByMerge[w] = stamp;
            int[] s = _symbols[w];
            int n = _lengths[w];
            long count = _counts[w];
            for (int i = 0; i + 1 < n; i++)
            {
                if (s[i] != left || s[i + 1] != right) continue;
                if (i > 0)
                {
                    Change(Pair(s[i - 1], left), -count, w);
                    Change(Pair(s[i - 1], id), count, w);
                }
                if (i + 2 < n)
                {
                    Change(Pair(right, s[i + 2]), -count, w);
                    Change(Pair(id, s[i + 2]), count, w);
                }
                s[i] = id;
                Array.Copy(s, i + 2, s, i + 1, n - i - 2);
                n--;
            }
            _lengths[w] = n;
        }
        _pairCounts.Remove(pair);
        _pairWords.Remove(pair);
        foreach (long grown in _grownPairs)
            if (_pairCounts.TryGetValue(grown, out long count)) _queue.Enqueue(grown, (count, grown));
    }

    private void Change(long pair, long delta, int word)
    {
        ref long count = ref CollectionsMarshal.GetValueRefOrAddDefault(_pairCounts, pair, out _);
        count += delta;
        if (count == 0)
        {
            _pairCounts.Remove(pair);
            _pairWords.Remove(pair);
            return;
        }
        if (delta < 0) return;
        _grownPairs.Add(pair);
        ref List<int>? words = ref CollectionsMarshal.GetValueRefOrAddDefault(_pairWords, pair, out _);
        words ??= [];
        if (words.Count == 0 || words[^1] != word) words.Add(word);
    }

    private static long Pair(int left, int right) => ((long)left << 32) | (uint)right;
    private static int Left(long pair) => (int)(pair >> 32);
    private static int Right(long pair) => (int)pair;

    /// <summary>Higher counts first; among equal counts the smaller (left, right), which is the pair's key order.</summary>
    private sealed class MostFrequentFirst : IComparer<(long Count, long Pair)>
    {
        public static readonly MostFrequentFirst Instance = new();

        public int Compare((long Count, long Pair) x, (long Count, long Pair) y) =>
            x.Count != y.Count ? y.Count.CompareTo(x.Count) : x.Pair.CompareTo(y.Pair);
    }
}
