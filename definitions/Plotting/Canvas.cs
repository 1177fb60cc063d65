using System;
using System.Collections.Generic;
using System.IO;

namespace NetCompiler.Definitions.Plotting;

/// <summary>An RGB raster image, 8 bits per channel, with the few drawing primitives a line chart needs. Every
/// primitive clips to the image (and to an optional clip rectangle), so callers may draw partly or wholly outside
/// it.</summary>
/// <remarks>Axis-aligned primitives (<see cref="FillRect"/>, <see cref="DrawLine"/>) are pixel-exact, which keeps
/// axes and grid lines crisp; data curves and markers (<see cref="DrawPolyline"/>, <see cref="FillCircle"/>) are
/// anti-aliased, as jagged diagonals are what makes a small chart look cheap.</remarks>
public sealed class Canvas
{
    private readonly byte[] pixels;

    // The clip rectangle, half-open: [clipLeft, clipRight) x [clipTop, clipBottom). The whole canvas by default.
    private int clipLeft, clipTop, clipRight, clipBottom;

    /// <summary>Creates a canvas filled with <paramref name="background"/>.</summary>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    /// <param name="background">The initial colour of every pixel.</param>
    public Canvas(int width, int height, (byte R, byte G, byte B) background)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if ((long)width * height * 3 > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(width), $"A {width} x {height} canvas is too large.");
        Width = width;
        Height = height;
        pixels = new byte[width * height * 3];
        ResetClip();
        Clear(background);
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The pixels, rows top to bottom, each pixel as R, G, B: the layout <see cref="PngEncoder"/> takes.</summary>
    public ReadOnlySpan<byte> Pixels => pixels;

    /// <summary>The colour at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    /// <param name="x">Column, 0 at the left.</param>
    /// <param name="y">Row, 0 at the top.</param>
    /// <returns>The colour.</returns>
    public (byte R, byte G, byte B) GetPixel(int x, int y)
    {
        if ((uint)x >= (uint)Width) throw new ArgumentOutOfRangeException(nameof(x), x, $"Must be in [0, {Width}).");
        if ((uint)y >= (uint)Height) throw new ArgumentOutOfRangeException(nameof(y), y, $"Must be in [0, {Height}).");
        int i = (y * Width + x) * 3;
        return (pixels[i], pixels[i + 1], pixels[i + 2]);
    }

    /// <summary>Restricts all drawing to the rectangle with top-left corner (<paramref name="x"/>,
    /// <paramref name="y"/>) (intersected with the canvas) until <see cref="ResetClip"/>. Lets a chart draw markers
    /// and strokes that overhang its plot area without painting over the axes.</summary>
    /// <param name="x">Left column.</param>
    /// <param name="y">Top row.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public void SetClip(int x, int y, int width, int height)
    {
        clipLeft = (int)Math.Clamp((long)x, 0, Width);
        clipTop = (int)Math.Clamp((long)y, 0, Height);
        clipRight = (int)Math.Clamp((long)x + Math.Max(0, width), clipLeft, Width);
        clipBottom = (int)Math.Clamp((long)y + Math.Max(0, height), clipTop, Height);
    }

    /// <summary>Makes the whole canvas drawable again.</summary>
    public void ResetClip() => (clipLeft, clipTop, clipRight, clipBottom) = (0, 0, Width, Height);

    private bool InClip(int x, int y) => x >= clipLeft && x < clipRight && y >= clipTop && y < clipBottom;

    /// <summary>Sets one pixel; does nothing outside the canvas (or the clip rectangle).</summary>
    /// <param name="x">Column, 0 at the left.</param>
    /// <param name="y">Row, 0 at the top.</param>
    /// <param name="color">The new colour.</param>
    public void SetPixel(int x, int y, (byte R, byte G, byte B) color)
    {
        if (!InClip(x, y)) return;
        int i = (y * Width + x) * 3;
        pixels[i] = color.R;
        pixels[i + 1] = color.G;
        pixels[i + 2] = color.B;
    }

