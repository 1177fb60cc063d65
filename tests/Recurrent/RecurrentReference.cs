using System;
using System.Collections.Generic;

namespace NetCompiler.Tests.Recurrent;

/// <summary>PyTorch's <c>nn.RNN</c> (tanh and relu), <c>nn.LSTM</c> and <c>nn.GRU</c> forward in float64, for one
/// sample, written from the equations of PyTorch's documentation (nothing of the project's but the parameter values):
/// <list type="bullet">
/// <item>RNN: h_t = act(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh).</item>
/// <item>LSTM: i, f, g, o are rows [0, H), [H, 2H), [2H, 3H), [3H, 4H) of W_ih x_t + b_ih + W_hh h_(t-1) + b_hh through
/// sigmoid, sigmoid, tanh, sigmoid; c_t = f c_(t-1) + i g; h_t = o tanh(c_t).</item>
/// <item>GRU: r = sigmoid(W_ir x_t + b_ir + W_hr h_(t-1) + b_hr), z likewise, n = tanh(W_in x_t + b_in + r (W_hn h_(t-1) + b_hn)),
/// h_t = (1 - z) n + z h_(t-1).</item>
/// </list>
/// Layer k &gt; 0 reads the output of layer k - 1; a bidirectional layer's reverse direction runs from t = T - 1 down to 0
/// and its state at step t is written beside the forward one (output [T, 2H]); h_n and c_n hold the last state of each
/// layer and direction in the order layer 0 forward, layer 0 reverse, layer 1 forward, ...; h0 and c0 (zero when absent)
/// are [Layers D, H] in that order too.</summary>
internal static class RecurrentReference
{
    /// <summary>The output [T, D H], h_n [Layers D, H] and, for an LSTM, c_n [Layers D, H], row-major.</summary>
    public sealed record Result(double[] Output, double[] Hidden, double[]? Cell)
    {
        /// <summary>Output, h_n and c_n one after the other.</summary>
        public double[] All()
        {
            var all = new List<double>(Output);
            all.AddRange(Hidden);
            if (Cell is not null) all.AddRange(Cell);
            return all.ToArray();
        }
    }

    /// <summary>Runs <paramref name="spec"/> over x [<paramref name="steps"/>, Input] with the parameters named as PyTorch
    /// names them (without a layer prefix).</summary>
    public static Result Forward(RecurrentSpec spec, IReadOnlyDictionary<string, double[]> parameters, double[] x, int steps,
        double[]? h0 = null, double[]? c0 = null)
    {
        int hidden = spec.Hidden, directions = spec.Directions;
        if (x.Length != steps * spec.Input) throw new ArgumentException("x must be [T, Input]");
        var lastHidden = new double[spec.States * hidden];
        var lastCell = new double[spec.States * hidden];
        double[] input = x;
        int width = spec.Input;
        for (int layer = 0; layer < spec.Layers; layer++)
        {
            var output = new double[steps * directions * hidden];
            for (int d = 0; d < directions; d++)
            {
                string suffix = $"l{layer}{(d == 1 ? "_reverse" : "")}";
                double[] wih = parameters["weight_ih_" + suffix], whh = parameters["weight_hh_" + suffix];
                double[]? bih = spec.Bias ? parameters["bias_ih_" + suffix] : null, bhh = spec.Bias ? parameters["bias_hh_" + suffix] : null;
                int row = layer * directions + d;
                var h = new double[hidden];
                var c = new double[hidden];
                if (h0 is not null) Array.Copy(h0, row * hidden, h, 0, hidden);
                if (c0 is not null) Array.Copy(c0, row * hidden, c, 0, hidden);
                for (int i = 0; i < steps; i++)
                {
                    int t = d == 1 ? steps - 1 - i : i;
                    var xt = new double[width];
                    Array.Copy(input, t * width, xt, 0, width);
                    var gx = Affine(wih, bih, xt, spec.GateRows);     // W_ih x_t + b_ih
                    var gh = Affine(whh, bhh, h, spec.GateRows);      // W_hh h_(t-1) + b_hh
                    (h, c) = Step(spec.Cell, hidden, gx, gh, h, c);
                    Array.Copy(h, 0, output, (t * directions + d) * hidden, hidden);
                }
                Array.Copy(h, 0, lastHidden, row * hidden, hidden);
                Array.Copy(c, 0, lastCell, row * hidden, hidden);
            }
            input = output;
            width = directions * hidden;
        }
        return new Result(input, lastHidden, spec.Cell == RecurrentCell.Lstm ? lastCell : null);
    }

    /// <summary>W v + b for W [rows, v.Length].</summary>
    private static double[] Affine(double[] w, double[]? b, double[] v, int rows)
    {
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sum = b?[r] ?? 0;
            for (int k = 0; k < v.Length; k++) sum += w[r * v.Length + k] * v[k];
            y[r] = sum;
        }
        return y;
    }

    private static (double[] H, double[] C) Step(RecurrentCell cell, int n, double[] gx, double[] gh, double[] h, double[] c)
    {
        var next = new double[n];
        var nextCell = new double[n];
        for (int j = 0; j < n; j++)
        {
            switch (cell)
            {
                case RecurrentCell.RnnTanh:
                    next[j] = Math.Tanh(gx[j] + gh[j]);
                    break;
                case RecurrentCell.RnnRelu:
                    next[j] = Math.Max(0, gx[j] + gh[j]);
                    break;
                case RecurrentCell.Lstm:
                {
                    double i = Sigmoid(gx[j] + gh[j]), f = Sigmoid(gx[n + j] + gh[n + j]);
                    double g = Math.Tanh(gx[2 * n + j] + gh[2 * n + j]), o = Sigmoid(gx[3 * n + j] + gh[3 * n + j]);
                    nextCell[j] = f * c[j] + i * g;
                    next[j] = o * Math.Tanh(nextCell[j]);
                    break;
                }
                case RecurrentCell.Gru:
                {
                    double r = Sigmoid(gx[j] + gh[j]), z = Sigmoid(gx[n + j] + gh[n + j]);
                    double candidate = Math.Tanh(gx[2 * n + j] + r * gh[2 * n + j]);
                    next[j] = (1 - z) * candidate + z * h[j];
                    break;
                }
            }
        }
        return (next, nextCell);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
