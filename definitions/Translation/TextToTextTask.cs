using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Definitions.Text;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Definitions.Translation;

/// <summary>T5's text-to-text framing for <see cref="T5Translator"/>: every task is plain text in, plain text out, the task
/// named by a prefix of the input (<see cref="TranslatePrefix"/> + "thank you" -> "ありがとう"; <see cref="ReversePrefix"/>
/// + "thank you" -> "uoy knaht"). A sample is the source (the prefixed input's subwords and the end token, padded with
/// &lt;pad&gt; to <see cref="T5Translator.SourceLength"/>), the decoder's input (the start token, then the output's
/// subwords: teacher forcing) and the target (the output's subwords and the end token: the decoder's input shifted left),
/// both padded to <see cref="T5Translator.TargetLength"/>; the loss ignores the padding.</summary>
public sealed class TextToTextTask
{
    /// <summary>The prefix of the translation task (T5's wording).</summary>
    public const string TranslatePrefix = "translate English to Japanese: ";

    /// <summary>The prefix of the second task: write the English backwards, character by character.</summary>
    public const string ReversePrefix = "reverse: ";

    private const int S = T5Translator.SourceLength, T = T5Translator.TargetLength;

    /// <summary>A task over <paramref name="tokenizer"/>'s subwords.</summary>
    public TextToTextTask(SubwordTokenizer tokenizer)
    {
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        if (tokenizer.VocabularySize > T5Translator.Vocabulary)
            throw new ArgumentException($"The tokenizer has {tokenizer.VocabularySize} subwords; T5Translator reads at most {T5Translator.Vocabulary}.", nameof(tokenizer));
        if (tokenizer.Pad != T5Translator.PadId)
            throw new ArgumentException($"The tokenizer's pad id is {tokenizer.Pad}; T5Translator masks and ignores {T5Translator.PadId}.", nameof(tokenizer));
    }

    /// <summary>The subword tokenizer of sources and outputs.</summary>
    public SubwordTokenizer Tokenizer { get; }

    /// <summary><paramref name="english"/> backwards, a Unicode character (code point) at a time.</summary>
    public static string Reverse(string english)
    {
        ArgumentNullException.ThrowIfNull(english);
        var runes = english.EnumerateRunes().ToArray();
        Array.Reverse(runes);
        return string.Concat(runes.Select(r => r.ToString()));
    }

    /// <summary>The texts a tokenizer for this task trains on: every training source (with its prefix) and output, of
    /// both tasks.</summary>
    public static IEnumerable<string> TokenizerTexts(IEnumerable<TranslationPair> train)
    {
        foreach (var pair in train)
        {
            yield return TranslatePrefix + pair.English;
            yield return pair.Japanese;
            yield return ReversePrefix + pair.English;
            yield return Reverse(pair.English);
        }
    }

    /// <summary>The source ids of <paramref name="input"/> (its prefix included), padded; null when they do not fit.</summary>
    public int[]? Source(string input)
    {
        var ids = Tokenizer.Encode(input);
        if (ids.Length + 1 > S) return null;
        var source = new int[S];   // the rest is <pad>, 0
        ids.CopyTo(source, 0);
        source[ids.Length] = Tokenizer.End;
        return source;
    }

    /// <summary>The decoder's input and the target for <paramref name="output"/>, padded; null when they do not fit.</summary>
    public (int[] DecoderInput, int[] Target)? Output(string output)
    {
        var ids = Tokenizer.Encode(output);
        if (ids.Length + 1 > T) return null;
        var decoderInput = new int[T];
        var target = new int[T];
        decoderInput[0] = Tokenizer.Start;
        ids.CopyTo(decoderInput, 1);
        ids.CopyTo(target, 0);
        target[ids.Length] = Tokenizer.End;
        return (decoderInput, target);
    }

    /// <summary>The output text of decoded ids (special tokens dropped).</summary>
    public string Text(ReadOnlySpan<int> ids) => Tokenizer.Decode(ids, skipSpecialTokens: true);

    /// <summary>Samples of (input, output) examples as the network's dataset: features [source ids, decoder input ids],
    /// targets the target ids, all as floats; examples whose ids do not fit are left out and counted.</summary>
    public (Dataset Data, int Dropped) Dataset(string name, IEnumerable<(string Input, string Output)> examples)
    {
        var features = new List<float>();
        var targets = new List<float>();
        int count = 0, dropped = 0;
        foreach (var (input, output) in examples)
        {
            if (Source(input) is not { } source || Output(output) is not var (decoderInput, target)) { dropped++; continue; }
            features.AddRange(source.Select(i => (float)i));
            features.AddRange(decoderInput.Select(i => (float)i));
            targets.AddRange(target.Select(i => (float)i));
            count++;
        }
        if (count == 0) throw new ArgumentException($"No example of '{name}' fits {S} source and {T} target subwords ({dropped} dropped).", nameof(examples));
        return (new Dataset(name, features.ToArray(), S + T, targets.ToArray(), T), dropped);
    }

    /// <summary>The training examples of <paramref name="pairs"/>: each translated, and every <paramref name="reverseEvery"/>-th
    /// also reversed (the second task, on a share of the words so that it costs a share of the time).</summary>
    public static IEnumerable<(string Input, string Output)> Examples(IReadOnlyList<TranslationPair> pairs, int reverseEvery)
    {
        for (int i = 0; i < pairs.Count; i++)
        {
            yield return (TranslatePrefix + pairs[i].English, pairs[i].Japanese);
            if (reverseEvery > 0 && i % reverseEvery == 0) yield return (ReversePrefix + pairs[i].English, Reverse(pairs[i].English));
        }
    }
}
