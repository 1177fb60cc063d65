using System;
using System.Linq;
using Xunit;
using static NetCompiler.Tests.Recurrent.PyTorchRecurrentFixture;

namespace NetCompiler.Tests.Recurrent;

/// <summary>A PyTorch LSTM checkpoint (<c>Fixtures/pytorch-lstm.safetensors</c>: <c>nn.LSTM(5, 7, num_layers=2,
/// bidirectional=True, batch_first=True)</c>'s <c>state_dict</c> and one run of it from random initial states, written by
/// libtorch itself, see <see cref="PyTorchRecurrentFixture"/>) loads by name and gives PyTorch's output, h_n and c_n:
/// PyTorch's parameter names and [4 hidden, in] layouts, gate order i, f, g, o, the two biases, the reverse direction,
/// the second layer reading both directions' outputs, and the initial states' row order (layer, then direction).</summary>
public class PyTorchLstmCheckpointTests
{
    private const int Steps = 6, Hidden = 7, StateRows = 4;

    private static readonly PyTorchRecurrentFixture Fixture = Load("pytorch-lstm.safetensors");

    [Fact]
    public void The_state_dict_runs_in_the_eager_Lstm_layer_as_in_PyTorch()
    {
        var store = Fixture.StateDictStore();
        var lstm = new Lstm(store, "lstm", layers: 2, bidirectional: true, bias: true);
        int batch = Fixture.Batch;

        var (y, h, c) = lstm.Forward(
            Tensor.FromBatch(Fixture.Values("input"), batch, Steps, 5),
            Tensor.FromBatch(Fixture.StatePerSample("h0"), batch, StateRows, Hidden),
            Tensor.FromBatch(Fixture.StatePerSample("c0"), batch, StateRows, Hidden));

        Assert.Equal([Steps, 2 * Hidden], y.Shape);
        AssertClose(Fixture.Values("output"), y.Values, "output");
        AssertClose(Fixture.StatePerSample("h_n"), h.Values, "h_n");
        AssertClose(Fixture.StatePerSample("c_n"), c.Values, "c_n");
    }

    [Fact]
    public void The_checkpoint_loads_into_a_compiled_network_by_name_and_gives_PyTorchs_results()
    {
        var net = new PyTorchLstmNet();

        var report = Checkpoint.LoadMatching(Fixture.Path, net);

        Assert.Equal(Fixture.StateDictNames.Order(StringComparer.Ordinal), report.Loaded.Order(StringComparer.Ordinal));
        Assert.Equal(16, report.Loaded.Count);
        Assert.Equal(Fixture.RecordedNames, report.NotInNetwork);
        Assert.Empty(report.NotInFile);
        foreach (string name in Fixture.StateDictNames)
            Assert.Equal(Fixture.Values(name), net.Parameters.GetValues(name).ToArray());

        int batch = Fixture.Batch;
        var inputs = Samples(batch, (Fixture.Values("input"), Steps * 5), (Fixture.StatePerSample("h0"), StateRows * Hidden),
            (Fixture.StatePerSample("c0"), StateRows * Hidden));
        var expected = Samples(batch, (Fixture.Values("output"), Steps * 2 * Hidden), (Fixture.StatePerSample("h_n"), StateRows * Hidden),
            (Fixture.StatePerSample("c_n"), StateRows * Hidden));
        var compiled = new float[expected.Length];
        net.Infer(inputs, compiled, batch);
        var interpreted = new float[expected.Length];
        Interpreter.Infer(net, inputs, interpreted, batch);

        AssertClose(expected, compiled, "compiled [output, h_n, c_n]");
        AssertClose(expected, interpreted, "interpreted [output, h_n, c_n]");
    }

    /// <summary>Per-sample parts laid side by side, sample after sample: the flat buffers of a network with several inputs
    /// (or a concatenated output).</summary>
    internal static float[] Samples(int batch, params (float[] Values, int PerSample)[] parts)
    {
        int size = parts.Sum(p => p.PerSample);
        var result = new float[batch * size];
        for (int b = 0; b < batch; b++)
        {
            int offset = b * size;
            foreach (var (values, perSample) in parts)
            {
                values.AsSpan(b * perSample, perSample).CopyTo(result.AsSpan(offset));
                offset += perSample;
            }
        }
        return result;
    }
}
