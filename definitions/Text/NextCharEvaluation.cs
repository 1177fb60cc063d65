using System;

namespace NetCompiler.Definitions.Text;

/// <summary>How well a character-level model predicts held-out text: the mean cross-entropy of the next character in
/// nats per character (the definition's loss, averaged over every position of every window) and how often the most
/// likely character is the right one.</summary>
/// <param name="NatsPerChar">Mean -ln p(next character).</param>
/// <param name="Accuracy">Fraction of positions whose most likely character is the next one.</param>
public readonly record struct NextCharEvaluation(double NatsPerChar, double Accuracy)
{
    /// <summary>Bits per character (nats / ln 2).</summary>
    public double BitsPerChar => NatsPerChar / Math.Log(2);

    /// <summary>Runs <paramref name="network"/>'s compiled inference over <paramref name="windows"/> (features: ids, targets:
    /// the next ids, as <see cref="CharCorpus.Windows"/> makes them) in batches of <paramref name="batchSize"/>.</summary>
    public static NextCharEvaluation Measure(INetwork network, Dataset windows, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (windows.Targets is null) throw new ArgumentException($"Dataset '{windows.Name}' has class labels, not the next ids.", nameof(windows));
        int steps = windows.FeatureSize, vocabulary = CharVocabulary.Size;
        batchSize = Math.Min(batchSize, windows.Count);
        var outputs = new float[batchSize * steps * vocabulary];
        double loss = 0;
        long correct = 0;
        for (int start = 0; start < windows.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, windows.Count - start);
            network.Infer(windows.Features.AsSpan(start * steps, count * steps), outputs.AsSpan(0, count * steps * vocabulary), count);
            var targets = windows.Targets.AsSpan(start * steps, count * steps);
            for (int p = 0; p < targets.Length; p++)
            {
                var z = outputs.AsSpan(p * vocabulary, vocabulary);
                int best = 0;
                for (int j = 1; j < vocabulary; j++) if (z[j] > z[best]) best = j;
                double sum = 0;
                foreach (float v in z) sum += Math.Exp(v - z[best]);
                int next = (int)targets[p];
                loss += z[best] + Math.Log(sum) - z[next];   // -log softmax(z)[next], by log-sum-exp
                if (best == next) correct++;
            }
        }
        long positions = (long)windows.Count * steps;
        return new NextCharEvaluation(loss / positions, (double)correct / positions);
    }
}
