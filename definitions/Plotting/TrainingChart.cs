using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace NetCompiler.Definitions.Plotting;

/// <summary>One curve of a <see cref="TrainingChart"/>: a value per epoch, epoch 1 first.</summary>
/// <param name="Label">The legend text.</param>
/// <param name="Values">One value per epoch. NaN and infinite values are skipped (the curve breaks there).</param>
/// <param name="Color">The curve colour; see <see cref="ChartColors"/> for a readable set.</param>
public sealed record ChartSeries(string Label, IReadOnlyList<double> Values, (byte R, byte G, byte B) Color);

/// <summary>Curve colours that stay distinguishable for the common forms of colour blindness and in greyscale
/// print (the first colours of the Tableau 10 palette, also matplotlib's default cycle).</summary>
public static class ChartColors
{
    /// <summary>Blue, for the first curve (e.g. the training loss).</summary>
    public static readonly (byte R, byte G, byte B) Blue = (31, 119, 180);

    /// <summary>Orange, for the second curve (e.g. the test loss).</summary>
    public static readonly (byte R, byte G, byte B) Orange = (255, 127, 14);

    /// <summary>Green, for a third curve.</summary>
    public static readonly (byte R, byte G, byte B) Green = (44, 160, 44);

    /// <summary>Red, for a fourth curve.</summary>
    public static readonly (byte R, byte G, byte B) Red = (214, 39, 40);

    /// <summary>Purple, for a fifth curve.</summary>
    public static readonly (byte R, byte G, byte B) Purple = (148, 103, 189);
}

/// <summary>Renders training curves as a two-panel PNG: loss on the left, accuracy (%) on the right, epochs on both
/// x axes. Written with no dependencies (see <see cref="Canvas"/> and <see cref="PngEncoder"/>) so the console app
/// can leave a plot behind at the end of a run.</summary>
/// <remarks>Bad data never throws: NaN and infinite values are skipped, a single epoch or an isolated value is drawn
/// as a marker, a constant series gets a padded y range, and a panel with nothing to draw says "no data".</remarks>
public static class TrainingChart
{
    private static readonly (byte R, byte G, byte B) Background = (255, 255, 255);
    private static readonly (byte R, byte G, byte B) Ink = (34, 34, 34);
    private static readonly (byte R, byte G, byte B) AxisInk = (90, 90, 90);
    private static readonly (byte R, byte G, byte B) GridInk = (232, 232, 232);
    private static readonly (byte R, byte G, byte B) MutedInk = (150, 150, 150);
    private static readonly (byte R, byte G, byte B) LegendBorder = (200, 200, 200);

    /// <summary>The smallest image the layout fits in.</summary>
    public const int MinWidth = 320, MinHeight = 200;

    private const int Margin = 12;
    private const int PanelGap = 28;
    private const int TickLength = 4;
    private const double StrokeWidth = 2;
    private const int YInset = 6;