    /// <summary>Mixes <paramref name="color"/> into one pixel with weight <paramref name="coverage"/> (0 leaves it, 1
    /// replaces it); does nothing outside the canvas (or the clip rectangle).</summary>
    /// <param name="x">Column, 0 at the left.</param>
    /// <param name="y">Row, 0 at the top.</param>
    /// <param name="color">The colour to mix in.</param>
    /// <param name="coverage">The weight, clamped to [0, 1].</param>
    public void BlendPixel(int x, int y, (byte R, byte G, byte B) color, double coverage)
    {
        if (!InClip(x, y) || !(coverage > 0)) return;
        if (coverage >= 1)
        {
            SetPixel(x, y, color);
            return;
        }
        int i = (y * Width + x) * 3;
        pixels[i] = Mix(pixels[i], color.R, coverage);
        pixels[i + 1] = Mix(pixels[i + 1], color.G, coverage);
        pixels[i + 2] = Mix(pixels[i + 2], color.B, coverage);
    }

    private static byte Mix(byte from, byte to, double t) => (byte)Math.Round(from + (to - from) * t);

    /// <summary>Sets every pixel (inside the clip rectangle) to <paramref name="color"/>.</summary>
    /// <param name="color">The colour.</param>
    public void Clear((byte R, byte G, byte B) color) => FillRect(0, 0, Width, Height, color);

    /// <summary>Fills the rectangle with top-left corner (<paramref name="x"/>, <paramref name="y"/>), clipped to the
    /// canvas and the clip rectangle. A non-positive width or height draws nothing.</summary>
    /// <param name="x">Left column.</param>
    /// <param name="y">Top row.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="color">The fill colour.</param>
    public void FillRect(int x, int y, int width, int height, (byte R, byte G, byte B) color)
    {
        // Clip in long arithmetic: x + width may overflow int for callers that pass huge sizes.
        int x0 = (int)Math.Max(clipLeft, (long)x), x1 = (int)Math.Min(clipRight, (long)x + width);
        int y0 = (int)Math.Max(clipTop, (long)y), y1 = (int)Math.Min(clipBottom, (long)y + height);
        for (int row = y0; row < y1; row++)
            for (int col = x0; col < x1; col++)
                SetPixel(col, row, color);
    }

    /// <summary>Draws the one-pixel outline of a rectangle (the same pixels <see cref="FillRect"/> would fill at its
    /// border).</summary>
    /// <param name="x">Left column.</param>
    /// <param name="y">Top row.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="color">The line colour.</param>
    public void DrawRect(int x, int y, int width, int height, (byte R, byte G, byte B) color)
    {
        if (width <= 0 || height <= 0) return;
        FillRect(x, y, width, 1, color);
        FillRect(x, y + height - 1, width, 1, color);
        FillRect(x, y, 1, height, color);
        FillRect(x + width - 1, y, 1, height, color);
    }

    /// <summary>Draws a line between two pixel centres with Bresenham's algorithm, both end points included. A
    /// thickness of 2 or more stamps a square pen, extending right and down for even sizes. The cost is proportional
    /// to the whole length, including any part outside the canvas.</summary>
    /// <param name="x0">Start column.</param>
    /// <param name="y0">Start row.</param>
    /// <param name="x1">End column.</param>
    /// <param name="y1">End row.</param>
    /// <param name="color">The line colour.</param>
    /// <param name="thickness">Pen size in pixels, at least 1.</param>
    public void DrawLine(int x0, int y0, int x1, int y1, (byte R, byte G, byte B) color, int thickness = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(thickness, 1);
        int offset = (thickness - 1) / 2;
        // long: the differences of two extreme ints overflow int.
        long dx = Math.Abs((long)x1 - x0), dy = -Math.Abs((long)y1 - y0);
        int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
        long error = dx + dy;
        long x = x0, y = y0;
        while (true)
        {
            // Steps wholly outside the canvas still have to be walked to reach the part inside; skip their drawing.
            if (x + thickness > 0 && x - thickness < Width && y + thickness > 0 && y - thickness < Height)
                FillRect((int)x - offset, (int)y - offset, thickness, thickness, color);
            if (x == x1 && y == y1) break;
            long e2 = 2 * error;
            if (e2 >= dy) { error += dy; x += sx; }
            if (e2 <= dx) { error += dx; y += sy; }
        }
    }

