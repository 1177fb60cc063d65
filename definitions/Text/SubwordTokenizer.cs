using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace NetCompiler.Definitions.Text;

/// <summary>A byte-level byte-pair-encoding tokenizer trained on the user's own text (<see cref="Train"/>) and saved
/// beside a checkpoint (<see cref="Save"/>, <see cref="Load"/>). Ids: the special tokens <c>&lt;pad&gt;</c> 0,
/// <c>&lt;s&gt;</c> 1, <c>&lt;/s&gt;</c> 2, <c>&lt;mask&gt;</c> 3, <c>&lt;unk&gt;</c> 4, then the 256 bytes, then one
/// token per learnt merge in the order learnt. Because every byte is a token, any text, in any script, and any byte
/// sequence (invalid UTF-8 included) encodes without an unknown token and decodes to exactly what was encoded.
/// Text is cut into pieces first (<see cref="BytePreTokenizer"/>: runs of letters of one script, numbers, whitespace or
/// symbols, with a leading space) and no token spans two pieces.
/// <para>Merges are applied by Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>, one piece at a time, written in
/// GPT-2's byte alphabet (<see cref="ByteLevelAlphabet"/>). Its own byte-level mode is not used: it takes strings, so it
/// cannot carry invalid UTF-8, and its decoder turns such bytes into U+FFFD. Special tokens are not given to it either,
/// because it would match them in any piece spelling them, and its pre-tokenizer is not used, so that training and
/// encoding cut text the same way. Decoding is a table of each token's bytes.</para>
/// <para>Instances are immutable and can encode and decode from several threads at once.</para></summary>
public sealed class SubwordTokenizer
{
    /// <summary>The special tokens' text, at their ids.</summary>
    internal static readonly string[] SpecialTokenTexts = ["<pad>", "<s>", "</s>", "<mask>", "<unk>"];

    private static readonly byte[][] SpecialTokenBytes = [.. SpecialTokenTexts.Select(Encoding.UTF8.GetBytes)];

    /// <summary>The id of the first byte token (byte 0).</summary>
    internal const int FirstByteId = 5;

    /// <summary>The id of the token the first merge makes.</summary>
    internal const int FirstMergeId = FirstByteId + 256;

    /// <summary>The smallest vocabulary: the special tokens and the bytes, no merges.</summary>
    public const int MinimumVocabularySize = FirstMergeId;

    private readonly (int Left, int Right)[] _merges;
    private readonly byte[][] _tokenBytes;   // at each id; the special tokens' text for them
    private readonly BpeTokenizer _bpe;

