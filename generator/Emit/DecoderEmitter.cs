using NetCompiler.Generator.Lowering;

namespace NetCompiler.Generator.Emit;

/// <summary>Prints the decoder of a <c>[Network(Decoder = true)]</c> (<see cref="DecodeGraph"/>): its sizes, workspace and
/// KV cache, and <c>Decode</c>, the <c>IDecoder</c> entry point that runs the DecodeStep kernel once per row. The
/// kernel itself is printed with the others (<see cref="KernelEmitter.EmitDecode"/>).</summary>
internal static class DecoderEmitter
{
    public static void EmitState(SourceWriter w, KernelPlan plan)
    {
        var decoder = plan.Decoder!;
        w.Line("/// <summary>Positions a decoded sequence holds (the input's length): <c>Decode</c> takes positions 0 to DecodeContext - 1.</summary>");
        w.Line($"public const int DecodeContext = {decoder.Context};");
        w.Line($"/// <summary>Floats of one decoded row, shape {plan.Graph.Output.ShapeText}.</summary>");
        w.Line($"public const int DecodeRowSize = {plan.Graph.Output.Size};");
        w.Line($"private const int DecodeTokenCount = {decoder.TokenCount}; // ids the embeddings accept");
        w.Line($"private const int DecodeCacheSize = {decoder.CacheFloats}; // floats of one sequence's KV cache: every attention's keys and values");
        w.Line($"private const int DecodeWorkspaceSize = {plan.Memory.ValueSize}; // floats of one decoder step's values");
        w.Line("private readonly float[] _decode = new float[DecodeWorkspaceSize];");
        w.Line("private readonly global::NetCompiler.KvCache _kvCache = new(DecodeCacheSize, DecodeContext);");
        w.Line();
        w.Line("int global::NetCompiler.IDecoder.Context => DecodeContext;");
        w.Line("int global::NetCompiler.IDecoder.RowSize => DecodeRowSize;");
        w.Line("int global::NetCompiler.IDecoder.TokenCount => DecodeTokenCount;");
        w.Line();
    }

    public static void EmitEntryPoint(SourceWriter w, KernelPlan plan)
    {
        ClassEmitter.EmitFillConstants(w, plan, "FillDecodeConstants", "DecodeWorkspaceSize");
        w.Line("/// <summary>Compiled decoder step (<see cref=\"global::NetCompiler.IDecoder.Decode\"/>): for each row i, sequence slots[i] reads");
        w.Line("/// tokens[i] at positions[i] and writes that position's output row (DecodeRowSize floats) to outputs, the row the full");
        w.Line("/// forward computes there, from the sequence's KV cache of its earlier positions. Allocates nothing once the cache");
        w.Line("/// holds the slots named.</summary>");
        EntryPointEmitter.OpenEntryPoint(w, "public void Decode(ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, Span<float> outputs)");
        w.Line("_kvCache.Check(slots, tokens, positions, outputs.Length, DecodeRowSize, DecodeTokenCount);");
        w.Line("ref float p = ref MemoryMarshal.GetArrayDataReference(Parameters.Values);");
        EntryPointEmitter.BufferRef(w, plan.Graph);
        w.Line("ref float ws = ref MemoryMarshal.GetArrayDataReference(_decode);");
        w.Line("ref float output = ref MemoryMarshal.GetReference(outputs);");
        w.Open("for (int i = 0; i < tokens.Length; i++)");
        w.Line("float x = tokens[i]; // ids travel as floats, as in Infer's input");
        w.Line("int position = positions[i];");
        w.Line("ref float kv = ref _kvCache.Slot(slots[i], position);");
        w.Line($"DecodeStep(ref p, ref x, ref ws{KernelEmitter.ExtraArguments(plan, "0")});");
        w.Line($"MemoryMarshal.CreateReadOnlySpan(ref {EntryPointEmitter.OutputRef(plan, "x", "ws", null)}, DecodeRowSize).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref output, i * DecodeRowSize), DecodeRowSize));");
        w.Close();
        EntryPointEmitter.CloseEntryPoint(w);
        w.Line();
    }
}
