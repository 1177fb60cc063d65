using System;
using System.Linq;
using Xunit;
using static NetCompiler.Tests.Recurrent.PyTorchRecurrentFixture;

namespace NetCompiler.Tests.Recurrent;

/// <summary>A PyTorch GRU checkpoint (<c>Fixtures/pytorch-gru.safetensors</c>: <c>nn.GRU(5, 7, batch_first=True)</c>'s
/// <c>state_dict</c> and one run of it from a random initial state, written by libtorch itself, see
/// <see cref="PyTorchRecurrentFixture"/>) loads by name and gives PyTorch's output and h_n: gate order r, z, n and the
/// reset gate applied to (W_hn h + b_hn), as PyTorch places it.</summary>
public class PyTorchGruCheckpointTests
{
    private const int Steps = 6, Hidden = 7;

    private static readonly PyTorchRecurrentFixture Fixture = Load("pytorch-gru.safetensors");

    [Fact]
    public void The_state_dict_runs_in_the_eager_Gru_layer_as_in_PyTorch()
    {
        var store = Fixture.StateDictStore();
        var gru = new Gru(store, "gru", layers: 1, bidirectional: false, bias: true);
        int batch = Fixture.Batch;

        var (y, h) = gru.Forward(
            Tensor.FromBatch(Fixture.Values("input"), batch, Steps, 5),
            Tensor.FromBatch(Fixture.StatePerSample("h0"), batch, 1, Hidden));

        AssertClose(Fixture.Values("output"), y.Values, "output");
        AssertClose(Fixture.StatePerSample("h_n"), h.Values, "h_n");
    }

    [Fact]
    public void The_checkpoint_loads_into_a_compiled_network_by_name_and_gives_PyTorchs_results()
    {
        var net = new PyTorchGruNet();

        var report = Checkpoint.LoadMatching(Fixture.Path, net);

        Assert.Equal(4, report.Loaded.Count);
        Assert.Equal(Fixture.RecordedNames, report.NotInNetwork);
        Assert.Empty(report.NotInFile);

        int batch = Fixture.Batch;
        var inputs = PyTorchLstmCheckpointTests.Samples(batch, (Fixture.Values("input"), Steps * 5), (Fixture.StatePerSample("h0"), Hidden));
        var expected = PyTorchLstmCheckpointTests.Samples(batch, (Fixture.Values("output"), Steps * Hidden), (Fixture.StatePerSample("h_n"), Hidden));
        var compiled = new float[expected.Length];
        net.Infer(inputs, compiled, batch);
        var interpreted = new float[expected.Length];
        Interpreter.Infer(net, inputs, interpreted, batch);

        AssertClose(expected, compiled, "compiled [output, h_n]");
        AssertClose(expected, interpreted, "interpreted [output, h_n]");
    }
}