    /// <summary>The tokenizer of <paramref name="merges"/>, (left id, right id) in the order learnt, each making a token
    /// whose bytes no earlier token has (<see cref="BpeTrainer"/> and <see cref="SubwordTokenizerFile"/> see to it).</summary>
    internal SubwordTokenizer(IReadOnlyList<(int Left, int Right)> merges)
    {
        _merges = [.. merges];
        _tokenBytes = new byte[FirstMergeId + _merges.Length][];
        for (int id = 0; id < FirstByteId; id++) _tokenBytes[id] = SpecialTokenBytes[id];
        for (int b = 0; b < 256; b++) _tokenBytes[ByteId((byte)b)] = [(byte)b];
        for (int k = 0; k < _merges.Length; k++)
            _tokenBytes[FirstMergeId + k] = [.. _tokenBytes[_merges[k].Left], .. _tokenBytes[_merges[k].Right]];

        var vocabulary = new KeyValuePair<string, int>[_tokenBytes.Length - FirstByteId];
        for (int id = FirstByteId; id < _tokenBytes.Length; id++)
            vocabulary[id - FirstByteId] = new(ByteLevelAlphabet.Text(_tokenBytes[id]), id);
        _bpe = BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = _merges.Select(m => $"{vocabulary[m.Left - FirstByteId].Key} {vocabulary[m.Right - FirstByteId].Key}"),
        });
    }

    /// <summary>Learns a tokenizer of at most <paramref name="vocabularySize"/> tokens from <paramref name="texts"/>
    /// (see <see cref="BpeTrainer"/>). The same texts and arguments always give the same tokenizer.</summary>
    /// <param name="texts">The training text, e.g. one sentence or line per string.</param>
    /// <param name="vocabularySize">Tokens in all: special tokens, bytes and merges; at least <see cref="MinimumVocabularySize"/>.</param>
    /// <param name="minPairCount">Merging stops early, leaving a smaller vocabulary, when no pair of tokens occurs this often.</param>
    public static SubwordTokenizer Train(IEnumerable<string> texts, int vocabularySize, int minPairCount = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, MinimumVocabularySize);
        return new SubwordTokenizer(BpeTrainer.Train(texts, vocabularySize - FirstMergeId, minPairCount));
    }

    /// <summary>Reads a tokenizer that <see cref="Save"/> wrote.</summary>
    /// <exception cref="System.IO.InvalidDataException">The file is not a complete, consistent tokenizer file; the message
    /// says what is wrong.</exception>
    public static SubwordTokenizer Load(string path) => new(SubwordTokenizerFile.Read(path));

    /// <summary>Writes the tokenizer to <paramref name="path"/> atomically, as JSON: its special tokens, its vocabulary and
    /// its merges in order, tokens written in GPT-2's byte alphabet (<c>Ġ</c> is a space), as in GPT-2's vocab.json and
    /// merges.txt.</summary>
    public void Save(string path) => SubwordTokenizerFile.Write(path, this);

    /// <summary>The id of <c>&lt;pad&gt;</c>, 0.</summary>
    public int Pad => 0;

    /// <summary>The id of <c>&lt;s&gt;</c>, the start of a sequence, 1.</summary>
    public int Start => 1;

    /// <summary>The id of <c>&lt;/s&gt;</c>, the end of a sequence, 2.</summary>
    public int End => 2;

    /// <summary>The id of <c>&lt;mask&gt;</c>, 3, for masked-language-model training.</summary>
    public int Mask => 3;

    /// <summary>The id of <c>&lt;unk&gt;</c>, 4: reserved, never produced by encoding (every byte has a token).</summary>
    public int Unknown => 4;

    /// <summary>Tokens in all: the special tokens, the 256 bytes and one per merge.</summary>
    public int VocabularySize => _tokenBytes.Length;

    /// <summary>The merges as (left id, right id), in the order learnt.</summary>
    internal ReadOnlySpan<(int Left, int Right)> Merges => _merges;

    /// <summary>The id of the token of the single byte <paramref name="value"/>.</summary>
    internal static int ByteId(byte value) => FirstByteId + value;

    /// <summary>Whether <paramref name="id"/> is one of the special tokens (ids 0 to 4).</summary>
    public static bool IsSpecial(int id) => id is >= 0 and < FirstByteId;

    /// <summary>The ids of <paramref name="text"/>'s UTF-8 bytes; <see cref="Decode"/> gives the text back exactly. (A
    /// lone surrogate, which UTF-8 cannot carry, encodes as U+FFFD.)</summary>
    /// <param name="text">The text.</param>
    /// <param name="parseSpecialTokens">Whether <c>&lt;pad&gt;</c>, <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, <c>&lt;mask&gt;</c>
    /// and <c>&lt;unk&gt;</c> written in the text are the special tokens; by default they are text like any other.</param>
    public int[] Encode(string text, bool parseSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            int length = Encoding.UTF8.GetBytes(text, bytes);
            return Encode(bytes.AsSpan(0, length), parseSpecialTokens);
        }
        finally { ArrayPool<byte>.Shared.Return(bytes); }
    }

    /// <summary>The ids of any byte sequence, valid UTF-8 or not; <see cref="DecodeBytes"/> gives it back exactly.</summary>
    /// <param name="bytes">The bytes.</param>
    /// <param name="parseSpecialTokens">Whether the UTF-8 bytes of a special token's text are that token; by default they
    /// are bytes like any other.</param>
    public int[] Encode(ReadOnlySpan<byte> bytes, bool parseSpecialTokens = false)
    {
        var ids = new List<int>(bytes.Length / 2 + 1);
        if (!parseSpecialTokens)
        {
            EncodePieces(bytes, ids);
            return [.. ids];
        }
        int start = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != (byte)'<' || SpecialTokenAt(bytes[i..]) is not int special) continue;
            EncodePieces(bytes[start..i], ids);
            ids.Add(special);
            i += SpecialTokenBytes[special].Length - 1;
            start = i + 1;
        }
        EncodePieces(bytes[start..], ids);
        return [.. ids];
    }

    /// <summary>The text of <paramref name="ids"/>: their bytes read as UTF-8, where bytes that are not valid UTF-8 (ids
    /// cut inside a character, or of bytes that never were text) read as U+FFFD.</summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="skipSpecialTokens">Leave special tokens out instead of writing their text (<c>&lt;pad&gt;</c>, ...).</param>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in [0, <see cref="VocabularySize"/>).</exception>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false) =>
        Encoding.UTF8.GetString(DecodeBytes(ids, skipSpecialTokens));

    /// <summary>The bytes of <paramref name="ids"/>.</summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="skipSpecialTokens">Leave special tokens out instead of writing the UTF-8 of their text.</param>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in [0, <see cref="VocabularySize"/>).</exception>
    public byte[] DecodeBytes(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        int length = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)_tokenBytes.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token {i} is not an id of this tokenizer (0 to {_tokenBytes.Length - 1}).");
            if (!(skipSpecialTokens && IsSpecial(id))) length += _tokenBytes[id].Length;
        }
        var bytes = new byte[length];
        int at = 0;
        foreach (int id in ids)
        {
            if (skipSpecialTokens && IsSpecial(id)) continue;
            _tokenBytes[id].CopyTo(bytes, at);
            at += _tokenBytes[id].Length;
        }
        return bytes;
    }

    /// <summary>A token as text, for debugging: a special token's text, or the token's bytes as UTF-8 with each byte that
    /// is not part of a whole character written <c>&lt;0xE3&gt;</c> (a token can end inside a Japanese character).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not in [0, <see cref="VocabularySize"/>).</exception>
    public string TokenText(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, VocabularySize);
        if (IsSpecial(id)) return SpecialTokenTexts[id];
        var text = new StringBuilder();
        ReadOnlySpan<byte> bytes = _tokenBytes[id];
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out Rune rune, out int length) == OperationStatus.Done) text.Append(rune.ToString());
            else foreach (byte b in bytes[..length]) text.Append($"<0x{b:X2}>");
            bytes = bytes[length..];
        }
        return text.ToString();
    }

    /// <summary>The bytes of token <paramref name="id"/> (the UTF-8 of a special token's text).</summary>
    internal ReadOnlySpan<byte> TokenBytes(int id) => _tokenBytes[id];

    /// <summary>The special token whose text <paramref name="bytes"/> starts with, if any.</summary>
    private static int? SpecialTokenAt(ReadOnlySpan<byte> bytes)
    {
        for (int id = 0; id < SpecialTokenBytes.Length; id++)
            if (bytes.StartsWith(SpecialTokenBytes[id])) return id;
        return null;
    }

    /// <summary>Appends the ids of <paramref name="bytes"/>, cut into pieces and each piece merged by the BPE engine.</summary>
    private void EncodePieces(ReadOnlySpan<byte> bytes, List<int> ids)
    {
        if (bytes.IsEmpty) return;
        var pieces = new List<(int Start, int Length)>();
        BytePreTokenizer.Split(bytes, pieces);
        char[] chars = ArrayPool<char>.Shared.Rent(bytes.Length);
        try
        {
            foreach ((int start, int length) in pieces)
            {
                if (length == 1) { ids.Add(ByteId(bytes[start])); continue; }
                Span<char> piece = chars.AsSpan(0, length);
                ByteLevelAlphabet.Write(bytes.Slice(start, length), piece);
                ids.AddRange(_bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false));
            }
        }
        finally { ArrayPool<char>.Shared.Return(chars); }
    }
}
