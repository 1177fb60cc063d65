using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Definitions.Seeds;
using NetCompiler.Definitions.Training;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Definitions;

/// <summary>How a zoo network is trained by default (the main job's options override each field).</summary>
/// <param name="Optimizer">Optimizer name as the <c>--optimizer</c> option takes it.</param>
/// <param name="LearningRate">Learning rate.</param>
/// <param name="BatchSize">Mini-batch size.</param>
/// <param name="Epochs">Epochs.</param>
/// <param name="Schedule">Learning-rate schedule as <c>--schedule</c> takes it (constant, step, cosine).</param>
/// <param name="WeightDecay">L2 weight decay as <c>--weight-decay</c> takes it.</param>
/// <param name="MaxGradientNorm">Global gradient-norm clipping threshold as <c>--clip-norm</c> takes it (infinity: no
/// clipping). The recurrent networks clip: backpropagation through time multiplies by the recurrent weights once per
/// step, which is where exploding gradients come from (seed 004, chapter 3).</param>
public sealed record TrainingRecipe(string Optimizer, float LearningRate, int BatchSize, int Epochs, string Schedule = "constant", float WeightDecay = 0f,
    float MaxGradientNorm = float.PositiveInfinity);

/// <summary>One network of the zoo: its name, what it is, a factory and its default recipe.</summary>
/// <param name="Name">The class name, which is what <c>--network</c> takes.</param>
/// <param name="Summary">One line on what it is.</param>
/// <param name="Create">Creates an instance with parameters initialized from a seed.</param>
/// <param name="Recipe">The default training recipe.</param>
public sealed record ZooEntry(string Name, string Summary, Func<int, INetwork> Create, TrainingRecipe Recipe);

/// <summary>Every <c>[Network]</c> of the zoo by name (no reflection, so the main job works under NativeAOT; a test
/// checks that no network is missing).</summary>
public static class ZooCatalog
{
    /// <summary>The network the main job trains when none is named.</summary>
    public const string DefaultNetwork = nameof(Seed001MnistNet);

    private static readonly TrainingRecipe Tiny = new("sgd", 0.5f, 4, 1000);

