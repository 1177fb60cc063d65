using System;
using System.IO;
using System.Linq;
using NetCompiler.Definitions.Seeds;
using NetCompiler.Definitions.Training;
using NetCompiler.Tests.Data;
using Xunit;

namespace NetCompiler.Tests.Definitions;

/// <summary>The main job end to end on a small synthetic Fashion-MNIST-shaped directory: outputs written and
/// loadable, resume, and clear failures that write nothing.</summary>
public class TrainCommandTests
{
    /// <summary>Writes the four IDX files: class c lights up rows 2c..2c+2 of a 28x28 image, plus noise.</summary>
    private static void WriteLearnableSet(TempDirectory dir, int train, int test)
    {
        void Write(string prefix, int count, int seed)
        {
            var rng = new Random(seed);
            var pixels = new byte[count * 784];
            var labels = new byte[count];
            for (int n = 0; n < count; n++)
            {
                int c = rng.Next(10);
                labels[n] = (byte)c;
                for (int i = 0; i < 784; i++)
                    pixels[n * 784 + i] = (byte)(i / 28 / 2 % 10 == c && i / 28 < 20 ? 200 + rng.Next(56) : rng.Next(40));
            }
            dir.Write(prefix + "-images-idx3-ubyte", Idx.Bytes([count, 28, 28], pixels));
            dir.Write(prefix + "-labels-idx1-ubyte.gz", Idx.Gzip(Idx.Bytes([count], labels)));
        }
        Write("train", train, 1);
        Write("t10k", test, 2);
    }

    [Fact]
    public void Trains_writes_a_loadable_checkpoint_plot_and_curves_then_resumes()
    {
        using var data = new TempDirectory();
        using var output = new TempDirectory();
        WriteLearnableSet(data, 500, 200);
        string[] common = ["--network", "Seed001MnistNet", "--data", data.Path, "--output", output.Path, "--batch-size", "10", "--no-compare"];

        Assert.Equal(0, TrainCommand.Run([.. common, "--epochs", "2"]));
        string checkpoint = output.File("Seed001MnistNet.safetensors");
        var png = File.ReadAllBytes(output.File("Seed001MnistNet.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        var csv = File.ReadAllLines(output.File("Seed001MnistNet.csv"));
        Assert.Equal(3, csv.Length);
        double accuracy = double.Parse(csv[2].Split(',')[3], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(accuracy > 0.6, $"test accuracy {accuracy} on a trivially separable set (chance: 0.1)");

        var net = new Seed001MnistNet(seed: 99);
        var info = Checkpoint.Load(checkpoint, net, new Sgd(3f));
        Assert.Equal(new TrainingState(2, 0, 0, 0), info.State);
        Assert.True(info.OptimizerRestored);

        // Resume for one more epoch: the history carried in the checkpoint keeps the first two rows.
        Assert.Equal(0, TrainCommand.Run([.. common, "--epochs", "3", "--resume", checkpoint]));
        csv = File.ReadAllLines(output.File("Seed001MnistNet.csv"));
        Assert.Equal(4, csv.Length);
        Assert.Equal(["1", "2", "3"], csv.Skip(1).Select(l => l.Split(',')[0]));
    }

    [Fact]
    public void Corrupt_data_fails_with_the_file_named_and_writes_nothing()
    {
        using var data = new TempDirectory();
        using var output = new TempDirectory();
        WriteLearnableSet(data, 50, 20);
        var bytes = File.ReadAllBytes(data.File("train-images-idx3-ubyte"));
        bytes[3] = 0x02;   // magic says two dimensions
        File.WriteAllBytes(data.File("train-images-idx3-ubyte"), bytes);
        var error = new StringWriter();
        var saved = Console.Error;
        int code;
        try
        {
            Console.SetError(error);
            code = TrainCommand.Run(["--data", data.Path, "--output", output.Path, "--epochs", "1", "--no-compare"]);
        }
        finally { Console.SetError(saved); }
        Assert.Equal(1, code);
        Assert.Contains("train-images-idx3-ubyte", error.ToString());
        Assert.Empty(Directory.GetFiles(output.Path));
    }

    [Fact]
    public void Bad_usage_returns_2()
    {
        Assert.Equal(2, TrainCommand.Run(["--network", "NoSuchNet"]));
        Assert.Equal(2, TrainCommand.Run(["--epochs", "-1"]));
        Assert.Equal(2, TrainCommand.Run(["--optimizer"]));
    }

    [Fact]
    public void A_network_that_does_not_fit_the_data_is_refused_before_training()
    {
        using var data = new TempDirectory();
        using var output = new TempDirectory();
        WriteLearnableSet(data, 20, 10);
        Assert.Equal(1, TrainCommand.Run(["--network", "Seed000Net", "--data", data.Path, "--output", output.Path, "--no-compare"]));
        Assert.Empty(Directory.GetFiles(output.Path));
    }
}
