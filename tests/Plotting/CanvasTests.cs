using System;
using System.IO;
using System.Linq;
using NetCompiler.Definitions.Plotting;
using Xunit;

namespace NetCompiler.Tests.Plotting;

/// <summary>Canvas and BitmapFont: exact pixels of the crisp primitives (checked through a PNG round trip where the
/// point is what lands in the file), coverage of the anti-aliased ones, clipping, and the font's character set.</summary>
public sealed class CanvasTests
{
    private static readonly (byte R, byte G, byte B) White = (255, 255, 255);
    private static readonly (byte R, byte G, byte B) Red = (200, 10, 20);
    private static readonly (byte R, byte G, byte B) Blue = (10, 20, 200);

    private static DecodedPng RoundTrip(Canvas canvas)
    {
        using var stream = new MemoryStream();
        canvas.WritePng(stream);
        return PngTestDecoder.Decode(stream.ToArray());
    }

    [Fact]
    public void NewCanvas_IsBackground_AndSurvivesPngRoundTrip()
    {
        var canvas = new Canvas(7, 5, (1, 2, 3));
        canvas.SetPixel(6, 4, Red);

        DecodedPng png = RoundTrip(canvas);

        Assert.Equal((7, 5, 2), (png.Width, png.Height, png.ColorType));
        Assert.Equal(((byte)1, (byte)2, (byte)3), png.Rgb(0, 0));
        Assert.Equal(Red, png.Rgb(6, 4));
        Assert.Equal(canvas.Pixels.ToArray(), png.Pixels);
    }

    [Fact]
    public void DrawLine_Diagonal_SetsExactlyTheBresenhamPixels()
    {
        var canvas = new Canvas(10, 10, White);
        canvas.DrawLine(1, 1, 7, 4, Red);

        DecodedPng png = RoundTrip(canvas);

        // An x-major line: exactly one pixel per column from 1 to 7, each within half a pixel of the true line
        // y = 1 + (x - 1) / 2 (ties at exact halves may go either way), both end points included, nothing else.
        for (int x = 0; x < 10; x++)
        {
            int[] rows = Enumerable.Range(0, 10).Where(y => png.Rgb(x, y) == Red).ToArray();
            Assert.Equal(x is >= 1 and <= 7 ? 1 : 0, rows.Length);
            if (rows.Length == 1) Assert.InRange(rows[0] - (1 + (x - 1) / 2.0), -0.5, 0.5);
        }
        Assert.Equal(Red, png.Rgb(1, 1));
        Assert.Equal(Red, png.Rgb(7, 4));
    }

    [Fact]
    public void DrawLine_IsSymmetric_AndThicknessTwoWidensRightAndDown()
    {
        var forward = new Canvas(12, 12, White);
        var backward = new Canvas(12, 12, White);
        forward.DrawLine(2, 3, 9, 3, Red, thickness: 2);
        backward.DrawLine(9, 3, 2, 3, Red, thickness: 2);

        Assert.Equal(forward.Pixels.ToArray(), backward.Pixels.ToArray());
        for (int x = 0; x < 12; x++)
        {
            Assert.Equal(x is >= 2 and <= 10 ? Red : White, forward.GetPixel(x, 3));
            Assert.Equal(x is >= 2 and <= 10 ? Red : White, forward.GetPixel(x, 4));
            Assert.Equal(White, forward.GetPixel(x, 2));
            Assert.Equal(White, forward.GetPixel(x, 5));
        }
    }

