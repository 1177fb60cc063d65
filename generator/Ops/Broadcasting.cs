namespace NetCompiler.Generator.Ops;

/// <summary>The broadcasting rule of the element-wise ops of several operands (<c>+ - *</c>, Div, Maximum, Minimum,
/// Where), NumPy's and PyTorch's: the per-sample shapes are aligned at their last dimension, a missing leading dimension
/// counts as 1, and each aligned set of dimensions must be equal or 1; the result takes the largest
/// (<c>[4, 1]</c> and <c>[3]</c> give <c>[4, 3]</c>).</summary>
internal static class Broadcasting
{
    /// <summary>The rule in words, for the NC0101 messages.</summary>
    public const string Rule = "aligned at the last dimension, each pair of dimensions must be equal or one of them 1";

    /// <summary>The rule for the op table.</summary>
    public const string ShapeRule = "NumPy broadcasting: aligned at the last dimension, each pair of dimensions equal or one of them 1 " +
        "(`[4, 1]` and `[3]` give `[4, 3]`)";

    /// <summary>The broadcast shape of <paramref name="shapes"/>, or null when two of them differ in a dimension where
    /// neither is 1.</summary>
    public static int[]? Shape(params int[][] shapes)
    {
        int rank = 0;
        foreach (var s in shapes) rank = System.Math.Max(rank, s.Length);
        var result = new int[rank];
        for (int k = 1; k <= rank; k++)
        {
            int dim = 1;
            foreach (var s in shapes)
            {
                int d = s.Length >= k ? s[s.Length - k] : 1;
                if (d == 1 || d == dim) continue;
                if (dim != 1) return null;
                dim = d;
            }
            result[rank - k] = dim;
        }
        return result;
    }
}
