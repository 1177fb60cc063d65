using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Definitions.Seeds;
using Xunit;

namespace NetCompiler.Tests.Training;

/// <summary><see cref="ParameterStore.Load"/>: values by name, everything checked before anything changes.</summary>
public class ParameterLoadTests
{
    private static Dictionary<string, float[]> Seed000Weights() => new()
    {
        ["hidden.weight"] = [0.1f, 0.2f, 0.3f, 0.4f],
        ["hidden.bias"] = [0.01f, 0.02f],
        ["output.weight"] = [0.5f, 0.6f],
        ["output.bias"] = [0.03f],
    };

    [Fact]
    public void Loads_every_parameter_by_name_and_the_network_computes_with_them()
    {
        var declared = new Seed000Net();           // its attributes hold the worked example's weights
        var loaded = new Seed000Net(seed: 9);
        for (int i = 0; i < loaded.Parameters.Count; i++) loaded.Parameters.Values[i] = 7f;
        Assert.Equal(4, loaded.Parameters.Load(Seed000Weights()));
        Assert.Equal(declared.Parameters.Values, loaded.Parameters.Values);
        var x = new float[] { 0.7f, 0.8f };
        float[] a = new float[1], b = new float[1];
        declared.Infer(x, a, 1);
        loaded.Infer(x, b, 1);
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData("unknown", "No parameter or buffer named 'hidden.weights'")]
    [InlineData("length", "has shape [2, 2] (4 values); 3 were given")]
    [InlineData("nan", "value 1 is NaN")]
    [InlineData("missing", "No values for 'output.bias'")]
    public void Refuses_bad_input_with_the_name_and_changes_nothing(string fault, string message)
    {
        var net = new Seed000Net(seed: 3);
        var before = net.Parameters.Values.ToArray();
        var values = Seed000Weights();
        switch (fault)
        {
            case "unknown": values["hidden.weights"] = values["hidden.weight"]; values.Remove("hidden.weight"); break;
            case "length": values["hidden.weight"] = [1f, 2f, 3f]; break;
            case "nan": values["output.weight"] = [1f, float.NaN]; break;
            case "missing": values.Remove("output.bias"); break;
        }
        var e = Assert.Throws<ArgumentException>(() => net.Parameters.Load(values));
        Assert.Contains(message, e.Message);
        Assert.Equal(before, net.Parameters.Values);
    }

    [Fact]
    public void A_subset_loads_when_asked()
    {
        var net = new Seed000Net(seed: 3);
        var bias = net.Parameters.GetValues("output.bias")[0];
        Assert.Equal(1, net.Parameters.Load(new Dictionary<string, float[]> { ["hidden.bias"] = [5f, 6f] }, requireAll: false));
        Assert.Equal([5f, 6f], net.Parameters.GetValues("hidden.bias").ToArray());
        Assert.Equal(bias, net.Parameters.GetValues("output.bias")[0]);
    }
}
