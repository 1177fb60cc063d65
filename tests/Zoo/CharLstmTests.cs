using System;
using System.Linq;
using NetCompiler.Definitions.Text;
using NetCompiler.Definitions.Zoo;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>The character-level language model: generation's one-character step agrees with the compiled window,
/// training on the shipped text lowers the validation loss, and sampling respects its seed and top-k.</summary>
public class CharLstmTests
{
    private static float[] Window(int[] ids) => ids.Select(i => (float)i).ToArray();

    private static int[] RandomIds(int seed)
    {
        var rng = new Rng((ulong)seed);
        return Enumerable.Range(0, CharLstm.Steps).Select(_ => rng.NextInt(CharVocabulary.Size)).ToArray();
    }

    private static int ArgMax(ReadOnlySpan<float> z)
    {
        int best = 0;
        for (int j = 1; j < z.Length; j++) if (z[j] > z[best]) best = j;
        return best;
    }

    [Fact]
    public void Stepping_one_character_at_a_time_gives_the_compiled_logits_of_every_position()
    {
        var net = new CharLstm(seed: 7);
        int[] ids = RandomIds(3);
        var compiled = new float[CharLstm.Steps * CharVocabulary.Size];
        net.Infer(Window(ids), compiled, 1);

        var hidden = new float[CharLstm.StateSize];
        var cell = new float[CharLstm.StateSize];
        var logits = new float[CharVocabulary.Size];
        for (int t = 0; t < ids.Length; t++)
        {
            net.Step(ids[t], hidden, cell, logits);
            for (int j = 0; j < logits.Length; j++)
                Assert.True(Math.Abs(logits[j] - compiled[t * CharVocabulary.Size + j]) <= 1e-4f,
                    $"position {t}, character {j}: step {logits[j]}, compiled {compiled[t * CharVocabulary.Size + j]}");
        }
    }

    [Fact]
    public void The_validation_measure_is_the_definitions_own_loss()
    {
        var corpus = CharCorpus.Load(null, null, CharCorpus.ShippedFile);
        var validation = CharCorpus.Windows(corpus.Validation, CharLstm.Steps, "validation");
        var net = new CharLstm(seed: 2);
        var measured = NextCharEvaluation.Measure(net, validation, 7);
        var reference = new Trainer(net, new Adam(1e-3f), new TrainerOptions { BatchSize = 5 }).Evaluate(validation);
        Assert.Equal(reference.Loss, measured.NatsPerChar, 4);
        Assert.InRange(measured.Accuracy, 0, 1);
    }

    [Fact]
    public void Training_on_the_shipped_text_lowers_the_validation_loss()
    {
        var corpus = CharCorpus.Load(null, null, CharCorpus.ShippedFile);
        var train = CharCorpus.Windows(corpus.Train, CharLstm.Steps, "train");
        var validation = CharCorpus.Windows(corpus.Validation, CharLstm.Steps, "validation");
        var net = new CharLstm(seed: 1);
        double before = NextCharEvaluation.Measure(net, validation, 32).NatsPerChar;
        var trainer = new Trainer(net, new Adam(1e-2f) { MaxGradientNorm = 1f }, new TrainerOptions { Epochs = 2, BatchSize = 16, Seed = 1 });
        trainer.Fit(train);
        var after = NextCharEvaluation.Measure(net, validation, 32);
        // Untrained, the model is near uniform over 97 characters (ln 97 = 4.57 nats); two passes over 17 KB learn at
        // least the character frequencies (the unigram entropy of this text is about 3 nats).
        Assert.True(before > 4.3, $"untrained validation loss {before}");
        Assert.True(after.NatsPerChar < 3.4, $"validation loss {before} -> {after.NatsPerChar} nats/char");
        Assert.True(after.Accuracy > 0.15, $"next-character accuracy {after.Accuracy}");
    }

    [Fact]
    public void Top_k_1_is_greedy_it_picks_the_compiled_argmax_after_each_prefix()
    {
        var net = new CharLstm(seed: 5);
        const string prompt = "The ";
        string text = new CharSampler(net, 0.8f, topK: 1, seed: 9).Continue(prompt, 40);
        int[] all = CharVocabulary.Encode(prompt + text);
        var outputs = new float[CharLstm.Steps * CharVocabulary.Size];
        var window = new float[CharLstm.Steps];   // later positions stay 0: the LSTM runs forward, so they cannot matter
        for (int i = 0; i < text.Length; i++)
        {
            int known = prompt.Length + i;
            for (int t = 0; t < known; t++) window[t] = all[t];
            net.Infer(window, outputs, 1);
            Assert.Equal(ArgMax(outputs.AsSpan((known - 1) * CharVocabulary.Size, CharVocabulary.Size)), all[known]);
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_text_and_another_seed_other_text()
    {
        var net = new CharLstm(seed: 4);
        string a = new CharSampler(net, 1f, CharVocabulary.Size, seed: 1).Continue("The ", 60);
        string b = new CharSampler(net, 1f, CharVocabulary.Size, seed: 1).Continue("The ", 60);
        string c = new CharSampler(net, 1f, CharVocabulary.Size, seed: 2).Continue("The ", 60);
        Assert.Equal(60, a.Length);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Draws_come_only_from_the_top_k_in_proportion_to_their_softmax()
    {
        var logits = new float[CharVocabulary.Size];
        logits[10] = 3f; logits[20] = 2.5f; logits[30] = 2f; logits[40] = 1.9f;   // the top 3: ids 10, 20, 30
        var sampler = new CharSampler(new CharLstm(), 1f, topK: 3, seed: 3);
        var counts = new int[CharVocabulary.Size];
        const int draws = 20_000;
        for (int i = 0; i < draws; i++) counts[sampler.Pick(logits)]++;
        Assert.Equal(draws, counts[10] + counts[20] + counts[30]);
        double total = Math.Exp(3) + Math.Exp(2.5) + Math.Exp(2);
        Assert.InRange(counts[10] / (double)draws, Math.Exp(3) / total - 0.02, Math.Exp(3) / total + 0.02);
        Assert.InRange(counts[30] / (double)draws, Math.Exp(2) / total - 0.02, Math.Exp(2) / total + 0.02);
    }

    [Fact]
    public void The_vocabulary_round_trips_printable_ascii_and_maps_the_rest_to_the_placeholder()
    {
        const string text = "Hello, world!\n\t~ caf\u00e9 _\bA";
        string decoded = CharVocabulary.Decode(CharVocabulary.Encode(text));
        Assert.Equal("Hello, world!\n ~ caf\uFFFD A", decoded);
    }
}