    /// <summary>All networks, in the order <c>--help</c> lists them.</summary>
    public static IReadOnlyList<ZooEntry> All { get; } =
    [
        new(nameof(WideMlpNet), "784 -> 512 ReLU -> 512 ReLU -> 10, softmax cross-entropy (Adam 1e-3 cosine, batch 128)",
            seed => new WideMlpNet(seed), new("adam", 1e-3f, 128, 10, "cosine")),
        new(nameof(LeNet5), "LeNet-5: conv 1 -> 6 (5x5, pad 2) ReLU maxpool -> conv 6 -> 16 (5x5) ReLU maxpool -> 400 -> 120 -> 84 -> 10 (SGD 0.01 momentum 0.9, batch 64)",
            seed => new LeNet5(seed), new("momentum", 0.01f, 64, 10)),
        new(nameof(LeNet5Source), "LeNet-5 with a 5-class head: the transfer command's source network (train refuses it: Fashion-MNIST has 10 classes)",
            seed => new LeNet5Source(seed), new("momentum", 0.01f, 64, 5)),
        new(nameof(LeNet5Transfer), "LeNet-5's backbone under a new 5-class head: the transfer command's target network (train refuses it, as LeNet5Source)",
            seed => new LeNet5Transfer(seed), new("momentum", 0.01f, 64, 3)),
        new(nameof(ResNetSmall), "ResNet for 28x28: 3x3 stem, three stages of two basic blocks (16/32/64 channels, BN, 1x1 strided projections), global average pool (SGD momentum 0.05 cosine, weight decay 5e-4, batch 64)",
            seed => new ResNetSmall(seed), new("momentum", 0.05f, 64, 10, "cosine", 5e-4f)),
        new(nameof(Seed001MnistNet), "seed 001: 784 -> 30 sigmoid -> 10 sigmoid, quadratic cost (SGD 3.0, batch 10)",
            seed => new Seed001MnistNet(seed), new("sgd", 3.0f, 10, 5)),
        new(nameof(Seed000Net), "seed 000: 2 -> 2 tanh -> 1 sigmoid, binary cross-entropy", seed => new Seed000Net(seed), Tiny),
        new(nameof(XorNet), "XOR: 2 -> 2 sigmoid -> 1 sigmoid, quadratic cost", seed => new XorNet(seed), Tiny),
        new(nameof(StepXorNet), "XOR with step activations (inference only: no gradient)", seed => new StepXorNet(seed), Tiny),
        new(nameof(PerceptronNet), "seed 002: a perceptron with a step activation", seed => new PerceptronNet(seed), Tiny),
        new(nameof(Seed002ChainNet), "seed 002: scalar chain sigmoid(w2 sigmoid(w1 x))", seed => new Seed002ChainNet(seed), Tiny),
        new(nameof(Seed002IdentityChainNet), "seed 002: scalar chain w2 (w1 x)", seed => new Seed002IdentityChainNet(seed), Tiny),
        new(nameof(Seed002DeepSigmoidNet), "seed 002: ten-layer scalar sigmoid chain (vanishing gradients)", seed => new Seed002DeepSigmoidNet(seed), Tiny),
        new(nameof(ResidualMlpNet), "4 -> 3 classes through two residual blocks (modules, Repeat)", seed => new ResidualMlpNet(seed), new("adam", 1e-2f, 16, 50)),
        new(nameof(LstmSequenceNet), "W6: LSTM 16 -> 64 over 32 steps, last hidden state -> 10 classes, softmax cross-entropy (Adam 1e-3, batch 32); takes sequences, not images",
            seed => new LstmSequenceNet(seed), new("adam", 1e-3f, 32, 10)),
        new(nameof(RowLstmNet), "Fashion-MNIST as 28 rows of 28 pixels through an LSTM 28 -> 128, last hidden state -> 10 classes (Adam 2e-3 cosine, batch 64, 10 epochs, clip norm 5)",
            seed => new RowLstmNet(seed), new("adam", 2e-3f, 64, 10, "cosine", MaxGradientNorm: 5f)),
        new(nameof(CharLstm), "character-level language model: 64 character ids -> embedding 32 -> 2-layer LSTM 128 -> 97 logits per step (Adam 4e-3 cosine, batch 32, 6 epochs, clip norm 1); trained by the charlstm command, not train",
            seed => new CharLstm(seed), new("adam", 4e-3f, 32, 6, "cosine", MaxGradientNorm: 1f)),
        new(nameof(VitSmall), "a small Vision Transformer: 16 patches of 7 x 7 -> 64 features, class token, learned positions, 3 pre-norm encoder blocks (4 heads, GELU FFN 128), class token -> 10 classes (AdamW 1e-3 cosine, batch 64, 15 epochs, clip norm 1)",
            seed => new VitSmall(seed), new("adamw", 1e-3f, 64, 15, "cosine", MaxGradientNorm: 1f)),
        new(nameof(CharGpt), "W5: character-level GPT, 64 character ids -> embeddings 64 (token + learned position) -> 2 pre-norm blocks (4-head causal attention, GELU FFN 256) -> 65 logits per step (AdamW 3e-4, batch 16); takes ids, not images",
            seed => new CharGpt(seed), new("adamw", 3e-4f, 16, 10)),
        new(nameof(FortuneGpt), "the larger character-level GPT: 128 character ids -> embeddings 128 (token + learned position) -> 4 pre-norm blocks (4-head causal attention, GELU FFN 512) -> 97 logits per step (AdamW 1e-3 cosine after 100 warmup updates, weight decay 0.01, batch 32, 3 epochs, clip norm 1); trained by the gpt command, not train",
            seed => new FortuneGpt(seed), new("adamw", 1e-3f, 32, 3, "cosine", 0.01f, MaxGradientNorm: 1f)),
        new(nameof(BertMlm), "a small BERT pretrained as a masked language model: 64 subword ids (vocabulary 2,048) -> word + learned position embeddings, LayerNorm -> 4 post-norm layers (width 128, 4 heads, padding keys masked, GELU FFN 512, dropout 0.1) -> dense, GELU, LayerNorm -> 2,048 logits per position, decoder tied to the word embeddings; Hugging Face's BertForMaskedLM names (AdamW 1e-3 cosine after warmup, weight decay 0.01, batch 32, clip norm 1); trained by the bert command, not train",
            seed => new BertMlm(seed), new("adamw", BertCommand.DefaultLearningRate, BertCommand.DefaultBatchSize, BertCommand.DefaultEpochs, "cosine", BertCommand.WeightDecay, BertCommand.ClipNorm)),
        new(nameof(BertClassifier), "BertMlm's encoder as a sequence classifier: the pooled first position (<s> as [CLS]; dense, tanh) -> dropout -> 8 categories; Hugging Face's BertForSequenceClassification names, so a BertMlm checkpoint's encoder loads by name; trained by the bert command, not train",
            seed => new BertClassifier(seed), new("adamw", BertCommand.DefaultFineTuneLearningRate, BertCommand.DefaultBatchSize, BertCommand.DefaultFineTuneEpochs, "cosine", BertCommand.WeightDecay, BertCommand.ClipNorm)),
        new(nameof(TinyAttentionNet), "single-head self-attention over 4 tokens of 6 features", seed => new TinyAttentionNet(seed), new("adam", 1e-2f, 16, 50)),
        new(nameof(TinyTransformerNet), "one pre-norm Transformer block over 8 token ids (embeddings, LayerNorm, 2-head attention from primitives); takes ids, not images",
            seed => new TinyTransformerNet(seed), new("adam", 3e-3f, 16, 50)),
        new(nameof(T5Translator), "a small T5: 24 source and 20 target subword ids (vocabulary 2,048) -> shared embedding -> 3 + 3 pre-norm layers (width 128, 4 heads, ReLU FFN 512, RMS norms, relative position biases, no absolute positions) -> 2,048 logits per target position (AdamW 1e-3 cosine, batch 64, clip norm 1); trained by the t5 command, not train",
            seed => new T5Translator(seed), new("adamw", 1e-3f, 64, 40, "cosine", 0.01f, MaxGradientNorm: 1f)),
        new(nameof(TranslationTransformer), "encoder-decoder Transformer (2 + 2 pre-norm GELU layers, width 32, 4 heads) from 10 source to 8 target ids, head tied to the target embedding",
            seed => new TranslationTransformer(seed), new("adamw", 1e-3f, 16, 10)),
        new(nameof(LuongAttentionNet), "3 queries over 7 memory rows with Luong's general score q W k^T", seed => new LuongAttentionNet(seed), new("adam", 1e-2f, 16, 50)),
        new(nameof(BahdanauAttentionNet), "3 queries over 7 memory rows with Bahdanau's additive score v^T tanh(W q + U k)", seed => new BahdanauAttentionNet(seed), new("adam", 1e-2f, 16, 50)),
    ];

    /// <summary>Finds a network by name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No network has that name; the message lists them.</exception>
    public static ZooEntry Find(string name) =>
        All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"No network named '{name}' in the zoo. Networks: {string.Join(", ", All.Select(e => e.Name))}.");
}
