using System.IO;
using NetCompiler.Definitions.Text;
using NetCompiler.Definitions.Training;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.Definitions;
using NetCompiler.Tests.TestSupport;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>The bert command end to end on the shipped fallback text (two steps per epoch): the tokenizer, the MLM
/// checkpoint, plots and curves, the report's baselines and both classifier runs; --pretrained fine-tunes that
/// checkpoint; bad options and files are refused as the other commands refuse them.</summary>
[Collection(ConsoleCollection.Name)]
public class BertJobTests
{
    [Fact]
    public void Bert_pretrains_and_fine_tunes_on_the_shipped_text_and_fine_tunes_its_checkpoint_again()
    {
        using var output = new TempDirectory();
        using var noFortunes = new TempDirectory();
        var job = JobRun.Start(BertCommand.Run, "--data", noFortunes.Path, "--steps", "2", "--epochs", "1", "--finetune-epochs", "1",
            "--batch-size", "4", "--output", output.Path);
        Assert.True(job.Code == 0, job.Error + job.Out);
        Assert.StartsWith("text: the shipped text categories.txt, no fortunes installed", job.Out);
        Assert.Contains("tokenizer: ", job.Out);
        Assert.Contains("pretraining: 1 epochs of 8 sequences of 64 subwords (packed fortunes), batch 4, adamw lr ", job.Out);
        Assert.Contains("epoch 1: train ", job.Out);
        Assert.Contains("masked-token accuracy ", job.Out);
        Assert.Contains("(most frequent token: ", job.Out);
        Assert.Contains("classification: 8 categories (", job.Out);
        Assert.Contains("majority-class baseline (", job.Out);
        Assert.Contains("loaded (69): bert.embeddings.word_embeddings.weight", job.Out);
        Assert.Contains("in the network only, left as they were (4): bert.pooler.dense.weight, bert.pooler.dense.bias, classifier.weight, classifier.bias", job.Out);
        Assert.Contains("  fine-tuned from the pretrained encoder ", job.Out);
        Assert.Contains("  from scratch ", job.Out);
        foreach (string file in new[] { "bert.tokenizer.json", "bert-mlm.safetensors", "bert-mlm.png", "bert-classifier.safetensors", "bert-classifier.png",
            "bert-classifier-finetuned.csv", "bert-classifier-scratch.csv" })
            Assert.True(File.Exists(output.File(file)), file);
        Assert.Equal(2, File.ReadAllLines(output.File("bert-mlm.csv")).Length);
        Assert.InRange(SubwordTokenizer.Load(output.File("bert.tokenizer.json")).VocabularySize, SubwordTokenizer.MinimumVocabularySize + 1, BertMlm.Vocabulary);
        Checkpoint.Load(output.File("bert-mlm.safetensors"), new BertMlm());

        var again = JobRun.Start(BertCommand.Run, "--data", noFortunes.Path, "--steps", "1", "--finetune-epochs", "1", "--batch-size", "4",
            "--pretrained", output.File("bert-mlm.safetensors"), "--output", output.Path);
        Assert.True(again.Code == 0, again.Error + again.Out);
        Assert.Contains("pretraining skipped: the encoder comes from ", again.Out);
        Assert.DoesNotContain("masked-token accuracy", again.Out);
    }

    [Theory]
    [InlineData("--steps must be positive", "--steps", "0")]
    [InlineData("--finetune-lr takes a finite non-negative number, not 'fast'", "--finetune-lr", "fast")]
    [InlineData("Unknown option '--text'. Options: --epochs, --finetune-epochs, --batch-size, --lr, --finetune-lr, --steps, --data, --pretrained, --seed, --threads, --output, --help.", "--text", "x")]
    public void Bert_refuses_bad_options_with_exit_2(string message, params string[] args) =>
        JobRun.Start(BertCommand.Run, args).AssertFailed(2, message);

    [Fact]
    public void Bert_with_a_missing_pretrained_checkpoint_fails_with_its_name()
    {
        using var output = new TempDirectory();
        JobRun.Start(BertCommand.Run, "--data", output.Path, "--pretrained", output.File("none.safetensors"), "--output", output.Path)
            .AssertFailed(1, "none.safetensors' does not exist");
    }

    [Fact]
    public void Bert_help_lists_the_options()
    {
        var help = JobRun.Start(BertCommand.Run, "--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("--finetune-epochs N", help.Out);
        Assert.Contains("out/bert.tokenizer.json", help.Out);
    }
}
