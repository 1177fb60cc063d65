using System;
using System.Collections.Generic;
using NetCompiler.Tests.Eager;
using Xunit;

namespace NetCompiler.Tests.Recurrent;

/// <summary>Central finite differences of a float64 objective, and the comparison of a float32 gradient with them
/// (GradCheck's step and tolerances).</summary>
internal static class ReferenceGradient
{
    /// <summary>d objective / d values[i] for every i, perturbing <paramref name="values"/> in place (restored after).</summary>
    public static double[] Of(double[] values, Func<double> objective)
    {
        var gradient = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double x0 = values[i];
            values[i] = x0 + GradCheck.H; double up = objective();
            values[i] = x0 - GradCheck.H; double down = objective();
            values[i] = x0;
            gradient[i] = (up - down) / (2 * GradCheck.H);
        }
        return gradient;
    }

    /// <summary>Asserts |actual - fd| &lt;= GradAbsTolerance + GradRelTolerance |fd| element-wise.</summary>
    public static void AssertClose(double[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= GradCheck.GradAbsTolerance + GradCheck.GradRelTolerance * Math.Abs(expected[i]),
                $"{what}[{i}] is {actual[i]:R}, finite difference {expected[i]:R}");
    }

    /// <summary>The parameters of <paramref name="store"/> under <paramref name="prefix"/> as float64 arrays, keyed by the
    /// rest of their names (<c>rnn.weight_ih_l0</c> -&gt; <c>weight_ih_l0</c>).</summary>
    public static Dictionary<string, double[]> Parameters(ParameterStore store, string prefix)
    {
        var parameters = new Dictionary<string, double[]>();
        foreach (var p in store.Layout)
            if (p.Name.StartsWith(prefix, StringComparison.Ordinal))
                parameters[p.Name[prefix.Length..]] = Array.ConvertAll(store.GetValues(p.Name).ToArray(), v => (double)v);
        return parameters;
    }
}
