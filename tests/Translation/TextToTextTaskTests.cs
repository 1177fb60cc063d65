using System;
using System.Linq;
using NetCompiler.Definitions.Text;
using NetCompiler.Definitions.Translation;
using NetCompiler.Definitions.Zoo;
using Xunit;

namespace NetCompiler.Tests.Translation;

/// <summary><see cref="TextToTextTask"/>: a sample's source, decoder input and target as T5 frames them (the end token
/// after the source and the output, the start token before the decoder's input, padding with 0, which the loss
/// ignores), examples that do not fit left out, and the reverse task's text.</summary>
public class TextToTextTaskTests
{
    private static readonly SubwordTokenizer Tokenizer = SubwordTokenizer.Train(
        ["translate English to Japanese: dog", "犬", "translate English to Japanese: water", "水", "reverse: dog", "god"], 300);

    [Fact]
    public void A_sample_is_the_source_then_the_shifted_output()
    {
        var task = new TextToTextTask(Tokenizer);
        var source = task.Source(TextToTextTask.TranslatePrefix + "dog")!;
        var ids = Tokenizer.Encode(TextToTextTask.TranslatePrefix + "dog");
        Assert.Equal(T5Translator.SourceLength, source.Length);
        Assert.Equal([.. ids, Tokenizer.End], source[..(ids.Length + 1)]);
        Assert.All(source[(ids.Length + 1)..], id => Assert.Equal(T5Translator.PadId, id));

        var (decoderInput, target) = task.Output("犬")!.Value;
        var output = Tokenizer.Encode("犬");
        Assert.Equal([Tokenizer.Start, .. output], decoderInput[..(output.Length + 1)]);
        Assert.Equal([.. output, Tokenizer.End], target[..(output.Length + 1)]);
        Assert.All(decoderInput[(output.Length + 1)..], id => Assert.Equal(T5Translator.PadId, id));
        Assert.All(target[(output.Length + 1)..], id => Assert.Equal(T5Translator.PadId, id));
        Assert.Equal("犬", task.Text([.. output, Tokenizer.End, 0, 0]));
    }

    [Fact]
    public void Examples_that_do_not_fit_are_left_out_and_counted()
    {
        var task = new TextToTextTask(Tokenizer);
        string longInput = TextToTextTask.TranslatePrefix + new string('x', 200);
        Assert.Null(task.Source(longInput));
        Assert.Null(task.Output(new string('猫', 60)));
        var (data, dropped) = task.Dataset("d", [(TextToTextTask.TranslatePrefix + "dog", "犬"), (longInput, "犬"), (TextToTextTask.ReversePrefix + "dog", "god")]);
        Assert.Equal((2, 1), (data.Count, dropped));
        Assert.Equal(T5Translator.SourceLength + T5Translator.TargetLength, data.FeatureSize);
        Assert.Throws<ArgumentException>(() => task.Dataset("none", [(longInput, "犬")]));
    }

    [Fact]
    public void Reverse_task_and_training_examples()
    {
        Assert.Equal("god", TextToTextTask.Reverse("dog"));
        Assert.Equal("の𩸽", TextToTextTask.Reverse("𩸽の"));   // a character outside the basic plane stays whole
        TranslationPair[] pairs = [new("dog", "犬", ["犬"]), new("cat", "猫", ["猫"]), new("water", "水", ["水"])];
        var examples = TextToTextTask.Examples(pairs, reverseEvery: 2).ToList();
        Assert.Equal([("translate English to Japanese: dog", "犬"), ("reverse: dog", "god"), ("translate English to Japanese: cat", "猫"),
            ("translate English to Japanese: water", "水"), ("reverse: water", "retaw")], examples);
        Assert.Equal(3, TextToTextTask.Examples(pairs, reverseEvery: 0).Count());
    }
}
