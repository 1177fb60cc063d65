using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Definitions.Zoo;
using NetCompiler.Tests.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace NetCompiler.Tests.Zoo;

/// <summary>The zoo's <see cref="BertMlm"/> and <see cref="BertClassifier"/>: Hugging Face's names and BERT's shapes,
/// training against the interpreter (padding keys, ignored targets, dropout), a user-written BERT of other sizes against
/// the float64 <see cref="BertReference"/>, and the classifier taking the MLM checkpoint's encoder by name.</summary>
public class BertTests(ITestOutputHelper output)
{
    private const int V = BertMlm.Vocabulary, T = BertMlm.Context, W = BertMlm.Width, F = BertMlm.FeedForward;

    [Fact]
    public void BertMlm_has_Hugging_Face_names_and_BERT_shapes()
    {
        var net = new BertMlm(seed: 1);
        var layout = net.Parameters.Layout.ToDictionary(p => p.Name, p => string.Join(", ", p.Shape));
        var expected = new[]
        {
            ("bert.embeddings.word_embeddings.weight", $"{V}, {W}"), ("bert.embeddings.position_embeddings.weight", $"{T}, {W}"),
            ("bert.embeddings.token_type_embeddings.weight", $"2, {W}"), ("bert.embeddings.LayerNorm.weight", $"{W}"),
            ("bert.embeddings.LayerNorm.bias", $"{W}"),
            ("bert.encoder.layer.3.attention.self.query.weight", $"{W}, {W}"), ("bert.encoder.layer.3.attention.self.key.bias", $"{W}"),
            ("bert.encoder.layer.3.attention.self.value.weight", $"{W}, {W}"), ("bert.encoder.layer.0.attention.output.dense.weight", $"{W}, {W}"),
            ("bert.encoder.layer.0.attention.output.LayerNorm.weight", $"{W}"), ("bert.encoder.layer.2.intermediate.dense.weight", $"{F}, {W}"),
            ("bert.encoder.layer.2.intermediate.dense.bias", $"{F}"), ("bert.encoder.layer.1.output.dense.weight", $"{W}, {F}"),
            ("bert.encoder.layer.1.output.LayerNorm.bias", $"{W}"),
            ("cls.predictions.transform.dense.weight", $"{W}, {W}"), ("cls.predictions.transform.LayerNorm.weight", $"{W}"),
            ("cls.predictions.bias", $"{V}"),
        };
        foreach (var (name, shape) in expected) Assert.Equal(shape, layout[name]);
        // 5 embedding tensors, 16 per layer, 5 in the head; the decoder is the word embeddings (tied): no tensor of its own.
        Assert.Equal(5 + 4 * 16 + 5, layout.Count);
        Assert.Equal(16, layout.Keys.Count(n => n.StartsWith("bert.encoder.layer.0.", StringComparison.Ordinal)));
        Assert.DoesNotContain(layout.Keys, n => n.Contains("decoder", StringComparison.Ordinal));
        Assert.Equal(1_082_752, net.Parameters.Count);
        // BERT's initialization: N(0, 0.02) weights, zero biases, LayerNorm ones.
        Assert.All(net.Parameters.GetValues("cls.predictions.bias").ToArray(), v => Assert.Equal(0f, v));
        Assert.All(net.Parameters.GetValues("bert.encoder.layer.0.output.LayerNorm.weight").ToArray(), v => Assert.Equal(1f, v));
        var query = net.Parameters.GetValues("bert.encoder.layer.0.attention.self.query.weight").ToArray();
        double std = Math.Sqrt(query.Select(v => (double)v * v).Average());
        Assert.InRange(std, 0.018, 0.022);
    }

    [Fact]
    public void BertClassifier_has_the_same_encoder_names_and_Hugging_Face_pooler_and_classifier()
    {
        var mlm = new BertMlm(seed: 1).Parameters.Layout.ToDictionary(p => p.Name, p => string.Join(", ", p.Shape));
        var classifier = new BertClassifier(seed: 1).Parameters.Layout.ToDictionary(p => p.Name, p => string.Join(", ", p.Shape));
        var encoder = mlm.Where(p => p.Key.StartsWith("bert.", StringComparison.Ordinal)).ToList();
        Assert.Equal(5 + 4 * 16, encoder.Count);
        foreach (var (name, shape) in encoder) Assert.Equal(shape, classifier[name]);
        Assert.Equal(new[] { "bert.pooler.dense.bias", "bert.pooler.dense.weight", "classifier.bias", "classifier.weight" },
            classifier.Keys.Except(mlm.Keys).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal($"{BertClassifier.Classes}, {W}", classifier["classifier.weight"]);
        Assert.Equal($"{W}, {W}", classifier["bert.pooler.dense.weight"]);
    }

    /// <summary>Batches of 1 and 2 of sequences as the bert command makes them (&lt;s&gt; first, padding at the end, a few
    /// masked positions with their targets, the rest ignored): outputs, loss and every gradient (dropout masks included;
    /// the key biases' gradients, 0 in exact arithmetic, checked to be rounding noise),
    /// then the parameters after one SGD step. (One step, as T5TranslatorTests: at CompiledVsInterpretedTests' learning
    /// rate of 0.1 the steps amplify the paths' rounding differences.)</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void BertMlm_trains_as_the_interpreter(int batch)
    {
        var (compiled, interpreted) = (new BertMlm(seed: 5), new BertMlm(seed: 5));
        var (x, t) = MaskedBatch(batch, new Rng((ulong)(20 + batch)));
        CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, batch);
        compiled.TrainStep(x, t, batch, 0.1f);
        Interpreter.TrainStep(interpreted, x, t, batch, 0.1f);
        CompiledVsInterpretedTests.AssertClose(interpreted.Parameters.Values, compiled.Parameters.Values, "parameters after a step");
    }