    [Fact]
    public void Drawing_OutsideTheCanvas_IsClipped()
    {
        var canvas = new Canvas(8, 8, White);
        canvas.DrawLine(-20, -20, 30, 30, Red, thickness: 3);
        canvas.FillCircle(-100, 4, 3, Red);
        canvas.DrawPolyline(new[] { (-50.0, 0.0), (60.0, 0.0), (double.NaN, 1.0), (1e300, 2.0) }, Red, 2);
        canvas.DrawText(-30, -3, "clipped text", Red, 2);
        canvas.SetPixel(-1, 0, Red);
        canvas.SetPixel(8, 0, Red);
        canvas.FillRect(-5, 6, 100, 100, Blue);
        canvas.FillRect(3, 3, int.MaxValue, int.MaxValue, Blue);

        Assert.Equal(Red, canvas.GetPixel(0, 0));
        Assert.Equal(Blue, canvas.GetPixel(7, 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => canvas.GetPixel(8, 0));
    }

    [Fact]
    public void ClipRectangle_LimitsDrawing_UntilReset()
    {
        var canvas = new Canvas(10, 10, White);
        canvas.SetClip(2, 2, 4, 4);
        canvas.FillRect(0, 0, 10, 10, Red);
        Assert.Equal(16, CountPixels(canvas, Red));
        Assert.Equal(Red, canvas.GetPixel(2, 2));
        Assert.Equal(Red, canvas.GetPixel(5, 5));
        Assert.Equal(White, canvas.GetPixel(6, 5));

        canvas.ResetClip();
        canvas.SetPixel(9, 9, Blue);
        Assert.Equal(Blue, canvas.GetPixel(9, 9));
    }

    [Fact]
    public void Polyline_CentreOfStrokeHasFullColour_AndFarPixelsAreUntouched()
    {
        var canvas = new Canvas(40, 20, White);
        canvas.DrawPolyline(new[] { (5.0, 10.0), (20.0, 10.0), (35.0, 10.0) }, Blue, 2);

        DecodedPng png = RoundTrip(canvas);

        for (int x = 5; x <= 35; x++) Assert.Equal(Blue, png.Rgb(x, 10));
        Assert.Equal(White, png.Rgb(20, 13));
        Assert.Equal(White, png.Rgb(2, 10));
        // Anti-aliased edge: one row away from the centre of a 2-pixel stroke is half covered.
        var (r, _, _) = png.Rgb(20, 11);
        Assert.InRange(r, 120, 140);
        // The joint at (20, 10) is covered by two segments but blended once: it matches its neighbours' edge.
        Assert.Equal(png.Rgb(19, 11), png.Rgb(20, 11));
    }

    [Fact]
    public void Markers_FillTheirCentre()
    {
        var canvas = new Canvas(30, 10, White);
        canvas.FillCircle(5, 5, 3, Red);
        canvas.FillSquare(15, 5, 3, Red);
        canvas.FillDiamond(25, 5, 3, Red);
        foreach (int x in new[] { 5, 15, 25 })
        {
            Assert.Equal(Red, canvas.GetPixel(x, 5));
            Assert.Equal(White, canvas.GetPixel(x, 0));
        }
        // The square reaches its corners, the circle and the diamond do not.
        Assert.Equal(Red, canvas.GetPixel(17, 3));
        Assert.NotEqual(Red, canvas.GetPixel(3, 3));
        Assert.NotEqual(Red, canvas.GetPixel(23, 3));
    }

    [Fact]
    public void Font_HasEveryCharacterTheChartsNeed_AndEachDrawsInk()
    {
        const string required = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.,:-%/() ";
        foreach (char c in required)
        {
            Assert.True(BitmapFont.HasGlyph(c), $"no glyph for '{c}'");
            var canvas = new Canvas(12, 12, White);
            canvas.DrawText(1, 1, c.ToString(), Red);
            int ink = CountPixels(canvas, Red);
            if (c == ' ') Assert.Equal(0, ink);
            else Assert.True(ink > 0, $"'{c}' draws nothing");
        }
    }

    [Fact]
    public void Font_GlyphsAreDistinct()
    {
        // Two characters drawing the same bitmap would make labels ambiguous (O and 0 differ by the slash).
        var seen = new System.Collections.Generic.Dictionary<string, char>();
        for (char c = '!'; c <= '~'; c++)
        {
            var canvas = new Canvas(8, 10, White);
            canvas.DrawText(0, 0, c.ToString(), Red);
            string key = Convert.ToHexString(canvas.Pixels);
            Assert.False(seen.TryGetValue(key, out char other), $"'{c}' looks like '{other}'");
            seen[key] = c;
        }
    }

    [Fact]
    public void Font_MeasureMatchesDrawnExtent_AtEveryScale()
    {
        foreach (int scale in new[] { 1, 2, 3 })
            foreach (string text in new[] { "loss", "accuracy (%)", "1.5e-8", "W", "i", ".", "a b" })
            {
                var canvas = new Canvas(300, 40, White);
                canvas.DrawText(5, 2, text, Red, scale);
                int right = -1, left = int.MaxValue, bottom = -1;
                for (int y = 0; y < 40; y++)
                    for (int x = 0; x < 300; x++)
                        if (canvas.GetPixel(x, y) == Red)
                            (left, right, bottom) = (Math.Min(left, x), Math.Max(right, x), Math.Max(bottom, y));
                Assert.Equal(5, left);
                Assert.Equal(BitmapFont.Measure(text, scale), right - left + 1);
                Assert.True(bottom < 2 + BitmapFont.CellHeight * scale, $"'{text}' draws below its cell");
            }
        Assert.Equal(0, BitmapFont.Measure(""));
    }

    [Fact]
    public void Font_UnknownCharactersDrawAsQuestionMark_AndTruncateAddsEllipsis()
    {
        Assert.False(BitmapFont.HasGlyph('é'));
        Assert.Equal(BitmapFont.Measure("?"), BitmapFont.Measure("é"));

        Assert.Equal("short", BitmapFont.Truncate("short", 1000));
        string cut = BitmapFont.Truncate("a rather long label", 40);
        Assert.EndsWith("...", cut);
        Assert.True(BitmapFont.Measure(cut) <= 40);
        Assert.Equal("", BitmapFont.Truncate("anything", 2));
    }

    private static int CountPixels(Canvas canvas, (byte R, byte G, byte B) color)
    {
        int count = 0;
        for (int y = 0; y < canvas.Height; y++)
            for (int x = 0; x < canvas.Width; x++)
                if (canvas.GetPixel(x, y) == color) count++;
        return count;
    }
}
