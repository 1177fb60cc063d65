using System;

namespace NetCompiler.Definitions.Text;

/// <summary>How well a masked language model predicts the masked tokens of held-out sequences: the mean cross-entropy
/// over the masked positions in nats per token (the positions whose target is not 0), how often the most likely token
/// is the original one, and how often a fixed token (the most frequent training token) would be.</summary>
/// <param name="NatsPerToken">Mean -ln p(original token) over the masked positions.</param>
/// <param name="Accuracy">Fraction of the masked positions whose most likely token is the original.</param>
/// <param name="BaselineAccuracy">Fraction of the masked positions whose original is the baseline's token.</param>
/// <param name="Positions">Masked positions counted.</param>
public readonly record struct MaskedTokenEvaluation(double NatsPerToken, double Accuracy, double BaselineAccuracy, long Positions)
{
    /// <summary>Runs <paramref name="network"/>'s compiled inference over <paramref name="masked"/> (features: the masked
    /// ids; targets: the original ids at the masked positions, 0 elsewhere, as <see cref="MlmMasking.Dataset"/> makes them)
    /// in batches of <paramref name="batchSize"/>; <paramref name="baselineToken"/> is the token the baseline predicts.</summary>
    public static MaskedTokenEvaluation Measure(INetwork network, Dataset masked, int batchSize, int baselineToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(masked);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (masked.Targets is null) throw new ArgumentException($"Dataset '{masked.Name}' has class labels, not token targets.", nameof(masked));
        int length = masked.FeatureSize, vocabulary = network.OutputShape[^1];
        batchSize = Math.Min(batchSize, masked.Count);
        var outputs = new float[batchSize * length * vocabulary];
        double loss = 0;
        long correct = 0, baseline = 0, positions = 0;
        for (int start = 0; start < masked.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, masked.Count - start);
            network.Infer(masked.Features.AsSpan(start * length, count * length), outputs.AsSpan(0, count * length * vocabulary), count);
            var targets = masked.Targets.AsSpan(start * length, count * length);
            for (int p = 0; p < targets.Length; p++)
            {
                int original = (int)targets[p];
                if (original == MlmMasking.Ignored) continue;
                var z = outputs.AsSpan(p * vocabulary, vocabulary);
                int best = 0;
                for (int j = 1; j < vocabulary; j++) if (z[j] > z[best]) best = j;
                double sum = 0;
                foreach (float v in z) sum += Math.Exp(v - z[best]);
                loss += z[best] + Math.Log(sum) - z[original];   // -log softmax(z)[original], by log-sum-exp
                positions++;
                if (best == original) correct++;
                if (baselineToken == original) baseline++;
            }
        }
        return positions == 0 ? new MaskedTokenEvaluation(double.NaN, double.NaN, double.NaN, 0)
            : new MaskedTokenEvaluation(loss / positions, (double)correct / positions, (double)baseline / positions, positions);
    }
}
