using System;
using System.Globalization;

namespace NetCompiler.Bench;

/// <summary>The correctness check behind every TorchSharp column: started from the same weights, TorchSharp's
/// forward output for one batch must match NetCompiler's compiled <c>Infer</c>, and the losses of the first two
/// training steps on that batch must match (the first checks the loss, the second the update). A timing of a
/// peer that computes something else would be meaningless, so a mismatch is printed, never hidden.</summary>
internal static class TorchCheck
{
    /// <summary>Largest accepted difference, relative to max(1, |compiled value|).</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Compares and describes the result in one line.</summary>
    /// <param name="workload">Row name, e.g. <c>W1</c>.</param>
    /// <param name="compiledOutputs">Compiled <c>Infer</c> of the batch.</param>
    /// <param name="torchOutputs">TorchSharp's forward of the same batch.</param>
    /// <param name="compiledLosses">Losses the compiled training steps returned.</param>
    /// <param name="torchLosses">Losses of TorchSharp's steps, same batch, same order.</param>
    public static (bool Ok, string Line) Compare(string workload, float[] compiledOutputs, float[] torchOutputs,
        float[] compiledLosses, float[] torchLosses)
    {
        double outputs = MaxDifference(compiledOutputs, torchOutputs);
        double losses = MaxDifference(compiledLosses, torchLosses);
        bool ok = outputs <= Tolerance && losses <= Tolerance;
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{workload}: TorchSharp {(ok ? "matches" : "DOES NOT MATCH")} compiled NetCompiler from the same weights: " +
            $"forward max rel. diff {outputs:0.0e+0} over {compiledOutputs.Length} outputs, losses of 2 steps " +
            $"{string.Join("/", Array.ConvertAll(compiledLosses, l => l.ToString("G6", CultureInfo.InvariantCulture)))} vs " +
            $"{string.Join("/", Array.ConvertAll(torchLosses, l => l.ToString("G6", CultureInfo.InvariantCulture)))} " +
            $"(max rel. diff {losses:0.0e+0}; tolerance {Tolerance:0e+0})");
        return (ok, line);
    }

    /// <summary>max |a - b| / max(1, |a|); infinity when the lengths differ or a value is NaN.</summary>
    private static double MaxDifference(float[] expected, float[] actual)
    {
        if (expected.Length != actual.Length) return double.PositiveInfinity;
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)expected[i] - actual[i]) / Math.Max(1.0, Math.Abs((double)expected[i]));
            if (!(d <= max)) max = double.IsNaN(d) ? double.PositiveInfinity : d;
        }
        return max;
    }
}
