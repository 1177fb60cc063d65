using System;
using System.Collections.Generic;

namespace NetCompiler.Tests.TestSupport;

/// <summary>A float64 reverse-mode autodiff over scalars (micrograd's design), independent of everything NetCompiler
/// computes: each node keeps its value, its gradient, its parents and the local derivative towards each parent
/// (what micrograd's backward closure multiplies by), and <see cref="Backward"/> walks the graph in reverse
/// topological order. A reference forward written with it gives exact-to-float64 values and gradients to check the
/// float32 compiled and interpreted paths against.</summary>
internal sealed class Scalar
{
    private static readonly Scalar[] NoParents = [];

    private readonly Scalar[] _parents;
    private readonly double[] _local;   // d this / d _parents[i]
    private int _visit;                 // the Backward call that last ordered this node
    private static int s_visits;

    /// <summary>A leaf: a parameter or a constant.</summary>
    public Scalar(double value) : this(value, NoParents, []) { }

    private Scalar(double value, Scalar[] parents, double[] local)
    {
        Value = value;
        _parents = parents;
        _local = local;
    }

    public double Value { get; }

    /// <summary>d (the scalar <see cref="Backward"/> was called on) / d this.</summary>
    public double Grad { get; private set; }

    /// <summary><see cref="Grad"/> with every term's absolute value: the sum of |chain-rule products| over every path.
    /// A float32 computation rounds each term to about 6e-8 of its own size, so this, not |Grad| (which may be a small
    /// difference of large terms), is the scale of its rounding error.</summary>
    public double GradMagnitude { get; private set; }

    public static Scalar operator +(Scalar a, Scalar b) => new(a.Value + b.Value, [a, b], [1, 1]);
    public static Scalar operator +(Scalar a, double b) => new(a.Value + b, [a], [1]);
    public static Scalar operator -(Scalar a, Scalar b) => new(a.Value - b.Value, [a, b], [1, -1]);
    public static Scalar operator -(Scalar a, double b) => new(a.Value - b, [a], [1]);
    public static Scalar operator -(Scalar a) => new(-a.Value, [a], [-1]);
    public static Scalar operator *(Scalar a, Scalar b) => new(a.Value * b.Value, [a, b], [b.Value, a.Value]);
    public static Scalar operator *(Scalar a, double b) => new(a.Value * b, [a], [b]);
    public static Scalar operator /(Scalar a, Scalar b) => new(a.Value / b.Value, [a, b], [1 / b.Value, -a.Value / (b.Value * b.Value)]);
    public static Scalar operator /(Scalar a, double b) => new(a.Value / b, [a], [1 / b]);

    public static Scalar Exp(Scalar x) { double y = Math.Exp(x.Value); return new(y, [x], [y]); }

    public static Scalar Log(Scalar x) => new(Math.Log(x.Value), [x], [1 / x.Value]);

    public static Scalar Sqrt(Scalar x) { double y = Math.Sqrt(x.Value); return new(y, [x], [0.5 / y]); }

    /// <summary>tanh, with d/dx = 1 - tanh^2 (written out rather than through Exp, whose e^(2x) overflows for large x).</summary>
    public static Scalar Tanh(Scalar x) { double y = Math.Tanh(x.Value); return new(y, [x], [1 - y * y]); }

    /// <summary>Exact GELU, x Phi(x) with Phi the standard normal CDF (PyTorch's default <c>approximate='none'</c>);
    /// d/dx = Phi(x) + x phi(x).</summary>
    public static Scalar Gelu(Scalar x)
    {
        double v = x.Value, cdf = 0.5 * (1 + Erf(v / Math.Sqrt(2))), pdf = Math.Exp(-0.5 * v * v) / Math.Sqrt(2 * Math.PI);
        return new(v * cdf, [x], [cdf + v * pdf]);
    }

    /// <summary>One node for a whole sum, so long sums stay shallow.</summary>
    public static Scalar Sum(IReadOnlyList<Scalar> terms)
    {
        double total = 0;
        var parents = new Scalar[terms.Count];
        var ones = new double[terms.Count];
        for (int i = 0; i < parents.Length; i++) { parents[i] = terms[i]; total += terms[i].Value; ones[i] = 1; }
        return new(total, parents, ones);
    }

    /// <summary>sum_i a[i] b[i] as one node (a convolution output in one node rather than one per product): d/da[i] =
    /// b[i], d/db[i] = a[i].</summary>
    public static Scalar Dot(IReadOnlyList<Scalar> a, IReadOnlyList<Scalar> b)
    {
        if (a.Count != b.Count) throw new ArgumentException("Dot needs two lists of one length.");
        int n = a.Count;
        double total = 0;
        var parents = new Scalar[2 * n];
        var local = new double[2 * n];
        for (int i = 0; i < n; i++)
        {
            total += a[i].Value * b[i].Value;
            (parents[i], local[i]) = (a[i], b[i].Value);
            (parents[n + i], local[n + i]) = (b[i], a[i].Value);
        }
        return new(total, parents, local);
    }

    /// <summary>erf in double: <c>2/sqrt(pi) exp(-x^2) sum 2^n x^(2n+1) / (1 3 5 ... (2n+1))</c> (Abramowitz and Stegun
    /// 7.1.6), a series of positive terms, so nothing cancels; beyond |x| = 6, erf is 1 to within 2e-17.</summary>
    public static double Erf(double x)
    {
        double a = Math.Abs(x);
        if (a >= 6) return Math.Sign(x);
        double term = a, sum = a, twoX2 = 2 * a * a;
        for (int n = 1; term > 1e-17 * sum; n++)
        {
            term *= twoX2 / (2 * n + 1);
            sum += term;
        }
        return Math.Sign(x) * 2 / Math.Sqrt(Math.PI) * Math.Exp(-a * a) * sum;
    }

    /// <summary>Sets every gradient of the graph below this node to d this / d node (this node's to 1), and every
    /// <see cref="GradMagnitude"/>.</summary>
    public void Backward()
    {
        int visit = System.Threading.Interlocked.Increment(ref s_visits);   // tests run in parallel
        var order = TopologicalOrder(visit);
        foreach (var node in order) node.Grad = node.GradMagnitude = 0;
        Grad = GradMagnitude = 1;
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            for (int p = 0; p < node._parents.Length; p++)
            {
                node._parents[p].Grad += node._local[p] * node.Grad;
                node._parents[p].GradMagnitude += Math.Abs(node._local[p]) * node.GradMagnitude;
            }
        }
    }

    // Parents before children; iterative, since a deep network's graph would overflow a recursive walk.
    private List<Scalar> TopologicalOrder(int visit)
    {
        var order = new List<Scalar>();
        var stack = new Stack<(Scalar Node, int Next)>();
        _visit = visit;
        stack.Push((this, 0));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node._parents.Length)
            {
                stack.Push((node, next + 1));
                var parent = node._parents[next];
                if (parent._visit != visit) { parent._visit = visit; stack.Push((parent, 0)); }
            }
            else order.Add(node);
        }
        return order;
    }
}
