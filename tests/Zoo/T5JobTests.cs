using System.IO;
using System.Linq;
using NetCompiler.Definitions.Training;
using NetCompiler.Definitions.Translation;
using NetCompiler.Tests.Definitions;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>The t5 and translate commands: a few steps on a small pair file write the checkpoint, tokenizer, plot and
/// curves and report the test scores beside the baseline; translate reads the checkpoint and its tokenizer; bad options
/// and missing files are refused with one line.</summary>
[Collection(ConsoleCollection.Name)]
public class T5JobTests
{
    [Fact]
    public void T5_trains_a_few_steps_and_translate_reads_its_checkpoint()
    {
        using var output = new TempDirectory();
        string pairs = output.File("pairs.tsv");
        File.WriteAllLines(pairs, File.ReadLines(EngJpnSource.ShippedFile).Where(l => !l.StartsWith('#')).Take(120));
        var job = JobRun.Start(T5Command.Run, "--pairs", pairs, "--epochs", "1", "--steps", "2", "--batch-size", "4", "--beam", "2", "--output", output.Path);
        Assert.True(job.Code == 0, job.Error);
        Assert.StartsWith($"data: {pairs}: 120 pairs", job.Out);
        Assert.Contains("tokenizer: byte-level BPE, ", job.Out);
        Assert.Contains("epoch 1: train ", job.Out);
        Assert.Contains("greedy on ", job.Out);
        Assert.Contains("  translation (test): exact match ", job.Out);
        Assert.Contains("  baseline (test):    exact match ", job.Out);
        Assert.Contains("  reverse (test):     exact match ", job.Out);
        string checkpoint = output.File("t5.safetensors");
        foreach (string file in new[] { checkpoint, output.File("t5.tokenizer.json"), output.File("t5.png") }) Assert.True(File.Exists(file), file);
        Assert.Equal(2, File.ReadAllLines(output.File("t5.csv")).Length);

        var translated = JobRun.Start(TranslateCommand.Run, "--checkpoint", checkpoint, "--beam", "3", "dog", "thank you");
        Assert.True(translated.Code == 0, translated.Error);
        var lines = translated.Out.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("dog ->", lines[0]);   // an untrained model may write nothing
        Assert.StartsWith("thank you ->", lines[1]);
        var again = JobRun.Start(TranslateCommand.Run, "--checkpoint", checkpoint, "--beam", "3", "dog", "thank you");
        Assert.Equal(translated.Out, again.Out);   // deterministic
    }

    [Theory]
    [InlineData("--beam must be positive", "--beam", "0")]
    [InlineData("Give --dictionary or --pairs, not both.", "--dictionary", "a", "--pairs", "b")]
    [InlineData("Unknown option '--text'.", "--text", "x")]
    public void T5_refuses_bad_options_with_exit_2(string message, params string[] args) =>
        JobRun.Start(T5Command.Run, args).AssertFailed(2, message);

    [Fact]
    public void Translate_refuses_bad_options_and_a_missing_checkpoint()
    {
        JobRun.Start(TranslateCommand.Run, "--task", "summarize").AssertFailed(2, "--task must be one of translate, reverse");
        JobRun.Start(TranslateCommand.Run, "--checkpoint", "/nonexistent/t5.safetensors", "dog").AssertFailed(1, "does not exist; train one with");
    }
}