    /// <summary>Renders the chart and writes it to <paramref name="path"/> as a PNG, atomically (a temporary file
    /// renamed over the destination, see <see cref="PngEncoder.WriteFile"/>).</summary>
    /// <param name="path">The destination; its directory must exist. An existing file is replaced.</param>
    /// <param name="title">The line across the top, e.g. "Seed001MnistNet on Fashion-MNIST, SGD lr 3, batch 10";
    /// shortened with "..." if it does not fit.</param>
    /// <param name="lossSeries">The curves of the left panel, e.g. train loss and test loss per epoch.</param>
    /// <param name="accuracySeries">The curves of the right panel, in percent, e.g. test accuracy per epoch.</param>
    /// <param name="width">Image width in pixels, at least <see cref="MinWidth"/>.</param>
    /// <param name="height">Image height in pixels, at least <see cref="MinHeight"/>.</param>
    public static void WritePng(string path, string title, IReadOnlyList<ChartSeries> lossSeries,
        IReadOnlyList<ChartSeries> accuracySeries, int width = 1000, int height = 450)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Render(title, lossSeries, accuracySeries, width, height).WritePng(path);
    }

    /// <summary>Renders the chart to a new <see cref="Canvas"/>; <see cref="WritePng"/> is this plus the encoding.</summary>
    /// <param name="title">The line across the top.</param>
    /// <param name="lossSeries">The curves of the left panel.</param>
    /// <param name="accuracySeries">The curves of the right panel, in percent.</param>
    /// <param name="width">Image width in pixels, at least <see cref="MinWidth"/>.</param>
    /// <param name="height">Image height in pixels, at least <see cref="MinHeight"/>.</param>
    /// <returns>The rendered image.</returns>
    public static Canvas Render(string title, IReadOnlyList<ChartSeries> lossSeries,
        IReadOnlyList<ChartSeries> accuracySeries, int width = 1000, int height = 450)
    {
        ArgumentNullException.ThrowIfNull(title);
        ValidateSeries(lossSeries, nameof(lossSeries));
        ValidateSeries(accuracySeries, nameof(accuracySeries));
        ArgumentOutOfRangeException.ThrowIfLessThan(width, MinWidth);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, MinHeight);

        var canvas = new Canvas(width, height, Background);
        // Text grows with the image so that a large chart is not captioned in 7-pixel type.
        int textScale = width >= 1400 && height >= 600 ? 2 : 1;
        int titleScale = height >= 300 ? textScale + 1 : textScale;

        string fitted = BitmapFont.Truncate(title, width - 2 * Margin, titleScale);
        canvas.DrawText((width - BitmapFont.Measure(fitted, titleScale)) / 2, Margin, fitted, Ink, titleScale);

        // The two panels share the width below the title; the title's descender rows count as its spacing.
        int top = Margin + BitmapFont.CellHeight * titleScale + Margin;
        int panelWidth = (width - 2 * Margin - PanelGap) / 2;
        var left = new Rect(Margin, top, panelWidth, height - top - Margin);
        var right = left with { X = width - Margin - panelWidth };
        DrawPanel(canvas, left, "loss", lossSeries, upperBound: null, titleScale, textScale);
        DrawPanel(canvas, right, "accuracy (%)", accuracySeries, upperBound: 100, titleScale, textScale);
        return canvas;
    }

    private static void ValidateSeries(IReadOnlyList<ChartSeries> series, string name)
    {
        ArgumentNullException.ThrowIfNull(series, name);
        foreach (ChartSeries s in series)
        {
            if (s is null) throw new ArgumentException("A series is null.", name);
            if (s.Label is null || s.Values is null) throw new ArgumentException("A series has a null label or values.", name);
        }
    }

    private readonly record struct Rect(int X, int Y, int Width, int Height)
    {
        public int Right => X + Width;    // exclusive
        public int Bottom => Y + Height;  // exclusive
    }

    // ---- one panel ------------------------------------------------------------------------------------------

    private static void DrawPanel(Canvas canvas, Rect panel, string title, IReadOnlyList<ChartSeries> series,
        double? upperBound, int titleScale, int textScale)
    {
        int textHeight = BitmapFont.CellHeight * textScale;
        canvas.DrawText(panel.X, panel.Y, title, Ink, titleScale);

        // Vertical layout first: the y ticks depend on the plot's height, the left margin on the y tick labels.
        int plotTop = panel.Y + BitmapFont.CellHeight * titleScale + 4;
        int plotBottom = panel.Bottom - (TickLength + 3 + textHeight + 2 + textHeight);  // exclusive
        int plotHeight = plotBottom - plotTop;

        int epochs = series.Count == 0 ? 0 : series.Max(s => s.Values.Count);
        bool hasData = series.Any(s => s.Values.Any(IsPlottable));
        Axis yAxis = Axis.ForValues(series.SelectMany(s => s.Values).Where(IsPlottable), upperBound,
            maxTicks: Math.Max(2, plotHeight / (textHeight + 24)));

        int yLabelWidth = yAxis.Labels.Length == 0 ? 0 : yAxis.Labels.Max(l => BitmapFont.Measure(l, textScale));
        int plotLeft = panel.X + yLabelWidth + TickLength + 4;
        // Room on the right for half of a tick label centred on the last epoch.
        string widestEpoch = Math.Max(epochs, 1).ToString(CultureInfo.InvariantCulture);
        int plotRight = panel.Right - BitmapFont.Measure(widestEpoch, textScale) / 2 - 1;
        var plot = new Rect(plotLeft, plotTop, plotRight - plotLeft, plotHeight);
        if (plot.Width < 10 || plot.Height < 10) return;  // only at the minimum sizes with huge tick labels

        Axis xAxis = Axis.ForEpochs(epochs, maxTicks: Math.Max(1, plot.Width / (BitmapFont.Measure(widestEpoch, textScale) + 40)));

        // Pixel centres: the first and last columns and rows of the plot rectangle are its frame. The y range stops
        // a few pixels short of the frame, so a curve at an end of the range (accuracy 100 %, loss 0) stays
        // visible instead of merging into it; the x range has half an epoch of room built in.
        double MapX(double x) => plot.X + (x - xAxis.Min) / (xAxis.Max - xAxis.Min) * (plot.Width - 1);
        double MapY(double y) => plot.Bottom - 1 - YInset - (y - yAxis.Min) / (yAxis.Max - yAxis.Min) * (plot.Height - 1 - 2 * YInset);

        // Grid lines first so that the frame, drawn after them, covers their ends.
        for (int i = 0; i < yAxis.Ticks.Length; i++)
        {
            int y = (int)Math.Round(MapY(yAxis.Ticks[i]));
            canvas.FillRect(plot.X, y, plot.Width, 1, GridInk);
            canvas.FillRect(plot.X - TickLength, y, TickLength, 1, AxisInk);
            int labelWidth = BitmapFont.Measure(yAxis.Labels[i], textScale);
            canvas.DrawText(plot.X - TickLength - 3 - labelWidth, y - BitmapFont.CapHeight * textScale / 2, yAxis.Labels[i], Ink, textScale);
        }
        for (int i = 0; i < xAxis.Ticks.Length; i++)
        {
            int x = (int)Math.Round(MapX(xAxis.Ticks[i]));
            canvas.FillRect(x, plot.Y, 1, plot.Height, GridInk);
            canvas.FillRect(x, plot.Bottom, 1, TickLength, AxisInk);
            int labelWidth = BitmapFont.Measure(xAxis.Labels[i], textScale);
            canvas.DrawText(x - labelWidth / 2, plot.Bottom + TickLength + 3, xAxis.Labels[i], Ink, textScale);
        }
        canvas.DrawRect(plot.X, plot.Y, plot.Width, plot.Height, AxisInk);
        const string xTitle = "epoch";
        canvas.DrawText(plot.X + (plot.Width - BitmapFont.Measure(xTitle, textScale)) / 2,
            plot.Bottom + TickLength + 3 + textHeight + 2, xTitle, Ink, textScale);

        if (!hasData)
        {
            const string empty = "no data";
            canvas.DrawText(plot.X + (plot.Width - BitmapFont.Measure(empty, textScale)) / 2,
                plot.Y + (plot.Height - BitmapFont.CapHeight * textScale) / 2, empty, MutedInk, textScale);
            return;
        }

        (double X, double Y)[][] curves = series
            .Select(s => s.Values.Select((v, i) => IsPlottable(v) ? (MapX(i + 1), MapY(v)) : (double.NaN, double.NaN)).ToArray())
            .ToArray();
        // Markers would merge into a thick band when points are closer than a few pixels; isolated points keep
        // theirs regardless, as they would be invisible without one.
        double spacing = (plot.Width - 1) / (xAxis.Max - xAxis.Min);  // pixels per epoch
        double markerSize = Math.Clamp(spacing * 0.18, 2, 3.5);
        // Curves inside the frame only: a marker at the edge of the range must not paint over the axes.
        canvas.SetClip(plot.X + 1, plot.Y + 1, plot.Width - 2, plot.Height - 2);
        for (int s = 0; s < series.Count; s++)
        {
            canvas.DrawPolyline(curves[s], series[s].Color, StrokeWidth);
            for (int i = 0; i < curves[s].Length; i++)
            {
                var (x, y) = curves[s][i];
                if (double.IsNaN(x)) continue;
                bool isolated = (i == 0 || double.IsNaN(curves[s][i - 1].X)) && (i == curves[s].Length - 1 || double.IsNaN(curves[s][i + 1].X));
                if (spacing >= 7 || isolated)
                    DrawMarker(canvas, s, x, y, isolated ? Math.Max(markerSize, 3) : markerSize, series[s].Color);
            }
        }
        canvas.ResetClip();

        DrawLegend(canvas, plot, series, curves, textScale);
    }

    // Shapes cycle with the series index so curves stay apart where colours are hard to tell.
    private static void DrawMarker(Canvas canvas, int index, double x, double y, double size, (byte R, byte G, byte B) color)
    {
        switch (index % 3)
        {
            case 0: canvas.FillCircle(x, y, size, color); break;
            case 1: canvas.FillSquare(x, y, size * 0.85, color); break;
            default: canvas.FillDiamond(x, y, size * 1.25, color); break;
        }
    }

    // ---- legend ---------------------------------------------------------------------------------------------

    private static void DrawLegend(Canvas canvas, Rect plot, IReadOnlyList<ChartSeries> series,
        (double X, double Y)[][] curves, int textScale)
    {
        if (series.Count == 0) return;
        const int padding = 6, sampleLength = 22, sampleGap = 6;
        int rowHeight = BitmapFont.CellHeight * textScale + 3;
        int maxLabelWidth = plot.Width - 2 * padding - sampleLength - sampleGap - 8;
        if (maxLabelWidth < 10) return;
        string[] labels = series.Select(s => BitmapFont.Truncate(s.Label, maxLabelWidth, textScale)).ToArray();
        int boxWidth = 2 * padding + sampleLength + sampleGap + labels.Max(l => BitmapFont.Measure(l, textScale));
        int boxHeight = 2 * padding + series.Count * rowHeight - 3;
        if (boxHeight > plot.Height - 8) return;

        // The corner with the fewest curve pixels under it, preferring the top right (where falling loss curves
        // leave room) on ties; rising accuracy curves usually leave the bottom right.
        const int inset = 6;
        Rect[] corners =
        {
            new(plot.Right - inset - boxWidth, plot.Y + inset, boxWidth, boxHeight),
            new(plot.Right - inset - boxWidth, plot.Bottom - inset - boxHeight, boxWidth, boxHeight),
            new(plot.X + inset, plot.Y + inset, boxWidth, boxHeight),
            new(plot.X + inset, plot.Bottom - inset - boxHeight, boxWidth, boxHeight),
        };
        Rect box = corners.MinBy(c => Overlap(c, curves));

        canvas.FillRect(box.X, box.Y, box.Width, box.Height, Background);
        canvas.DrawRect(box.X, box.Y, box.Width, box.Height, LegendBorder);
        for (int s = 0; s < series.Count; s++)
        {
            int rowTop = box.Y + padding + s * rowHeight;
            double centreY = rowTop + (BitmapFont.CapHeight * textScale - 1) / 2.0;
            double x0 = box.X + padding, x1 = x0 + sampleLength;
            canvas.DrawPolyline(new[] { (x0, centreY), (x1, centreY) }, series[s].Color, StrokeWidth);
            DrawMarker(canvas, s, (x0 + x1) / 2, centreY, 3, series[s].Color);
            canvas.DrawText((int)x1 + sampleGap, rowTop, labels[s], Ink, textScale);
        }
    }

    // How much of the curves runs under a rectangle, sampled every couple of pixels along each segment.
    private static int Overlap(Rect r, (double X, double Y)[][] curves)
    {
        int hits = 0;
        bool Inside(double x, double y) => x >= r.X - 3 && x < r.Right + 3 && y >= r.Y - 3 && y < r.Bottom + 3;
        foreach (var curve in curves)
            for (int i = 0; i < curve.Length; i++)
            {
                var (bx, by) = curve[i];
                if (double.IsNaN(bx)) continue;
                if (Inside(bx, by)) hits += 10;  // a marker
                if (i == 0 || double.IsNaN(curve[i - 1].X)) continue;
                var (ax, ay) = curve[i - 1];
                int steps = (int)Math.Min(2000, Math.Ceiling(Math.Max(Math.Abs(bx - ax), Math.Abs(by - ay)) / 2));
                for (int k = 1; k < steps; k++)
                    if (Inside(ax + (bx - ax) * k / steps, ay + (by - ay) * k / steps)) hits++;
            }
        return hits;
    }

    // Magnitudes past this would overflow the range arithmetic (max - min); such values are treated like NaN.
    private static bool IsPlottable(double v) => double.IsFinite(v) && Math.Abs(v) <= 1e300;

    // ---- axes -----------------------------------------------------------------------------------------------

    /// <summary>An axis range with its tick positions and labels.</summary>
    private sealed record Axis(double Min, double Max, double[] Ticks, string[] Labels)
    {
        /// <summary>Epochs 1..n at integer ticks in 1-2-5 steps; half an epoch of room at each end so the first and
        /// last markers sit inside the frame (and a single epoch sits in the middle).</summary>
        public static Axis ForEpochs(int epochs, int maxTicks)
        {
            int n = Math.Max(epochs, 1);
            double step = Math.Max(1, NiceStep(n - 1, maxTicks));
            var ticks = new List<double>();
            // Multiples of the step, plus epoch 1 where training starts; not before a step of 2, where "1 2 4 6"
            // reads like a mistake.
            for (double t = step; t <= n + 1e-9; t += step) ticks.Add(t);
            if (step >= 5 || ticks.Count == 0) ticks.Insert(0, 1);
            if (ticks.Count == 0) ticks.Add(1);
            return new Axis(0.5, n + 0.5, ticks.ToArray(), ticks.Select(t => t.ToString("0", CultureInfo.InvariantCulture)).ToArray());
        }

        /// <summary>A range covering <paramref name="values"/> with a little headroom, widened outwards to whole
        /// multiples of a 1-2-5 step. Non-negative data keeps a lower bound of at least 0 and data at or below
        /// <paramref name="upperBound"/> an upper bound of at most that (so a loss axis does not start at -0.05 and
        /// an accuracy axis does not end at 102).</summary>
        public static Axis ForValues(IEnumerable<double> values, double? upperBound, int maxTicks)
        {
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
            foreach (double v in values)
            {
                lo = Math.Min(lo, v);
                hi = Math.Max(hi, v);
            }
            if (lo > hi) (lo, hi) = (0, upperBound ?? 1);  // no data: an empty frame with a sensible scale

            double dataLo = lo, dataHi = hi;
            double scale = Math.Max(Math.Abs(lo), Math.Abs(hi));
            if (hi - lo <= scale * 1e-9)
            {
                // Constant (or within rounding of it): centre the value in a band of +-5 % (or +-1 around 0).
                double pad = scale > 0 ? scale * 0.05 : 1;
                lo -= pad;
                hi += pad;
            }
            else
            {
                double pad = (hi - lo) * 0.04;
                lo -= pad;
                hi += pad;
            }
            if (dataLo >= 0) lo = Math.Max(lo, 0);
            if (upperBound is double ub && dataHi <= ub) hi = Math.Min(hi, ub);

            double step = NiceStep(hi - lo, maxTicks);
            double min = Math.Floor(lo / step) * step, max = Math.Ceiling(hi / step) * step;
            // Widening to whole steps adds up to two intervals; past the budget the labels would collide, so choose the
            // step again for the widened range.
            if (max - min > maxTicks * step * (1 + 1e-9))
            {
                step = NiceStep(max - min, maxTicks);
                min = Math.Floor(lo / step) * step;
                max = Math.Ceiling(hi / step) * step;
            }
            int count = (int)Math.Round((max - min) / step) + 1;
            var ticks = new double[count];
            for (int i = 0; i < count; i++)
            {
                double t = min + i * step;
                // Snap float noise such as 0.30000000000000004 and -1e-17 to the value the label will show.
                ticks[i] = Math.Abs(t) < step * 1e-6 ? 0 : t;
            }
            return new Axis(min, max, ticks, FormatTicks(ticks, step));
        }

        // The smallest step of the form {1, 2, 5} x 10^k that divides range into at most maxTicks intervals.
        private static double NiceStep(double range, int maxTicks)
        {
            if (!(range > 0)) return 1;
            double rough = range / Math.Max(1, maxTicks);
            double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
            foreach (double f in new[] { 1.0, 2.0, 5.0, 10.0 })
                if (f * magnitude >= rough * (1 - 1e-9)) return f * magnitude;
            return 10 * magnitude;
        }

        // As many decimals as the step needs, the same for every label; exponent form for very large or small.
        private static string[] FormatTicks(double[] ticks, double step)
        {
            int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
            double largest = ticks.Max(Math.Abs);
            if (decimals <= 5 && largest < 1e7)
                return ticks.Select(t => t.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)).ToArray();
            // "2.5e-8", "1e300": no '+', zero as plain "0" rather than "0e0", and as many mantissa digits as tell
            // neighbours apart (1.001e12 beside 1.002e12).
            int digits = Math.Clamp((int)Math.Floor(Math.Log10(largest)) - (int)Math.Floor(Math.Log10(step) + 1e-9), 0, 15);
            string format = "0." + new string('#', digits) + "e0";
            return ticks.Select(t => t == 0 ? "0" : t.ToString(format, CultureInfo.InvariantCulture)).ToArray();
        }
    }
}