    /// <summary>Draws an anti-aliased polyline of the given stroke width through points in pixel coordinates (pixel
    /// (i, j) has its centre at (i, j)). Coverage is computed once per pixel for the whole polyline, so joints are not
    /// darkened where two segments overlap. Points with a non-finite coordinate break the line into separate
    /// pieces; an isolated point draws nothing (use <see cref="FillCircle"/> for markers).</summary>
    /// <param name="points">The vertices in order.</param>
    /// <param name="color">The stroke colour.</param>
    /// <param name="strokeWidth">The stroke width in pixels, greater than 0.</param>
    public void DrawPolyline(IReadOnlyList<(double X, double Y)> points, (byte R, byte G, byte B) color, double strokeWidth)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (!(strokeWidth > 0) || !double.IsFinite(strokeWidth))
            throw new ArgumentOutOfRangeException(nameof(strokeWidth), strokeWidth, "The stroke width must be positive and finite.");
        double half = strokeWidth / 2;
        // Per-pixel coverage of the whole polyline: the maximum over segments, blended once at the end.
        var coverage = new Dictionary<int, double>();
        for (int i = 1; i < points.Count; i++)
        {
            var (ax, ay) = points[i - 1];
            var (bx, by) = points[i];
            if (!IsDrawable(ax) || !IsDrawable(ay) || !IsDrawable(bx) || !IsDrawable(by)) continue;
            int left = Math.Max(0, (int)Math.Floor(Math.Min(ax, bx) - half - 1));
            int right = Math.Min(Width - 1, (int)Math.Ceiling(Math.Max(ax, bx) + half + 1));
            int top = Math.Max(0, (int)Math.Floor(Math.Min(ay, by) - half - 1));
            int bottom = Math.Min(Height - 1, (int)Math.Ceiling(Math.Max(ay, by) + half + 1));
            for (int y = top; y <= bottom; y++)
                for (int x = left; x <= right; x++)
                {
                    // A box filter approximated by distance: full inside the stroke, a 1-pixel linear ramp at its edge.
                    double c = Math.Clamp(half + 0.5 - DistanceToSegment(x, y, ax, ay, bx, by), 0, 1);
                    if (c <= 0) continue;
                    int key = y * Width + x;
                    if (!coverage.TryGetValue(key, out double old) || c > old) coverage[key] = c;
                }
        }
        foreach (var (key, c) in coverage)
            BlendPixel(key % Width, key / Width, color, c);
    }

    /// <summary>Fills an anti-aliased disc centred at (<paramref name="cx"/>, <paramref name="cy"/>) in pixel
    /// coordinates. Non-finite arguments draw nothing.</summary>
    /// <param name="cx">Centre column.</param>
    /// <param name="cy">Centre row.</param>
    /// <param name="radius">Radius in pixels.</param>
    /// <param name="color">The fill colour.</param>
    public void FillCircle(double cx, double cy, double radius, (byte R, byte G, byte B) color) =>
        FillShape(cx, cy, radius, color, (dx, dy) => Math.Sqrt(dx * dx + dy * dy) - radius);

    /// <summary>Fills an anti-aliased axis-aligned square of half side <paramref name="halfSide"/> centred at
    /// (<paramref name="cx"/>, <paramref name="cy"/>). Non-finite arguments draw nothing.</summary>
    /// <param name="cx">Centre column.</param>
    /// <param name="cy">Centre row.</param>
    /// <param name="halfSide">Half the side length in pixels.</param>
    /// <param name="color">The fill colour.</param>
    public void FillSquare(double cx, double cy, double halfSide, (byte R, byte G, byte B) color) =>
        FillShape(cx, cy, halfSide, color, (dx, dy) => Math.Max(Math.Abs(dx), Math.Abs(dy)) - halfSide);

    /// <summary>Fills an anti-aliased diamond (a square standing on a corner) whose corners are
    /// <paramref name="radius"/> from (<paramref name="cx"/>, <paramref name="cy"/>). Non-finite arguments draw
    /// nothing.</summary>
    /// <param name="cx">Centre column.</param>
    /// <param name="cy">Centre row.</param>
    /// <param name="radius">Centre-to-corner distance in pixels.</param>
    /// <param name="color">The fill colour.</param>
    public void FillDiamond(double cx, double cy, double radius, (byte R, byte G, byte B) color) =>
        FillShape(cx, cy, radius, color, (dx, dy) => (Math.Abs(dx) + Math.Abs(dy) - radius) / Math.Sqrt(2));

    /// <summary>Draws one line of text with the built-in <see cref="BitmapFont"/>; see
    /// <see cref="BitmapFont.Draw"/>.</summary>
    /// <param name="x">Left edge in pixels.</param>
    /// <param name="y">Top edge of the text cell in pixels.</param>
    /// <param name="text">The text, one line.</param>
    /// <param name="color">The ink colour.</param>
    /// <param name="scale">Pixels per font pixel, at least 1.</param>
    public void DrawText(int x, int y, string text, (byte R, byte G, byte B) color, int scale = 1) =>
        BitmapFont.Draw(this, x, y, text, color, scale);

    /// <summary>Writes the canvas as an RGB PNG to <paramref name="path"/>, atomically (see
    /// <see cref="PngEncoder.WriteFile"/>).</summary>
    /// <param name="path">The destination; its directory must exist.</param>
    public void WritePng(string path) => PngEncoder.WriteFile(path, Width, Height, pixels);

    /// <summary>Writes the canvas as an RGB PNG to <paramref name="output"/>, which is left open.</summary>
    /// <param name="output">A writable stream.</param>
    public void WritePng(Stream output) => PngEncoder.Encode(output, Width, Height, pixels);

    // Shapes given by a signed distance (negative inside): coverage ramps from 1 to 0 across the pixel at the edge.
    private void FillShape(double cx, double cy, double size, (byte R, byte G, byte B) color, Func<double, double, double> signedDistance)
    {
        if (!IsDrawable(cx) || !IsDrawable(cy) || !(size > 0) || !double.IsFinite(size)) return;
        int left = Math.Max(0, (int)Math.Floor(cx - size - 1)), right = Math.Min(Width - 1, (int)Math.Ceiling(cx + size + 1));
        int top = Math.Max(0, (int)Math.Floor(cy - size - 1)), bottom = Math.Min(Height - 1, (int)Math.Ceiling(cy + size + 1));
        for (int y = top; y <= bottom; y++)
            for (int x = left; x <= right; x++)
                BlendPixel(x, y, color, Math.Clamp(0.5 - signedDistance(x - cx, y - cy), 0, 1));
    }

    // Finite and small enough that the (int) casts of bounding boxes cannot overflow.
    private static bool IsDrawable(double v) => double.IsFinite(v) && Math.Abs(v) < 1e9;

    private static double DistanceToSegment(double px, double py, double ax, double ay, double bx, double by)
    {
        double dx = bx - ax, dy = by - ay;
        double lengthSquared = dx * dx + dy * dy;
        double t = lengthSquared > 0 ? Math.Clamp(((px - ax) * dx + (py - ay) * dy) / lengthSquared, 0, 1) : 0;
        double ex = px - (ax + t * dx), ey = py - (ay + t * dy);
        return Math.Sqrt(ex * ex + ey * ey);
    }
}
