using System;
using System.Linq;

namespace NetCompiler.Bench;

/// <summary>The convolutions of one training step alone, through <see cref="ConvolutionGemm"/> with the network's
/// shapes, as the generated code calls them: the batch in tiles of <c>tileRows</c> samples (a tiled network's
/// TileRows; a network whose training holds the whole batch passes the batch), per tile every layer's
/// <see cref="ConvolutionGemm.Forward"/> in order, then in reverse order <see cref="ConvolutionGemm.BackwardWeights"/>,
/// <see cref="ConvolutionGemm.BackwardBias"/> (when the layers have a bias) and
/// <see cref="ConvolutionGemm.BackwardInput"/> (where the network computes it). Nothing else of the step runs (no
/// activations, pooling, dense layers, loss, gradient clear or update), so the time is the convolutions' share of a
/// step and their FLOP rate is the kernels' own. The differences from the step: samples are stored back to back
/// (the generated code strides them by its workspace size) and the values are random, not the network's.</summary>
internal sealed class ConvStepTimer
{
    private readonly ConvLayers _layers;
    private readonly int _batch, _tileRows;
    private readonly bool _hasBias;
    private readonly float[][] _x, _w, _b, _y, _dy, _dx, _dw, _db;

    public ConvStepTimer(ConvLayers layers, int batch, int tileRows, bool hasBias)
    {
        (_layers, _batch, _tileRows, _hasBias) = (layers, batch, tileRows, hasBias);
        var random = new Random(14);
        float[] Random(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = random.NextSingle() * 2 - 1; return a; }
        var geometries = layers.Layers.Select(l => l.Geometry).ToArray();
        _x = geometries.Select(g => Random(batch * g.InputFloats)).ToArray();
        _w = geometries.Select(g => Random(g.OutChannels * g.ColumnRows)).ToArray();
        _b = geometries.Select(g => Random(g.OutChannels)).ToArray();
        _y = geometries.Select(g => new float[batch * g.OutputFloats]).ToArray();
        _dy = geometries.Select(g => Random(batch * g.OutputFloats)).ToArray();
        _dx = geometries.Select(g => new float[batch * g.InputFloats]).ToArray();
        _dw = geometries.Select(g => new float[g.OutChannels * g.ColumnRows]).ToArray();
        _db = geometries.Select(g => new float[g.OutChannels]).ToArray();
    }

    /// <summary>One step's convolutions (the accumulated gradients only grow: nothing clears them, as the timing
    /// should not include a clear; they stay far from overflow).</summary>
    public float Step()
    {
        var layers = _layers.Layers;
        for (int first = 0; first < _batch; first += _tileRows)
        {
            int rows = Math.Min(_tileRows, _batch - first);
            for (int i = 0; i < layers.Count; i++)
            {
                var g = layers[i].Geometry;
                ConvolutionGemm.Forward(in g, ref _x[i][first * g.InputFloats], g.InputFloats, ref _w[i][0], ref _b[i][0], _hasBias,
                    ref _y[i][first * g.OutputFloats], g.OutputFloats, rows);
            }
            for (int i = layers.Count - 1; i >= 0; i--)
            {
                var g = layers[i].Geometry;
                ref float dy = ref _dy[i][first * g.OutputFloats];
                ConvolutionGemm.BackwardWeights(in g, ref dy, g.OutputFloats, ref _x[i][first * g.InputFloats], g.InputFloats, ref _dw[i][0], rows);
                if (_hasBias) ConvolutionGemm.BackwardBias(in g, ref dy, g.OutputFloats, ref _db[i][0], rows);
                if (layers[i].InputGradient)
                    ConvolutionGemm.BackwardInput(in g, ref dy, g.OutputFloats, ref _w[i][0], ref _dx[i][first * g.InputFloats], g.InputFloats, rows);
            }
        }
        return _y[0][0];
    }
}
