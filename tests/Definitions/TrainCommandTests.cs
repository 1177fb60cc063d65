using System;
using System.IO;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Definitions.Seeds;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Definitions.Training;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Definitions;

/// <summary>The main job end to end on a small synthetic Fashion-MNIST-shaped directory: outputs written and
/// loadable, resume, and clear failures that write nothing.</summary>
[Collection(ConsoleCollection.Name)]
public class TrainCommandTests
{
    [Fact]
    public void Trains_writes_a_loadable_checkpoint_plot_and_curves_then_resumes()
    {
        using var data = new TempDirectory();
        using var output = new TempDirectory();
        LearnableFashionSet.Write(data, 500, 200);
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
        LearnableFashionSet.Write(data, 50, 20);
        var bytes = File.ReadAllBytes(data.File("train-images-idx3-ubyte"));
        bytes[3] = 0x02;   // magic says two dimensions
        File.WriteAllBytes(data.File("train-images-idx3-ubyte"), bytes);
        var job = JobRun.Start("--data", data.Path, "--output", output.Path, "--epochs", "1", "--no-compare");
        job.AssertFailed(1, "train-images-idx3-ubyte");
        Assert.Empty(Directory.GetFiles(output.Path));
    }

    [Theory]
    [InlineData("Unknown option '--bogus'", "--bogus")]
    [InlineData("No network named 'NoSuchNet'", "--network", "NoSuchNet")]
    [InlineData("--optimizer must be one of sgd, momentum, nesterov, adam, adamw; not 'rmsprop'", "--optimizer", "rmsprop")]
    [InlineData("--schedule must be one of constant, step, cosine; not 'linear'", "--schedule", "linear")]
    [InlineData("Option --optimizer needs a value.", "--optimizer")]
    [InlineData("Option --data needs a value, not the option '--epochs'", "--data", "--epochs", "1")]
    [InlineData("--epochs must be positive", "--epochs", "0")]
    [InlineData("--epochs must be positive", "--epochs", "-1")]
    [InlineData("--epochs takes an integer from -2147483648 to 2147483647, not 'abc'", "--epochs", "abc")]
    [InlineData("--batch-size takes an integer", "--batch-size", "99999999999")]
    [InlineData("--batch-size must be positive", "--batch-size", "0")]
    [InlineData("--seed takes an integer", "--seed", "1.5")]
    [InlineData("--lr takes a finite non-negative number, not 'NaN'", "--lr", "NaN")]
    [InlineData("--lr takes a finite non-negative number, not 'Infinity'", "--lr", "Infinity")]
    [InlineData("--lr takes a finite non-negative number, not '1e39'", "--lr", "1e39")]
    [InlineData("--lr takes a finite non-negative number, not '-0.1'", "--lr", "-0.1")]
    [InlineData("--momentum must be at least 0 and below 1, not 1", "--momentum", "1")]
    [InlineData("--optimizer nesterov needs a --momentum above 0", "--optimizer", "nesterov", "--momentum", "0")]
    [InlineData("--threads must be from 1 to 256, not 0", "--threads", "0")]
    [InlineData("--threads must be from 1 to 256, not 1000", "--threads", "1000")]
    [InlineData("--warmup cannot be negative", "--warmup", "-5")]
    [InlineData("--clip-norm takes a finite non-negative number", "--clip-norm", "x")]
    public void Bad_usage_exits_2_with_the_reason_before_doing_anything(string message, params string[] args)
    {
        var job = JobRun.Start(args);
        job.AssertFailed(2, message);
        Assert.Empty(job.Out);   // refused before loading any data
    }

    [Fact]
    public void A_network_that_does_not_fit_the_data_is_refused_before_training()
    {
        using var data = new TempDirectory();
        using var output = new TempDirectory();
        LearnableFashionSet.Write(data, 20, 10);
        Assert.Equal(1, TrainCommand.Run(["--network", "Seed000Net", "--data", data.Path, "--output", output.Path, "--no-compare"]));
        Assert.Empty(Directory.GetFiles(output.Path));
    }

    private static readonly string[] Quick = ["--epochs", "1", "--batch-size", "10", "--no-compare", "--no-grad-norms"];

    [Fact]
    public void Failures_exit_1_with_one_line_and_never_a_stack_trace()
    {
        using var data = new TempDirectory();
        using var output = new TempDirectory();
        using var empty = new TempDirectory();
        LearnableFashionSet.Write(data, 30, 10);
        string[] job = ["--data", data.Path, "--output", output.Path, .. Quick];

        JobRun.Start(["--data", data.File("missing"), "--output", output.Path, .. Quick]).AssertFailed(1, "does not exist");
        JobRun.Start(["--data", empty.Path, "--output", output.Path, .. Quick]).AssertFailed(1, "has no 'train-images-idx3-ubyte'");
        string plain = output.WriteText("plain", "a file, not a directory");
        JobRun.Start(["--data", data.Path, "--output", Path.Combine(plain, "out"), .. Quick]).AssertFailed(1, "Cannot write to the output directory");
        JobRun.Start([.. job, "--resume", output.File("none.safetensors")]).AssertFailed(1, "none.safetensors");
        output.Write("corrupt.safetensors", [16, 0, 0, 0, 0, 0, 0, 0, .. "{\"a\":"u8.ToArray()]);
        JobRun.Start([.. job, "--resume", output.File("corrupt.safetensors")]).AssertFailed(1, "corrupt.safetensors");
        using (var huge = File.Create(output.File("huge.safetensors"))) huge.SetLength((long)int.MaxValue + 16);   // sparse: no disk used
        JobRun.Start([.. job, "--resume", output.File("huge.safetensors")]).AssertFailed(1, "huge.safetensors");
        Checkpoint.Save(output.File("xor.safetensors"), new XorNet(), new Sgd(0.5f), TrainingState.Start);
        JobRun.Start([.. job, "--resume", output.File("xor.safetensors")]).AssertFailed(1, "xor.safetensors");

        Assert.Equal(["corrupt.safetensors", "huge.safetensors", "plain", "xor.safetensors"], output.Entries());
    }