    [Fact]
    public void BertClassifier_trains_as_the_interpreter()
    {
        var rng = new Rng(31);
        var (x, _) = MaskedBatch(2, rng);
        var t = new float[] { 3, 6 };
        var (compiled, interpreted) = (new BertClassifier(seed: 6), new BertClassifier(seed: 6));
        CompiledVsInterpretedTests.AssertSameAsInterpreter(compiled, interpreted, x, t, 2);
        compiled.TrainStep(x, t, 2, 0.1f);
        Interpreter.TrainStep(interpreted, x, t, 2, 0.1f);
        CompiledVsInterpretedTests.AssertClose(interpreted.Parameters.Values, compiled.Parameters.Values, "parameters after a step");
    }

    /// <summary>Float32 against float64 (<see cref="Float64NetworkCheck"/>): the worst error measured is 5.5e-6 of its scale,
    /// in the tied word embeddings (UserTransformerReferenceTests' pre-norm layers reach 6e-7; these are post-norm, and a
    /// label-only row's gradient comes from the decoder alone). The bound still rejects a wrong mask, scale, normalization
    /// or a missing gradient term, which move results by percents.</summary>
    private const double Tolerance = 2e-5;

    /// <summary>Three samples with 7, 5 and 3 real tokens (padding masked as keys), <c>&lt;mask&gt;</c> inputs and 1 or 2
    /// labelled positions each, against <see cref="BertReference"/>.</summary>
    [Fact]
    public void User_written_BERT_matches_the_float64_reference()
    {
        const int n = UserBertMlm.Context, vocabulary = UserBertMlm.Vocabulary;
        var net = new UserBertMlm(seed: 2);
        Float64NetworkCheck.PerturbParameters(net, seed: 3);
        float[] ids =
        [
            1, 17, 3, 22, 9, 3, 2,
            1, 3, 35, 6, 2, 0, 0,
            1, 12, 2, 0, 0, 0, 0,
        ];
        float[] labels =
        [
            0, 0, 30, 0, 0, 8, 0,
            0, 14, 0, 6, 0, 0, 0,
            0, 12, 0, 0, 0, 0, 0,
        ];
        double worst = Float64NetworkCheck.AssertMatchesReference(net, (p, x, t) =>
            new BertReference(p, UserBertMlm.Width, UserBertMlm.Heads, UserBertMlm.Layers, UserBertMlm.Hidden, UserBertMlm.Epsilon)
                .MaskedLanguageModel(x, t, vocabulary), ids, labels, batch: 3, tolerance: Tolerance);
        output.WriteLine($"UserBertMlm: worst error / scale {worst:G3} ({n} positions)");
    }

    [Fact]
    public void BertClassifier_loads_the_encoder_of_a_BertMlm_checkpoint_by_name_and_keeps_its_own_head()
    {
        using var directory = new TempDirectory();
        var mlm = new BertMlm(seed: 3);
        Float64NetworkCheck.PerturbParameters(mlm, seed: 4);   // values no fresh network has
        string path = directory.File("bert-mlm.safetensors");
        Checkpoint.Save(path, mlm);
        var classifier = new BertClassifier(seed: 7);
        var fresh = new BertClassifier(seed: 7);
        var report = Checkpoint.LoadMatching(path, classifier);

        Assert.Equal(5 + 4 * 16, report.Loaded.Count);
        Assert.All(report.Loaded, name => Assert.StartsWith("bert.", name));
        Assert.Equal(new[] { "cls.predictions.bias", "cls.predictions.transform.LayerNorm.bias", "cls.predictions.transform.LayerNorm.weight",
            "cls.predictions.transform.dense.bias", "cls.predictions.transform.dense.weight" }, report.NotInNetwork.OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal(new[] { "bert.pooler.dense.bias", "bert.pooler.dense.weight", "classifier.bias", "classifier.weight" },
            report.NotInFile.OrderBy(n => n, StringComparer.Ordinal));
        foreach (var p in classifier.Parameters.Layout)
        {
            var source = report.Loaded.Contains(p.Name) ? mlm : (INetwork)fresh;
            Assert.True(source.Parameters.GetValues(p.Name).SequenceEqual(classifier.Parameters.GetValues(p.Name)), p.Name);
        }
    }

    /// <summary>Sequences as the bert command feeds them: &lt;s&gt;, ordinary ids, &lt;/s&gt;, padding (the second sample
    /// shorter), about a sixth of the ordinary positions masked (&lt;mask&gt; in the input, the original in the target),
    /// every other target 0.</summary>
    internal static (float[] Inputs, float[] Targets) MaskedBatch(int batch, Rng rng)
    {
        var x = new float[batch * T];
        var t = new float[batch * T];
        for (int s = 0; s < batch; s++)
        {
            int length = T - 20 * s;   // tokens before the padding
            for (int i = 0; i < length; i++)
            {
                int id = i == 0 ? 1 : i == length - 1 ? 2 : 5 + rng.NextInt(V - 5);
                x[s * T + i] = id;
                if (id >= 5 && rng.NextInt(6) == 0)
                {
                    t[s * T + i] = id;
                    x[s * T + i] = 3;
                }
            }
        }
        return (x, t);
    }
}
