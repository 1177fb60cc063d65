using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NetCompiler.Bench;

/// <summary>Renders the <c>compare</c> rows (and <c>scaling</c>'s cells) as Markdown tables, columns padded so they
/// also read as plain text.</summary>
internal static class MarkdownTable
{
    private static readonly string[] s_header =
    [
        "workload", "unit", "compiled", "interpreted", "TorchSharp 1 thread", "TorchSharp 2 threads",
        "compiled vs interpreted", "compiled vs best TorchSharp", "notes",
    ];

    public static string Render(IReadOnlyList<ResultRow> rows)
    {
        var cells = new List<string[]> { s_header };
        foreach (var row in rows)
        {
            cells.Add(
            [
                row.Workload,
                row.Metric.Unit,
                Number(row.Value(row.Compiled)),
                Number(row.Value(row.Interpreted)),
                Number(row.Value(row.TorchSharp1)),
                Number(row.Value(row.TorchSharp2)),
                Ratio(row.Speedup(row.Interpreted)),
                Ratio(row.Speedup(row.BestTorchSharp)),
                row.Notes,
            ]);
        }

        return Render(cells, [false, false, true, true, true, true, true, true, false]);
    }

    /// <summary>Any table: <paramref name="cells"/>[0] is the header; <paramref name="numeric"/> columns are
    /// right-aligned (also used by <c>scaling</c>).</summary>
    public static string Render(IReadOnlyList<string[]> cells, bool[] numeric)
    {
        int[] widths = Enumerable.Range(0, numeric.Length).Select(c => cells.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        for (int r = 0; r < cells.Count; r++)
        {
            text.Append('|');
            for (int c = 0; c < widths.Length; c++)
                text.Append(' ').Append(numeric[c] && r > 0 ? cells[r][c].PadLeft(widths[c]) : cells[r][c].PadRight(widths[c])).Append(" |");
            text.AppendLine();
            if (r == 0)
            {
                text.Append('|');
                for (int c = 0; c < widths.Length; c++)
                    text.Append(numeric[c] ? " " + new string('-', widths[c] - 1) + ": |" : " " + new string('-', widths[c]) + " |");
                text.AppendLine();
            }
        }
        return text.ToString();
    }

    /// <summary>Three significant digits, thousands separated: 0.0871, 1.76, 25.3, 103, 27,800; "n/a" for none.</summary>
    public static string Number(double? value)
    {
        if (value is not { } v || !double.IsFinite(v)) return "n/a";
        double a = Math.Abs(v);
        if (a >= 1000)
        {
            double scale = Math.Pow(10, Math.Floor(Math.Log10(a)) - 2);
            return (Math.Round(v / scale) * scale).ToString("N0", CultureInfo.InvariantCulture);
        }
        if (a >= 100) return v.ToString("F0", CultureInfo.InvariantCulture);
        if (a >= 10) return v.ToString("F1", CultureInfo.InvariantCulture);
        if (a >= 1) return v.ToString("F2", CultureInfo.InvariantCulture);
        return v.ToString("G3", CultureInfo.InvariantCulture);
    }

    /// <summary>A speedup as <c>12.3x</c>; below 1 the compiled code is slower.</summary>
    public static string Ratio(double? speedup) => speedup is { } s && double.IsFinite(s) ? Number(s) + "x" : "n/a";
}
