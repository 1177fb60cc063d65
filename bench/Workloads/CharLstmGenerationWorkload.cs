using NetCompiler.Definitions.Text;
using NetCompiler.Definitions.Zoo;

namespace NetCompiler.Bench;

/// <summary><see cref="CharLstm"/> generation, what the <c>generate</c> command does: a <see cref="CharSampler"/>
/// (temperature 0.8, top-20, fixed seed) reads a fixed prompt, then draws <see cref="Characters"/> characters one at a
/// time through <see cref="CharLstm.Step"/>, batch 1, carrying the LSTM states. The network keeps its initial weights
/// (no checkpoint is needed: the speed of a step does not depend on their values). <see cref="CharLstm.Step"/> runs
/// NetCompiler's eager ops, the interpreter's path: there is no compiled single-character step.</summary>
internal sealed class CharLstmGenerationWorkload
{
    /// <summary>Characters generated per call.</summary>
    public const int Characters = 300;

    /// <summary>The prompt read before generating (its characters are stepped through but not counted).</summary>
    public const string Prompt = "The ";

    private readonly CharLstm _network = new();
    private const int Seed = 7;

    /// <summary>Generates <see cref="Characters"/> characters after <see cref="Prompt"/>, with a sampler seeded the same
    /// way every call, so every call generates the same text.</summary>
    public float Generate() => new CharSampler(_network, 0.8f, 20, Seed).Continue(Prompt, Characters)[0];
}
