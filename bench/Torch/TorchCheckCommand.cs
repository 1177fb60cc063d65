using System;

namespace NetCompiler.Bench;

/// <summary>The <c>torch-check</c> command: does TorchSharp load here (after the build's libLibTorchSharp.so
/// patch), and does its forward pass and training agree with NetCompiler's on seed 000? Exit code 0 when both hold.</summary>
internal static class TorchCheckCommand
{
    public static int Run()
    {
        if (!TorchSharpPeer.IsAvailable)
        {
            Console.WriteLine("TorchSharp's loading trace:");
            Console.WriteLine(TorchSharpPeer.LoadTrace);
            Console.WriteLine($"TorchSharp: {TorchSharpPeer.Describe()}");
            return 1;
        }
        using var ones = TorchSharp.torch.ones(2);
        Console.WriteLine($"TorchSharp {TorchSharpPeer.Describe()}: torch.ones(2) = [{string.Join(", ", ones.data<float>().ToArray())}]");
        using var w1 = new Seed000Workload();
        var (ok, line) = w1.CheckTorchSharp();
        Console.WriteLine(line);
        return ok ? 0 : 1;
    }
}
