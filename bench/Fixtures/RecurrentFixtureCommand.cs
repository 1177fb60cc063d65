using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

/// <summary>The <c>fixture lstm|gru &lt;dir&gt;</c> command: writes the PyTorch checkpoints the recurrent tests load
/// (<c>tests/Recurrent/Fixtures/</c>). TorchSharp's <c>nn.LSTM</c> and <c>nn.GRU</c> are libtorch's, the modules behind
/// PyTorch's, so their initialization, parameter layout and outputs are PyTorch's. With a fixed seed it builds the layer
/// (<c>batch_first</c>), a batch of 3 random sequences of 6 steps and random initial states, runs the layer once, and
/// saves one safetensors file: the layer's <c>state_dict</c> as a model holding it in a field named <c>lstm</c> or
/// <c>gru</c> saves it (<c>lstm.weight_ih_l0</c>, ..., <c>lstm.bias_hh_l1_reverse</c>), then <c>input</c> [3, 6, 5],
/// <c>h0</c> (and <c>c0</c>) [layers x directions, 3, hidden], <c>output</c> [3, 6, directions x hidden], <c>h_n</c>
/// (and <c>c_n</c>), all float32, in PyTorch's layouts.</summary>
/// <remarks>The layer runs with autograd on, as in training: libtorch then takes its native LSTM kernel. Under
/// <c>no_grad</c> or <c>inference_mode</c> it takes oneDNN's LSTM instead, which on the development machine (Zen 4,
/// libtorch of TorchSharp 0.107) gives wrong outputs (off by 0.1 to 1) when the hidden size is not a multiple of 32
/// (3, 7, 16 and 48 seen wrong; 32, 64 and 128 right); with oneDNN switched off both modes agree exactly. W6's hidden
/// size is 64, and its check compares the inference path it times.</remarks>
internal static class RecurrentFixtureCommand
{
    private const string Usage = "usage: fixture lstm|gru <directory>";
    private const int Batch = 3, Steps = 6, InputSize = 5, HiddenSize = 7;

    public static int Run(ReadOnlySpan<string> args)
    {
        if (args.Length != 2 || args[0] is not ("lstm" or "gru"))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        if (!TorchSharpPeer.IsAvailable)
        {
            Console.Error.WriteLine($"fixture: TorchSharp is not available: {TorchSharpPeer.FailureReason}");
            return 1;
        }
        Directory.CreateDirectory(args[1]);
        string path = Path.Combine(args[1], $"pytorch-{args[0]}.safetensors");
        var (tensors, description) = args[0] == "lstm" ? Lstm() : Gru();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["source"] = $"{description}, TorchSharp {typeof(torch).Assembly.GetName().Version?.ToString(3)} (libtorch): bench -- fixture {args[0]}",
        };
        SafeTensors.Write(path, tensors, metadata);
        Console.WriteLine($"{path}: {description}; {string.Join(", ", tensors.Select(t => $"{t.Name} [{string.Join(", ", t.Shape)}]"))}");
        return 0;
    }

    /// <summary>nn.LSTM(5, 7, num_layers: 2, bidirectional, batch_first) from seed 15, run from random h0 and c0.</summary>
    private static (List<NamedTensor> Tensors, string Description) Lstm()
    {
        const int Layers = 2, Directions = 2;
        manual_seed(15);
        using var scope = NewDisposeScope();
        var lstm = nn.LSTM(InputSize, HiddenSize, numLayers: Layers, batchFirst: true, bidirectional: true);
        var input = randn(Batch, Steps, InputSize);
        var h0 = randn(Layers * Directions, Batch, HiddenSize);
        var c0 = randn(Layers * Directions, Batch, HiddenSize);
        var (output, hn, cn) = lstm.forward(input, (h0, c0));
        var tensors = StateDict("lstm", lstm);
        tensors.AddRange([Named("input", input), Named("h0", h0), Named("c0", c0), Named("output", output), Named("h_n", hn), Named("c_n", cn)]);
        return (tensors, $"nn.LSTM({InputSize}, {HiddenSize}, num_layers=2, bidirectional=True, batch_first=True), torch.manual_seed(15)");
    }

    /// <summary>nn.GRU(5, 7, batch_first) from seed 16, run from a random h0.</summary>
    private static (List<NamedTensor> Tensors, string Description) Gru()
    {
        manual_seed(16);
        using var scope = NewDisposeScope();
        var gru = nn.GRU(InputSize, HiddenSize, batchFirst: true);
        var input = randn(Batch, Steps, InputSize);
        var h0 = randn(1, Batch, HiddenSize);
        var (output, hn) = gru.forward(input, h0);
        var tensors = StateDict("gru", gru);
        tensors.AddRange([Named("input", input), Named("h0", h0), Named("output", output), Named("h_n", hn)]);
        return (tensors, $"nn.GRU({InputSize}, {HiddenSize}, batch_first=True), torch.manual_seed(16)");
    }

    /// <summary>The module's parameters in <c>state_dict</c> order, named as a model that holds it in the field
    /// <paramref name="field"/> saves them.</summary>
    private static List<NamedTensor> StateDict(string field, nn.Module module) =>
        module.named_parameters().Select(p => Named($"{field}.{p.name}", p.parameter)).ToList();

    private static NamedTensor Named(string name, TorchTensor tensor) =>
        new(name, tensor.shape.Select(d => (int)d).ToArray(), tensor.detach().contiguous().data<float>().ToArray());
}
