using System;
using System.IO;
using NetCompiler.Definitions.Text;
using NetCompiler.Definitions.Training;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.Definitions;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>The gpt command and <c>generate --network gpt</c>: a few steps on the shipped text write a checkpoint, plot
/// and curves, the report names both baselines, generate continues the checkpoint the same way for the same seed, and
/// bad options are refused as the other commands refuse them.</summary>
[Collection(ConsoleCollection.Name)]
public class GptJobTests
{
    [Fact]
    public void Gpt_trains_a_few_steps_on_the_shipped_text_and_generate_continues_its_checkpoint_reproducibly()
    {
        using var output = new TempDirectory();
        var job = JobRun.Start(GptCommand.Run, "--text", CharCorpus.ShippedFile, "--epochs", "1", "--steps", "2", "--batch-size", "4",
            "--output", output.Path, "--no-grad-norms");
        Assert.True(job.Code == 0, job.Error);
        Assert.StartsWith($"text: {CharCorpus.ShippedFile}: ", job.Out);
        Assert.Contains("training: 1 epochs of 8 windows of 128 characters, batch 4, adamw lr ", job.Out);
        Assert.Contains("baselines on the validation text: unigram ", job.Out);
        Assert.Contains("epoch 1: train ", job.Out);
        Assert.Contains("; unigram ", job.Out);
        Assert.Contains("  sample (temperature 0.8, top-k 20): \"The ", job.Out);
        string checkpoint = output.File("gpt.safetensors");
        Assert.True(File.Exists(checkpoint));
        Assert.Equal(2, File.ReadAllLines(output.File("gpt.csv")).Length);
        Assert.True(File.Exists(output.File("gpt.png")));

        string[] generate = ["--network", "gpt", "--checkpoint", checkpoint, "--prompt", "Once ", "--tokens", "50", "--temperature", "1", "--top-k", "97"];
        var first = JobRun.Start(GenerateCommand.Run, [.. generate, "--seed", "1"]);
        var again = JobRun.Start(GenerateCommand.Run, [.. generate, "--seed", "1"]);
        var other = JobRun.Start(GenerateCommand.Run, [.. generate, "--seed", "2"]);
        Assert.True(first.Code == 0, first.Error);
        Assert.StartsWith("Once ", first.Out);
        Assert.Equal("Once ".Length + 50 + Environment.NewLine.Length, first.Out.Length);   // the prompt, 50 characters, one line end
        Assert.Equal(first.Out, again.Out);
        Assert.NotEqual(first.Out, other.Out);

        // The command samples the checkpoint's parameters, not a fresh network's.
        var trained = new FortuneGpt();
        Checkpoint.Load(checkpoint, trained);
        Assert.Equal(first.Out, "Once " + new GptSampler(trained, 1f, 97, 1).Continue("Once ", 50) + Environment.NewLine);
        Assert.NotEqual(first.Out, "Once " + new GptSampler(new FortuneGpt(seed: 1), 1f, 97, 1).Continue("Once ", 50) + Environment.NewLine);
    }

    [Theory]
    [InlineData("--steps must be positive", "--steps", "0")]
    [InlineData("--lr takes a finite non-negative number, not 'fast'", "--lr", "fast")]
    [InlineData("Unknown option '--network'. Options: --epochs, --batch-size, --lr, --clip-norm, --steps, --text, --seed, --threads, --output, --no-grad-norms, --help.", "--network", "x")]
    public void Gpt_refuses_bad_options_with_exit_2_and_the_valid_choices(string message, params string[] args) =>
        JobRun.Start(GptCommand.Run, args).AssertFailed(2, message);

    [Fact]
    public void Gpt_on_a_missing_text_file_fails_with_its_name()
    {
        using var output = new TempDirectory();
        JobRun.Start(GptCommand.Run, "--text", output.File("none.txt"), "--output", output.Path).AssertFailed(1, "none.txt' does not exist");
    }

    [Fact]
    public void Generate_refuses_an_unknown_network_and_names_the_gpt_command_when_its_checkpoint_is_missing()
    {
        JobRun.Start(GenerateCommand.Run, "--network", "lstm").AssertFailed(2, "--network must be one of charlstm, gpt; not 'lstm'");
        using var output = new TempDirectory();
        JobRun.Start(GenerateCommand.Run, "--network", "gpt", "--checkpoint", output.File("none.safetensors")).AssertFailed(1, "-- gpt");
    }

    [Fact]
    public void Generate_defaults_to_the_checkpoint_of_the_network_it_is_given()
    {
        Assert.Equal(Path.Combine("out", "charlstm.safetensors"), GenerateArguments.Parse([]).Checkpoint);
        Assert.Equal(Path.Combine("out", "gpt.safetensors"), GenerateArguments.Parse(["--network", "gpt"]).Checkpoint);
        Assert.Equal("my.safetensors", GenerateArguments.Parse(["--network", "gpt", "--checkpoint", "my.safetensors"]).Checkpoint);
    }
}
