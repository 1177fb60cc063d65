using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace NetCompiler.Tests.Recurrent;

/// <summary>A checkpoint written by PyTorch's own recurrent layer (libtorch's <c>nn.LSTM</c> / <c>nn.GRU</c> through
/// TorchSharp: <c>dotnet run -c Release --project bench -- fixture lstm|gru tests/Recurrent/Fixtures</c>, see
/// bench/README.md), copied next to the test binaries: the layer's <c>state_dict</c> as a model holding it in a field
/// (<c>lstm.weight_ih_l0</c>, ...), and what PyTorch computed from it, in PyTorch's layouts: <c>input</c> [B, T, F]
/// (batch first), <c>h0</c>, <c>c0</c>, <c>h_n</c>, <c>c_n</c> [layers x directions, B, hidden] (batch second, as
/// PyTorch keeps states even with <c>batch_first</c>), <c>output</c> [B, T, directions x hidden].</summary>
internal sealed class PyTorchRecurrentFixture
{
    private readonly Dictionary<string, (int[] Shape, float[] Values)> _tensors;

    private PyTorchRecurrentFixture(string path, Dictionary<string, (int[] Shape, float[] Values)> tensors)
    {
        Path = path;
        _tensors = tensors;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>Reads <c>Recurrent/Fixtures/<paramref name="file"/></c> from the test output directory.</summary>
    public static PyTorchRecurrentFixture Load(string file)
    {
        string path = System.IO.Path.Combine(AppContext.BaseDirectory, "Recurrent", "Fixtures", file);
        Assert.True(File.Exists(path), $"{path} is missing: the test project copies tests/Recurrent/Fixtures/ to its output.");
        using var safeTensors = SafeTensors.Read(path);
        var tensors = safeTensors.Tensors.ToDictionary(t => t.Name,
            t => (t.Shape.Select(d => (int)d).ToArray(), safeTensors.ReadFloats(t.Name)), StringComparer.Ordinal);
        return new PyTorchRecurrentFixture(path, tensors);
    }

    /// <summary>The layer's parameters by <c>state_dict</c> name (every name with a dot), in file order.</summary>
    public IReadOnlyList<string> StateDictNames => _tensors.Keys.Where(n => n.Contains('.', StringComparison.Ordinal)).ToList();

    /// <summary>The tensors that are not parameters (<c>input</c>, <c>h0</c>, <c>output</c>, ...), in file order.</summary>
    public IReadOnlyList<string> RecordedNames => _tensors.Keys.Where(n => !n.Contains('.', StringComparison.Ordinal)).ToList();

    /// <summary>A tensor's shape.</summary>
    public int[] Shape(string name) => _tensors[name].Shape;

    /// <summary>A tensor's values, row-major.</summary>
    public float[] Values(string name) => _tensors[name].Values;

    /// <summary>The <c>state_dict</c> loaded into a fresh <see cref="ParameterStore"/> laid out as the file lists it.</summary>
    public ParameterStore StateDictStore()
    {
        var layout = new List<ParameterInfo>();
        int offset = 0;
        foreach (string name in StateDictNames)
        {
            layout.Add(new ParameterInfo(name, offset, Shape(name)));
            offset += Values(name).Length;
        }
        var store = new ParameterStore(layout);
        store.Load(StateDictNames.ToDictionary(n => n, Values));
        return store;
    }

    /// <summary>A PyTorch state tensor [rows, B, hidden] (<c>h0</c>, <c>h_n</c>, ...) sample-major, [B, rows, hidden]:
    /// the per-sample [rows, hidden] states NetCompiler takes and returns.</summary>
    public float[] StatePerSample(string name)
    {
        var (shape, values) = _tensors[name];
        int rows = shape[0], batch = shape[1], hidden = shape[2];
        var result = new float[values.Length];
        for (int r = 0; r < rows; r++)
            for (int b = 0; b < batch; b++)
                values.AsSpan((r * batch + b) * hidden, hidden).CopyTo(result.AsSpan((b * rows + r) * hidden, hidden));
        return result;
    }

    /// <summary>Samples in the recorded batch.</summary>
    public int Batch => Shape("input")[0];

    /// <summary>Every value of <paramref name="actual"/> within <paramref name="tolerance"/> of PyTorch's
    /// <paramref name="expected"/> (float32 both, summed in other orders: seen below 2e-7).</summary>
    public static void AssertClose(float[] expected, ReadOnlySpan<float> actual, string what, double tolerance = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance, $"{what}[{i}]: {actual[i]:G9}, PyTorch {expected[i]:G9}");
    }
}
