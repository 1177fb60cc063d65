using System.IO;
using NetCompiler.Definitions.Text;
using Xunit;

namespace NetCompiler.Tests.Text;

/// <summary>A tokenizer saved beside a checkpoint loads as the same tokenizer, and a damaged file fails with a message
/// that says what is wrong instead of loading a different tokenizer.</summary>
public class SubwordTokenizerFileTests
{
    [Fact]
    public void A_saved_tokenizer_loads_with_identical_encodings()
    {
        using var dir = new TempDirectory();
        string path = dir.File("tokenizer.json");
        SubwordTokenizer saved = MixedSentences.Tokenizer;
        saved.Save(path);
        SubwordTokenizer loaded = SubwordTokenizer.Load(path);

        Assert.Equal(saved.VocabularySize, loaded.VocabularySize);
        foreach (string line in MixedSentences.Lines(100, seed: 8)) Assert.Equal(saved.Encode(line), loaded.Encode(line));
        Assert.Single(Directory.GetFiles(dir.Path));   // written atomically: no temporary left

        // GPT-2's byte alphabet: a space is Ġ, and a merge is two tokens and a space.
        string text = File.ReadAllText(path);
        Assert.Contains("\"Ġ\": 37", text);
        Assert.Contains("\"merges\": [", text);
    }

    [Fact]
    public void A_truncated_file_fails_to_load_with_a_clear_message()
    {
        using var dir = new TempDirectory();
        string path = dir.File("tokenizer.json");
        MixedSentences.Tokenizer.Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<InvalidDataException>(() => SubwordTokenizer.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("not complete JSON", error.Message);
    }

    [Theory]
    [InlineData("\"merges\": [", "\"merges\": [\"zz qq\", ", "merge 1 (\"zz qq\") uses a token that is neither a byte nor made by an earlier merge")]
    [InlineData("\"merges\": [", "\"merges\": [\"a\", ", "merge 1 (\"a\") is not two tokens separated by one space")]
    [InlineData("\"Ġ\": 37", "\"Ġ\": 38", "its vocabulary gives \"Ġ\" the id 38, but the merges make it 37")]
    [InlineData("\"version\": 1", "\"version\": 2", "it is version 2; this program reads version 1")]
    [InlineData("\"<mask>\"", "\"<MASK>\"", "its special tokens are [<pad>, <s>, </s>, <MASK>, <unk>]")]
    public void An_edited_file_fails_to_load_saying_what_is_wrong(string original, string edited, string message)
    {
        using var dir = new TempDirectory();
        string path = dir.File("tokenizer.json");
        MixedSentences.Tokenizer.Save(path);
        string text = File.ReadAllText(path);
        Assert.Contains(original, text);
        File.WriteAllText(path, text.Replace(original, edited));

        var error = Assert.Throws<InvalidDataException>(() => SubwordTokenizer.Load(path));
        Assert.Contains(message, error.Message);
    }
}