    [Theory]
    [InlineData("2739147")]      // batch x 784 inputs overflowed int: OverflowException, exit 134
    [InlineData("5478275")]      // ... and wrapped to a small positive size: exit 1, "out of the range of valid values"
    [InlineData("2147483647")]
    public void A_batch_size_above_the_training_set_is_one_batch_of_the_whole_set(string batchSize)
    {
        using var data = new TempDirectory();
        using var output = new TempDirectory();
        LearnableFashionSet.Write(data, 30, 10);

        var job = JobRun.Start("--data", data.Path, "--output", output.Path, "--epochs", "2", "--batch-size", batchSize, "--no-compare");

        Assert.True(job.Code == 0, job.Error);
        Assert.Contains($"batch 30 (the whole training set: --batch-size {batchSize} is more than its 30 samples)", job.Out);
        var optimizer = new Sgd(3f);
        var info = Checkpoint.Load(output.File("Seed001MnistNet.safetensors"), new Seed001MnistNet(), optimizer);
        Assert.Equal(new TrainingState(2, 0, 0, 0), info.State);
        Assert.Equal(2, optimizer.StepCount);
    }

    [Fact]
    public void Bfloat16_moments_train_adam_and_are_refused_for_a_recipe_without_adam()
    {
        using var data = new TempDirectory();
        using var output = new TempDirectory();
        LearnableFashionSet.Write(data, 60, 10);

        var job = JobRun.Start(["--network", "WideMlpNet", "--optimizer", "adamw", "--lr", "1e-3", "--moments", "bfloat16", "--data", data.Path, "--output", output.Path, .. Quick]);

        Assert.True(job.Code == 0, job.Error);
        Assert.Contains("moments bfloat16", job.Out);
        var optimizer = new AdamW(1e-3f) { Moments = StatePrecision.BFloat16 };
        Assert.True(Checkpoint.Load(output.File("WideMlpNet.safetensors"), new WideMlpNet(), optimizer).OptimizerRestored);
        Assert.Equal(6, optimizer.StepCount);
        // Seed001MnistNet's recipe is SGD.
        JobRun.Start(["--moments", "bfloat16", "--data", data.Path, "--output", output.Path, .. Quick]).AssertFailed(1, "applies to adam and adamw");
    }

    [Fact]
    public void A_diverging_run_exits_1_saying_what_grew_and_writes_no_checkpoint()
    {
        using var data = new TempDirectory();
        using var output = new TempDirectory();
        LearnableFashionSet.Write(data, 60, 10);

        // Adam's bounded steps let the loss reach 1e22 without ever overflowing; this used to end "successfully".
        var job = JobRun.Start(["--network", "WideMlpNet", "--optimizer", "adam", "--lr", "1e6", "--data", data.Path, "--output", output.Path, .. Quick]);

        job.AssertFailed(1, "Training diverged");
        Assert.Contains("the loss grew from", job.Error);
        Assert.Contains("Lower the learning rate", job.Error);
        Assert.Contains("No checkpoint was written.", job.Error);
        Assert.Empty(output.Entries());
    }

    [Fact]
    public void A_checkpoint_claiming_millions_of_epochs_of_history_resumes_with_the_last_100000_in_bounded_memory()
    {
        using var data = new TempDirectory();
        using var output = new TempDirectory();
        LearnableFashionSet.Write(data, 60, 10);
        string[] common = ["--data", data.Path, "--output", output.Path, "--epochs", "1", "--no-compare", "--no-grad-norms"];
        Assert.Equal(0, JobRun.Start(common).Code);
        string checkpoint = output.File("Seed001MnistNet.safetensors");

        // The same checkpoint with a history of three million records (30 MB): split at once, resuming allocated 2.3 GB (now about 140 MB).
        const int records = 3_000_000;
        string history = string.Join(';', Enumerable.Range(0, records).Select(i => "1,1,1,1,1"));
        string crafted = output.File("crafted.safetensors");
        using (var file = SafeTensors.Read(checkpoint))
        {
            var tensors = file.Tensors.Select(t => new NamedTensor(t.Name, t.Shape.Select(d => (int)d).ToArray(), file.ReadFloats(t.Name))).ToList();
            var metadata = new Dictionary<string, string>(file.Metadata) { ["netcompiler.history"] = history, ["netcompiler.epoch"] = "0" };
            SafeTensors.Write(crafted, tensors, metadata);
        }
        history = null!;

        JobRun? job = null;
        long allocated = Allocated.By(() => job = JobRun.Start([.. common, "--resume", crafted]));

        Assert.True(job!.Code == 0, job.Error);
        Assert.Contains("warning: the checkpoint's history has more than 100,000 epochs; the plot and the curves keep the last 100,000.", job.Out);
        Assert.Equal(100_000 + 2, File.ReadAllLines(output.File("Seed001MnistNet.csv")).Length);   // header, kept, new
        Assert.True(allocated < 400L << 20, $"{allocated:N0} bytes allocated");
    }
}
