using System;

namespace NetCompiler;

/// <summary>One named parameter in a network's flat storage.</summary>
/// <param name="Name">Its definition name, e.g. <c>hidden.weight</c>.</param>
/// <param name="Offset">Its first element in <see cref="ParameterStore.Values"/>.</param>
/// <param name="Shape">Its shape, outermost first.</param>
public sealed record ParameterInfo(string Name, int Offset, int[] Shape)
{
    /// <summary>Number of elements.</summary>
    public int Length
    {
        get { int n = 1; foreach (int d in Shape) n *= d; return n; }
    }

    /// <summary>The shape as text, e.g. <c>[2, 2]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
