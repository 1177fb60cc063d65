using System;

namespace NetCompiler;

public static partial class Ops
{
    /// <summary>The sinusoidal position encodings of "Attention Is All You Need" as a constant [positions, dim] to add to
    /// embeddings: element (pos, j) is sin(pos / 10000^(2i / dim)) for j = 2i and cos of the same angle for j = 2i + 1
    /// (the PyTorch tutorial's table). An odd <paramref name="dim"/> ends with a sine column, where the tutorial's code
    /// fails. Unbatched, no gradient; the generator makes it a constant of the network with the same values.</summary>
    /// <exception cref="ArgumentException"><paramref name="positions"/> or <paramref name="dim"/> is below 1, or the
    /// table would not fit in one array.</exception>
    public static Tensor SinusoidalPositions(int positions, int dim)
    {
        if (positions < 1 || dim < 1) throw new ArgumentException($"SinusoidalPositions({positions}, {dim}): positions and dimension must be at least 1.");
        var values = new float[(long)positions * dim <= Array.MaxLength ? positions * dim : throw new ArgumentException($"SinusoidalPositions({positions}, {dim}) is too large.")];
        PositionEncodings.Sinusoidal(values, positions, dim);
        return Tensor.Constant(values, positions, dim);
    }
}

/// <summary>Position encodings computed by one deterministic fill that the eager op and a compiled network's constructor
/// both call, so the two hold the same floats.</summary>
public static class PositionEncodings
{
    /// <summary>Fills <paramref name="destination"/> (row-major [positions, dim]) with the sinusoidal encodings of
    /// <see cref="Ops.SinusoidalPositions"/>, each computed in double and rounded once to float.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not hold positions * dim floats.</exception>
    public static void Sinusoidal(Span<float> destination, int positions, int dim)
    {
        if (destination.Length != (long)positions * dim)
            throw new ArgumentException($"SinusoidalPositions({positions}, {dim}) fills {(long)positions * dim} floats, not {destination.Length}.", nameof(destination));
        for (int j = 0; j < dim; j++)
        {
            double period = Math.Pow(10000.0, (double)(j - j % 2) / dim);   // 10000^(2i / dim), shared by columns 2i and 2i + 1
            for (int pos = 0; pos < positions; pos++)
            {
                double angle = pos / period;
                destination[pos * dim + j] = (float)(j % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        }
    }
}
