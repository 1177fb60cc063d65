using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NetCompiler.Definitions.Plotting;
using Xunit;

namespace NetCompiler.Tests.Plotting;

/// <summary>TrainingChart: every chart is written to disk, decoded independently and checked for its size, its
/// background, and where the curve colours land; the edge cases (one epoch, NaN and infinities, constant and empty
/// series) must produce a valid image rather than throw.</summary>
public sealed class TrainingChartTests : IDisposable
{
    private const string Title = "Seed001MnistNet on Fashion-MNIST, SGD lr 3, batch 10";
    private static readonly (byte R, byte G, byte B) White = (255, 255, 255);
    // Colours no other chart element uses, so every pixel of exactly this value belongs to a curve or its legend.
    private static readonly (byte R, byte G, byte B) TrainColor = (0, 90, 200);
    private static readonly (byte R, byte G, byte B) TestColor = (230, 100, 0);
    private static readonly (byte R, byte G, byte B) AccuracyColor = (0, 150, 60);

    private readonly string directory = Path.Combine(Path.GetTempPath(), "nc-chart-" + Guid.NewGuid().ToString("N"));

    public TrainingChartTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static double[] Decay(int epochs, double start, double end, double rate) =>
        Enumerable.Range(0, epochs).Select(i => end + (start - end) * Math.Exp(-i * rate)).ToArray();

    private DecodedPng Write(IReadOnlyList<ChartSeries> loss, IReadOnlyList<ChartSeries> accuracy,
        int width = 1000, int height = 450, string title = Title)
    {
        string path = Path.Combine(directory, "chart.png");
        TrainingChart.WritePng(path, title, loss, accuracy, width, height);
        // The atomic write must not leave its temporary file behind.
        Assert.Equal(new[] { path }, Directory.GetFiles(directory));
        DecodedPng png = PngTestDecoder.Decode(path);
        Assert.Equal((width, height, 2), (png.Width, png.Height, png.ColorType));
        return png;
    }

    private static IEnumerable<(int X, int Y)> PixelsOf(DecodedPng png, (byte R, byte G, byte B) color)
    {
        for (int y = 0; y < png.Height; y++)
            for (int x = 0; x < png.Width; x++)
                if (png.Rgb(x, y) == color) yield return (x, y);
    }

    // The longest horizontal run of exactly this colour: a curve drawn flat, not a legend sample (22 px).
    private static int LongestRun(DecodedPng png, (byte R, byte G, byte B) color, int fromX, int toX)
    {
        int best = 0;
        for (int y = 0; y < png.Height; y++)
            for (int x = fromX, run = 0; x < toX; x++)
            {
                run = png.Rgb(x, y) == color ? run + 1 : 0;
                best = Math.Max(best, run);
            }
        return best;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(50)]
    public void TypicalRun_WritesValidChart_WithCurvesInTheirPanels(int epochs)
    {
        var loss = new[]
        {
            new ChartSeries("train loss", Decay(epochs, 1.2, 0.25, 0.15), TrainColor),
            new ChartSeries("test loss", Decay(epochs, 1.25, 0.32, 0.12), TestColor),
        };
        var accuracy = new[] { new ChartSeries("test accuracy", Decay(epochs, 68, 88, 0.2), AccuracyColor) };

        DecodedPng png = Write(loss, accuracy);

        Assert.Equal(White, png.Rgb(0, 0));
        Assert.Equal(White, png.Rgb(png.Width - 1, png.Height - 1));
        Assert.Equal(White, png.Rgb(png.Width / 2, png.Height - 1));
        // Loss curves in the left half only, the accuracy curve in the right half only, and none in the title band.
        foreach (var color in new[] { TrainColor, TestColor })
        {
            var pixels = PixelsOf(png, color).ToList();
            Assert.NotEmpty(pixels);
            Assert.All(pixels, p => Assert.InRange(p.X, 0, png.Width / 2 - 1));
            Assert.All(pixels, p => Assert.InRange(p.Y, 40, png.Height - 1));
        }
        var accuracyPixels = PixelsOf(png, AccuracyColor).ToList();
        Assert.NotEmpty(accuracyPixels);
        Assert.All(accuracyPixels, p => Assert.InRange(p.X, png.Width / 2, png.Width - 1));
    }

    [Fact]
    public void SingleEpoch_DrawsAMarkerInTheMiddleOfThePlot()
    {
        var loss = new[] { new ChartSeries("train loss", new[] { 0.7 }, TrainColor) };

        DecodedPng png = Write(loss, Array.Empty<ChartSeries>());

        // The one point sits at epoch 1, the centre of an x range of [0.5, 1.5]: around the middle of the left
        // panel, away from the legend in a corner. A marker is a solid blob, at least 3 x 3.
        int centre = png.Width / 4;
        var blob = PixelsOf(png, TrainColor).Where(p => Math.Abs(p.X - centre) < 60).ToList();
        Assert.True(blob.Count >= 9, $"{blob.Count} marker pixels");
        Assert.True(blob.Max(p => p.X) - blob.Min(p => p.X) <= 8);
    }

