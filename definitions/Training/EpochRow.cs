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
    public static IReadOnlyList<EpochRow> ParseAll(string text) => ParseLast(text, int.MaxValue, out _);

    /// <summary>The last <paramref name="maxRows"/> well-formed records of <see cref="FormatAll"/>'s output, in order;
    /// malformed records are skipped (the history is informative only). The text comes from a checkpoint, which anyone
    /// can write: it is read from the end, record by record, so memory follows the rows kept, not the text (a 90 MB
    /// history of "1,1,1,1,1;" records, split at once, needed several gigabytes).</summary>
    /// <param name="text">The metadata string.</param>
    /// <param name="maxRows">The most rows returned.</param>
    /// <param name="more">Whether well-formed records before the ones returned were left out.</param>
    public static IReadOnlyList<EpochRow> ParseLast(string text, int maxRows, out bool more)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        var rows = new List<EpochRow>();
        more = false;
        for (int end = text.Length; end > 0;)
        {
            int start = text.LastIndexOf(';', end - 1) + 1;
            var record = text.AsSpan(start, end - start);
            end = start - 1;
            if (!TryParse(record, out var row)) continue;
            if (rows.Count == maxRows) { more = true; break; }
            rows.Add(row);
        }
        rows.Reverse();
        return rows;
    }

    private static bool TryParse(ReadOnlySpan<char> record, out EpochRow row)
    {
        row = null!;
        Span<Range> f = stackalloc Range[6];
        if (record.Split(f, ',') != 5) return false;
        if (!int.TryParse(record[f[0]], NumberStyles.Integer, Invariant, out int epoch)
            || !double.TryParse(record[f[1]], NumberStyles.Float, Invariant, out double trainLoss)
            || !double.TryParse(record[f[2]], NumberStyles.Float, Invariant, out double testLoss)
            || !double.TryParse(record[f[3]], NumberStyles.Float, Invariant, out double accuracy)
            || !double.TryParse(record[f[4]], NumberStyles.Float, Invariant, out double seconds))
            return false;
        row = new EpochRow(epoch, trainLoss, testLoss, accuracy, seconds);
        return true;
    }

    private static string Format(EpochRow r) =>
        string.Create(Invariant, $"{r.Epoch},{r.TrainLoss:R},{r.TestLoss:R},{r.TestAccuracy:R},{r.Seconds:F3}");
}
