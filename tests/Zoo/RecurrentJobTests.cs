using System;
using System.IO;
using System.Linq;
using NetCompiler.Definitions;
using NetCompiler.Definitions.Text;
using NetCompiler.Definitions.Training;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.Definitions;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>The recurrent networks' jobs: RowLstmNet's recipe clips gradients and the main job reports it, and the
/// charlstm and generate commands run end to end and refuse bad options as the other commands do.</summary>
[Collection(ConsoleCollection.Name)]
public class RecurrentJobTests
{
    [Fact]
    public void The_recurrent_recipes_clip_gradients()
    {
        Assert.Equal(5f, ZooCatalog.Find(nameof(RowLstmNet)).Recipe.MaxGradientNorm);
        Assert.True(float.IsFinite(ZooCatalog.Find(nameof(CharLstm)).Recipe.MaxGradientNorm));
        Assert.Equal(float.PositiveInfinity, ZooCatalog.Find(nameof(WideMlpNet)).Recipe.MaxGradientNorm);
    }

    [Fact]
    public void The_main_job_trains_RowLstmNet_and_reports_its_clipping_which_clip_norm_overrides()
    {
        using var data = new TempDirectory();
        using var output = new TempDirectory();
        LearnableFashionSet.Write(data, 200, 50);
        string[] common = ["--network", "RowLstmNet", "--data", data.Path, "--output", output.Path, "--epochs", "1", "--batch-size", "50", "--no-compare"];

        var recipe = JobRun.Start([.. common]);
        Assert.True(recipe.Code == 0, recipe.Error);
        Assert.EndsWith("clip 5, seed 1, compiled path, 1 thread", TrainingLine(recipe.Out));
        Assert.Contains("global gradient norm (mean / max): ", recipe.Out);
        Assert.Contains("; clipped to 5 in ", recipe.Out);
        Assert.Contains(" of 4 updates", recipe.Out);

        var tight = JobRun.Start([.. common, "--clip-norm", "0.001"]);   // far below any gradient norm: every update clipped
        Assert.True(tight.Code == 0, tight.Error);
        Assert.Contains("clipped to 0.001 in 4 of 4 updates (100.0%)", tight.Out);

        var off = JobRun.Start([.. common, "--clip-norm", "0"]);
        Assert.True(off.Code == 0, off.Error);
        Assert.DoesNotContain("global gradient norm", off.Out);
        Assert.DoesNotContain(" clip ", TrainingLine(off.Out));
    }

    /// <summary>The line that describes the optimizer (the recipe's summary also mentions its clipping).</summary>
    private static string TrainingLine(string output) => output.Split('\n').Single(l => l.StartsWith("training: ", StringComparison.Ordinal)).TrimEnd('\r');

    [Fact]
    public void Charlstm_trains_on_a_text_file_and_generate_samples_its_checkpoint_reproducibly()
    {
        using var output = new TempDirectory();
        var job = JobRun.Start(CharLstmCommand.Run, "--text", CharCorpus.ShippedFile, "--epochs", "1", "--batch-size", "32", "--output", output.Path, "--no-grad-norms");
        Assert.True(job.Code == 0, job.Error);
        Assert.StartsWith($"text: {CharCorpus.ShippedFile}: ", job.Out);
        Assert.Contains("unigram entropy of the training text: ", job.Out);
        Assert.Contains("epoch 1: train ", job.Out);
        Assert.Contains("; clipped to 1 in ", job.Out);
        string checkpoint = output.File("charlstm.safetensors");
        Assert.True(File.Exists(checkpoint));
        Assert.Equal(2, File.ReadAllLines(output.File("charlstm.csv")).Length);
        Assert.True(File.Exists(output.File("charlstm.png")));

        string[] generate = ["--checkpoint", checkpoint, "--prompt", "Once ", "--tokens", "50", "--temperature", "1", "--top-k", "97"];
        var first = JobRun.Start(GenerateCommand.Run, [.. generate, "--seed", "1"]);
        var again = JobRun.Start(GenerateCommand.Run, [.. generate, "--seed", "1"]);
        var other = JobRun.Start(GenerateCommand.Run, [.. generate, "--seed", "2"]);
        Assert.True(first.Code == 0, first.Error);
        Assert.StartsWith("Once ", first.Out);
        Assert.Equal("Once ".Length + 50 + Environment.NewLine.Length, first.Out.Length);   // the prompt, 50 characters, one line end
        Assert.Equal(first.Out, again.Out);
        Assert.NotEqual(first.Out, other.Out);
    }

    [Theory]
    [InlineData("--top-k must be from 1 to 97, not 0", "--top-k", "0")]
    [InlineData("--top-k must be from 1 to 97, not 98", "--top-k", "98")]
    [InlineData("--temperature must be above 0, not 0", "--temperature", "0")]
    [InlineData("--temperature takes a finite non-negative number, not 'hot'", "--temperature", "hot")]
    [InlineData("--tokens must be from 1 to 1,000,000, not 0", "--tokens", "0")]
    [InlineData("Option --prompt needs a value", "--prompt")]
    [InlineData("Unknown option '--bogus'. Options: --network, --checkpoint, --prompt, --tokens, --temperature, --top-k, --seed, --help.", "--bogus")]
    public void Generate_refuses_bad_options_with_exit_2_and_the_valid_choices(string message, params string[] args) =>
        JobRun.Start(GenerateCommand.Run, args).AssertFailed(2, message);

    [Theory]
    [InlineData("--epochs must be positive", "--epochs", "0")]
    [InlineData("--clip-norm takes a finite non-negative number, not '-1'", "--clip-norm", "-1")]
    [InlineData("Unknown option '--network'. Options: --epochs, --batch-size, --lr, --clip-norm, --steps, --text, --seed, --threads, --output, --no-grad-norms, --help.", "--network", "x")]
    public void Charlstm_refuses_bad_options_with_exit_2_and_the_valid_choices(string message, params string[] args) =>
        JobRun.Start(CharLstmCommand.Run, args).AssertFailed(2, message);

    [Fact]
    public void Generate_without_a_checkpoint_says_how_to_train_one()
    {
        using var output = new TempDirectory();
        JobRun.Start(GenerateCommand.Run, "--checkpoint", output.File("none.safetensors")).AssertFailed(1, "-- charlstm");
    }
}
