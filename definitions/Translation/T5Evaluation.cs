using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Definitions.Translation;

/// <summary>How well a <see cref="T5Translator"/> does on held-out examples: under teacher forcing (the mean
/// cross-entropy per target subword, padding excluded, and how often the most likely subword is the right one), and by
/// translating (<see cref="BeamSearch"/>, scored by <see cref="TranslationScore"/>).</summary>
public static class T5Evaluation
{
    /// <summary>Mean -ln p(target subword) over every non-padding target position of <paramref name="data"/> (a
    /// <see cref="TextToTextTask.Dataset"/>), and the fraction whose most likely subword is the target.</summary>
    public static (double LossPerToken, double TokenAccuracy) TeacherForced(T5Translator network, Dataset data, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Targets is null) throw new ArgumentException($"Dataset '{data.Name}' has no target ids.", nameof(data));
        const int T = T5Translator.TargetLength, V = T5Translator.Vocabulary;
        batchSize = Math.Max(1, Math.Min(batchSize, data.Count));
        var logits = new float[batchSize * T * V];
        double loss = 0;
        long tokens = 0, correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, data.Count - start);
            network.Infer(data.Features.AsSpan(start * data.FeatureSize, count * data.FeatureSize), logits.AsSpan(0, count * T * V), count);
            var targets = data.Targets.AsSpan(start * T, count * T);
            for (int p = 0; p < targets.Length; p++)
            {
                int target = (int)targets[p];
                if (target == T5Translator.PadId) continue;
                var row = logits.AsSpan(p * V, V);
                int best = 0;
                for (int j = 1; j < V; j++) if (row[j] > row[best]) best = j;
                double sum = 0;
                foreach (float z in row) sum += Math.Exp(z - row[best]);
                loss += row[best] + Math.Log(sum) - row[target];
                tokens++;
                if (best == target) correct++;
            }
        }
        return tokens == 0 ? (0, 0) : (loss / tokens, (double)correct / tokens);
    }

    /// <summary>The outputs <paramref name="search"/> writes for <paramref name="inputs"/> (prefixed sources); an input whose
    /// subwords do not fit the source gives an empty output.</summary>
    public static List<string> Translate(BeamSearch search, TextToTextTask task, IEnumerable<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(search);
        ArgumentNullException.ThrowIfNull(task);
        var outputs = new List<string>();
        foreach (string input in inputs)
            outputs.Add(task.Source(input) is { } source ? task.Text(search.Translate(source, task.Tokenizer.Start, task.Tokenizer.End).Tokens) : "");
        return outputs;
    }

    /// <summary>The score of translating <paramref name="pairs"/> (exact match against every accepted translation).</summary>
    public static (TranslationScore Score, List<string> Outputs) Translation(BeamSearch search, TextToTextTask task, IReadOnlyList<TranslationPair> pairs)
    {
        var outputs = Translate(search, task, pairs.Select(p => TextToTextTask.TranslatePrefix + p.English));
        return (TranslationScore.Of(outputs, pairs.Select(p => p.Accepted).ToList()), outputs);
    }

    /// <summary>The score of the reverse task on the English of <paramref name="pairs"/>.</summary>
    public static TranslationScore Reversal(BeamSearch search, TextToTextTask task, IReadOnlyList<TranslationPair> pairs)
    {
        var outputs = Translate(search, task, pairs.Select(p => TextToTextTask.ReversePrefix + p.English));
        return TranslationScore.Of(outputs, pairs.Select(p => (IReadOnlyList<string>)[TextToTextTask.Reverse(p.English)]).ToList());
    }

    /// <summary>The score of answering every pair with the most frequent training translation (the baseline a model must
    /// beat), and that translation.</summary>
    public static (TranslationScore Score, string Answer) MostFrequentBaseline(IReadOnlyList<TranslationPair> train, IReadOnlyList<TranslationPair> pairs)
    {
        string answer = train.GroupBy(p => p.Japanese, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        return (TranslationScore.Of(pairs.Select(_ => answer).ToList(), pairs.Select(p => p.Accepted).ToList()), answer);
    }
}
