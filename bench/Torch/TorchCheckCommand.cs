using System;

namespace NetCompiler.Bench;

/// <summary>The <c>torch-check</c> command: does TorchSharp load here (after the build's libLibTorchSharp.so
/// patch), and do its forward pass and training agree with NetCompiler's on seed 000, on the convolutional networks
/// (W4 LeNet-5, ResNetSmall: outputs, losses, gradients, batch norm statistics), on the LSTMs of W6 and RowLstmNet, on W5's CharGpt and W7's T5Translator (outputs,
/// losses, gradients; W7 also its greedy translations; a few seconds)? Exit code 0 when all hold.</summary>
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
        bool ok = true;
        void Check(string workload, Func<(bool Ok, string Line)> check)
        {
            try
            {
                var (agrees, line) = check();
                Console.WriteLine(line);
                ok &= agrees;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Console.WriteLine($"{workload}: the check failed: {e}");
                ok = false;
            }
        }
        Check("W1 seed 000", () => { using var w1 = new Seed000Workload(); return w1.CheckTorchSharp(); });
        Check("W4 LeNet-5", () => { using var w4 = new LeNet5Workload(); return w4.CheckTorchSharp(); });
        Check("ResNetSmall", () => { using var resnet = new ResNetSmallWorkload(); return resnet.CheckTorchSharp(); });
        Check("W6 LSTM sequence", () => { using var w6 = LstmClassifierWorkload.W6(); return w6.CheckTorchSharp(); });
        Check("RowLstmNet", () => { using var rowLstm = LstmClassifierWorkload.RowLstm(); return rowLstm.CheckTorchSharp(); });
        Check("W5 CharGpt", () => { using var w5 = new CharGptWorkload(); return w5.CheckTorchSharp(); });
        Check("W7 T5Translator", () => { using var w7 = new T5TranslatorWorkload(); return w7.CheckTorchSharp(); });
        Check("W7 translation", () =>
        {
            using var translation = new T5TranslationWorkload();
            translation.CreateTorchSharp();
            return translation.Check();
        });
        return ok ? 0 : 1;
    }
}
