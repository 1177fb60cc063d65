using System;

namespace NetCompiler;

/// <summary>Deconstruction of the pieces <see cref="Ops.Split"/> returns, so a definition can name them as it cuts:
/// <c>var (q, k, v) = Split(qkv, -1, d, d, d);</c> (the generator traces the same statement). Each overload takes
/// exactly its number of pieces.</summary>
public static class SplitDeconstruction
{
    /// <summary>The two pieces of a split.</summary>
    /// <exception cref="ArgumentException"><paramref name="pieces"/> does not hold exactly two tensors.</exception>
    public static void Deconstruct(this Tensor[] pieces, out Tensor first, out Tensor second)
    {
        Require(pieces, 2);
        (first, second) = (pieces[0], pieces[1]);
    }

    /// <summary>The three pieces of a split (query, key and value of one projection, say).</summary>
    /// <exception cref="ArgumentException"><paramref name="pieces"/> does not hold exactly three tensors.</exception>
    public static void Deconstruct(this Tensor[] pieces, out Tensor first, out Tensor second, out Tensor third)
    {
        Require(pieces, 3);
        (first, second, third) = (pieces[0], pieces[1], pieces[2]);
    }

    /// <summary>The four pieces of a split (the gates of an LSTM, say).</summary>
    /// <exception cref="ArgumentException"><paramref name="pieces"/> does not hold exactly four tensors.</exception>
    public static void Deconstruct(this Tensor[] pieces, out Tensor first, out Tensor second, out Tensor third, out Tensor fourth)
    {
        Require(pieces, 4);
        (first, second, third, fourth) = (pieces[0], pieces[1], pieces[2], pieces[3]);
    }

    private static void Require(Tensor[] pieces, int count)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        if (pieces.Length != count)
            throw new ArgumentException($"Deconstructing {pieces.Length} tensors into {count} locals: name one local per piece.", nameof(pieces));
    }
}