    [Fact]
    public void ConstantSeries_IsDrawnAsAFlatLine_InsideAPaddedRange()
    {
        var loss = new[] { new ChartSeries("constant", Enumerable.Repeat(0.5, 20).ToArray(), TrainColor) };
        var accuracy = new[] { new ChartSeries("perfect", Enumerable.Repeat(100.0, 20).ToArray(), AccuracyColor) };

        DecodedPng png = Write(loss, accuracy);

        // A drawn line pixel has exactly the curve colour: the flat curve is a long run of it in each panel
        // (including 100 %, the top of the accuracy range, which must not disappear into the frame).
        Assert.True(LongestRun(png, TrainColor, 0, png.Width / 2) > 300);
        Assert.True(LongestRun(png, AccuracyColor, png.Width / 2, png.Width) > 300);
    }

    [Fact]
    public void NanAndInfiniteValues_AreSkipped()
    {
        double[] values = { 1.0, double.NaN, 0.8, 0.7, double.PositiveInfinity, 0.5, double.NegativeInfinity, 0.4, double.MaxValue, 0.35 };
        var loss = new[]
        {
            new ChartSeries("gaps", values, TrainColor),
            new ChartSeries("all NaN", new[] { double.NaN, double.NaN }, TestColor),
        };
        var accuracy = new[] { new ChartSeries("one value", new[] { double.NaN, 50, double.NaN }, AccuracyColor) };

        DecodedPng png = Write(loss, accuracy);

        Assert.NotEmpty(PixelsOf(png, TrainColor));
        Assert.NotEmpty(PixelsOf(png, AccuracyColor));
    }

    [Fact]
    public void EmptyInputs_GiveEmptyPanels()
    {
        var empty = Array.Empty<ChartSeries>();
        DecodedPng none = Write(empty, empty);
        Assert.Equal(White, none.Rgb(0, 0));

        DecodedPng emptyValues = Write(new[] { new ChartSeries("no values", Array.Empty<double>(), TrainColor) }, empty, title: "");
        Assert.Equal(White, emptyValues.Rgb(0, 0));
    }

    [Fact]
    public void ExtremeButFiniteValues_AndManyEpochs_AtTheMinimumSize()
    {
        var random = new Random(5);
        double[] wild = Enumerable.Range(0, 1000).Select(i => i % 2 == 0 ? random.NextDouble() * 1e6 : -1e-9).ToArray();
        double[] tiny = { 1e-12, 3e-12, 2e-12 };
        var loss = new[] { new ChartSeries("wild", wild, TrainColor), new ChartSeries("tiny", tiny, TestColor) };
        var accuracy = new[] { new ChartSeries("huge", new[] { 1e300, -1e300, 0 }, AccuracyColor) };

        DecodedPng png = Write(loss, accuracy, TrainingChart.MinWidth, TrainingChart.MinHeight);

        Assert.NotEmpty(PixelsOf(png, TrainColor));
    }

    [Fact]
    public void SeriesOfDifferentLengths_AndLongLabels_AreDrawn()
    {
        var loss = new[]
        {
            new ChartSeries(new string('x', 500), Decay(30, 2, 0.1, 0.1), TrainColor),
            new ChartSeries("short", Decay(3, 2, 1, 0.1), TestColor),
        };
        DecodedPng png = Write(loss, Array.Empty<ChartSeries>(), title: new string('T', 1000));
        Assert.NotEmpty(PixelsOf(png, TestColor));
    }

    [Fact]
    public void Render_IsDeterministic()
    {
        var loss = new[] { new ChartSeries("train loss", Decay(12, 1.2, 0.25, 0.15), TrainColor) };
        var accuracy = new[] { new ChartSeries("test accuracy", Decay(12, 68, 88, 0.2), AccuracyColor) };
        Assert.Equal(
            TrainingChart.Render(Title, loss, accuracy).Pixels.ToArray(),
            TrainingChart.Render(Title, loss, accuracy).Pixels.ToArray());
    }

    [Fact]
    public void BadArguments_Throw()
    {
        var empty = Array.Empty<ChartSeries>();
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingChart.Render(Title, empty, empty, TrainingChart.MinWidth - 1, 450));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingChart.Render(Title, empty, empty, 1000, TrainingChart.MinHeight - 1));
        Assert.Throws<ArgumentNullException>(() => TrainingChart.Render(Title, null!, empty));
        Assert.Throws<ArgumentException>(() => TrainingChart.Render(Title, new ChartSeries[] { null! }, empty));
        Assert.Throws<ArgumentException>(() => TrainingChart.WritePng("", Title, empty, empty));
    }
}
