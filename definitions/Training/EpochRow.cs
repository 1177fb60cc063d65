using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NetCompiler.Definitions.Training;

/// <summary>One epoch of the main job's history: what the plot and the CSV show, and what a checkpoint carries so a
/// resumed run's plot still covers the whole training.</summary>
public sealed record EpochRow(int Epoch, double TrainLoss, double TestLoss, double TestAccuracy, double Seconds)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The rows as CSV with a header.</summary>
    public static string Csv(IEnumerable<EpochRow> rows)
    {
        var s = new StringBuilder("epoch,train_loss,test_loss,test_accuracy,seconds\n");
        foreach (var r in rows) s.Append(Format(r)).Append('\n');
        return s.ToString();
    }

    /// <summary>The rows in one metadata string (semicolon-separated CSV records).</summary>
    public static string FormatAll(IEnumerable<EpochRow> rows) => string.Join(';', rows.Select(Format));

    /// <summary>Parses <see cref="FormatAll"/>'s output; malformed records are skipped (the history is informative only).</summary>
    public static IEnumerable<EpochRow> ParseAll(string text)
    {
        foreach (string record in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = record.Split(',');
            if (f.Length == 5 && int.TryParse(f[0], NumberStyles.Integer, Invariant, out int epoch)
                && double.TryParse(f[1], NumberStyles.Float, Invariant, out double trainLoss)
                && double.TryParse(f[2], NumberStyles.Float, Invariant, out double testLoss)
                && double.TryParse(f[3], NumberStyles.Float, Invariant, out double accuracy)
                && double.TryParse(f[4], NumberStyles.Float, Invariant, out double seconds))
                yield return new EpochRow(epoch, trainLoss, testLoss, accuracy, seconds);
        }
    }

    private static string Format(EpochRow r) =>
        string.Create(Invariant, $"{r.Epoch},{r.TrainLoss:R},{r.TestLoss:R},{r.TestAccuracy:R},{r.Seconds:F3}");
}
