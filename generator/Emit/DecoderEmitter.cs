using NetCompiler.Generator.Lowering;

namespace NetCompiler.Generator.Emit;

/// <summary>Prints the decoder of a <c>[Network(Decoder = true)]</c> (<see cref="DecodeGraph"/>): its sizes, workspaces and
/// KV cache, <c>Decode</c>, the <c>IDecoder</c> entry point that runs the DecodeStep and DecodeStepRow kernels once per row,
/// <c>Prefill</c>, which runs DecodeStep alone (the ops through the last KV cache write), <c>CopySlot</c>,
/// and for an encoder-decoder <c>Encode</c>, which runs the EncodeStep kernel once per source. The kernels themselves
/// are printed with the others (<see cref="KernelEmitter.EmitDecode"/>, <see cref="KernelEmitter.EmitEncode"/>).</summary>
internal static class DecoderEmitter
{
    public static void EmitState(SourceWriter w, KernelPlan plan, KernelPlan? encoder)
    {
        var decoder = plan.Decoder!;
        w.Line("/// <summary>Positions a decoded sequence holds (the input's length): <c>Decode</c> takes positions 0 to DecodeContext - 1.</summary>");
        w.Line($"public const int DecodeContext = {decoder.Context};");
        w.Line($"/// <summary>Floats of one decoded row, shape {plan.Graph.Output.ShapeText}.</summary>");
        w.Line($"public const int DecodeRowSize = {plan.Graph.Output.Size};");
        w.Line($"private const int DecodeTokenCount = {decoder.TokenCount}; // ids the embeddings accept");
        w.Line($"private const int DecodeCacheSize = {decoder.CacheFloats}; // floats of one sequence's KV cache: every attention's keys and values{(encoder is null ? "" : ", then the encoded source")}");
        w.Line($"private const int DecodeWorkspaceSize = {plan.Memory.ValueSize}; // floats of one decoder step's values");
        w.Line("private readonly float[] _decode = global::NetCompiler.AlignedArrays.Allocate(DecodeWorkspaceSize);");
        w.Line("private readonly global::NetCompiler.KvCache _kvCache = new(DecodeCacheSize, DecodeContext);");
        if (encoder is not null)
        {
            w.Line("/// <summary>Source ids per sequence: <c>Encode</c> takes DecodeSourceLength ids per slot.</summary>");
            w.Line($"public const int DecodeSourceLength = {decoder.SourceLength};");
            w.Line($"private const int DecodeSourceTokenCount = {decoder.SourceTokenCount}; // ids the source's embeddings accept");
            w.Line($"private const int EncodeWorkspaceSize = {encoder.Memory.ValueSize}; // floats of one encoder run's values");
            w.Line("private readonly float[] _encode = global::NetCompiler.AlignedArrays.Allocate(EncodeWorkspaceSize);");
            w.Line("private readonly float[] _encodeSource = new float[DecodeSourceLength]; // one source's ids as floats, as Infer's input");
        }
        w.Line();
        w.Line("int global::NetCompiler.IDecoder.Context => DecodeContext;");
        w.Line("int global::NetCompiler.IDecoder.RowSize => DecodeRowSize;");
        w.Line("int global::NetCompiler.IDecoder.TokenCount => DecodeTokenCount;");
        if (encoder is not null)
        {
            w.Line("int global::NetCompiler.IEncoderDecoder.SourceLength => DecodeSourceLength;");
            w.Line("int global::NetCompiler.IEncoderDecoder.SourceTokenCount => DecodeSourceTokenCount;");
        }
        w.Line();
    }

    /// <summary>The loop over a call's rows: each marks its position in its slot and runs DecodeStep (through the last
    /// KV cache write), then, when <paramref name="rows"/>, DecodeStepRow and copies the row out.</summary>
    private static void EmitSteps(SourceWriter w, KernelPlan plan, bool rows)
    {
        int cut = KernelEmitter.DecodeCacheOps(plan), ops = plan.Forward.Count;
        w.Line("ref float p = ref MemoryMarshal.GetArrayDataReference(Parameters.Values);");
        EntryPointEmitter.BufferRef(w, plan.Graph);
        w.Line("ref float ws = ref MemoryMarshal.GetArrayDataReference(_decode);");
        if (rows) w.Line("ref float output = ref MemoryMarshal.GetReference(outputs);");
        w.Open("for (int i = 0; i < tokens.Length; i++)");
        w.Line("float x = tokens[i]; // ids travel as floats, as in Infer's input");
        w.Line("int position = positions[i];");
        w.Line("ref float kv = ref _kvCache.Slot(slots[i], position);");
        if (cut > 0) w.Line($"DecodeStep(ref p, ref x, ref ws{KernelEmitter.ExtraArguments(plan, "0")});");
        if (rows)
        {
            if (cut < ops) w.Line($"DecodeStepRow(ref p, ref x, ref ws{KernelEmitter.ExtraArguments(plan, "0")});");
            w.Line($"MemoryMarshal.CreateReadOnlySpan(ref {EntryPointEmitter.OutputRef(plan, "x", "ws", null)}, DecodeRowSize).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref output, i * DecodeRowSize), DecodeRowSize));");
        }
        w.Close();
    }

    public static void EmitEntryPoints(SourceWriter w, KernelPlan plan, KernelPlan? encoder)
    {
        ClassEmitter.EmitFillConstants(w, plan, "FillDecodeConstants", "DecodeWorkspaceSize");
        w.Line("/// <summary>Compiled decoder step (<see cref=\"global::NetCompiler.IDecoder.Decode\"/>): for each row i, sequence slots[i] reads");
        w.Line("/// tokens[i] at positions[i] and writes that position's output row (DecodeRowSize floats) to outputs, the row the full");
        w.Line($"/// forward computes there, from the sequence's KV cache of its earlier positions{(encoder is null ? "" : " and its encoded source")}. Allocates nothing once the cache");
        w.Line("/// holds the slots named.</summary>");
        EntryPointEmitter.OpenEntryPoint(w, "public void Decode(ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, Span<float> outputs)");
        w.Line($"_kvCache.Check(slots, tokens, positions, outputs.Length, DecodeRowSize, DecodeTokenCount{(encoder is null ? "" : ", needsSource: true")});");
        EmitSteps(w, plan, rows: true);
        EntryPointEmitter.CloseEntryPoint(w);
        w.Line();
        w.Line("/// <summary>Compiled prefill (<see cref=\"global::NetCompiler.IDecoder.Prefill\"/>): Decode without the output rows, for tokens");
        w.Line("/// whose predictions are not read (a prompt's before its last); each row only adds its position to its slot's KV cache.</summary>");
        EntryPointEmitter.OpenEntryPoint(w, "public void Prefill(ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions)");
        w.Line($"_kvCache.CheckPrefill(slots, tokens, positions, DecodeTokenCount{(encoder is null ? "" : ", needsSource: true")});");
        EmitSteps(w, plan, rows: false);
        EntryPointEmitter.CloseEntryPoint(w);
        w.Line();
        w.Line("/// <summary><see cref=\"global::NetCompiler.IDecoder.CopySlot\"/>: slot destination continues slot source's sequence.</summary>");
        w.Line("public void CopySlot(int source, int destination) => _kvCache.Copy(source, destination);");
        w.Line();
        if (encoder is null) return;
        ClassEmitter.EmitFillConstants(w, encoder, "FillEncodeConstants", "EncodeWorkspaceSize");
        w.Line("/// <summary>Compiled encoder (<see cref=\"global::NetCompiler.IEncoderDecoder.Encode\"/>): for each i, the source");
        w.Line("/// sources[i DecodeSourceLength ..] runs through everything the decoder steps read of it (the encoder, the cross-attentions'");
        w.Line("/// keys and values, its padding ids), written into KV cache slot slots[i], which then holds no decoded position.");
        w.Line("/// Allocates nothing once the cache holds the slots named.</summary>");
        EntryPointEmitter.OpenEntryPoint(w, "public void Encode(ReadOnlySpan<int> slots, ReadOnlySpan<int> sources)");
        w.Line("_kvCache.CheckSources(slots, sources, DecodeSourceLength, DecodeSourceTokenCount);");
        w.Line("ref float p = ref MemoryMarshal.GetArrayDataReference(Parameters.Values);");
        EntryPointEmitter.BufferRef(w, encoder.Graph);
        w.Line("ref float ws = ref MemoryMarshal.GetArrayDataReference(_encode);");
        w.Line("ref float x = ref MemoryMarshal.GetArrayDataReference(_encodeSource);");
        w.Open("for (int i = 0; i < slots.Length; i++)");
        w.Line("for (int j = 0; j < DecodeSourceLength; j++) _encodeSource[j] = sources[i * DecodeSourceLength + j]; // ids travel as floats");
        w.Line("ref float kv = ref _kvCache.Encode(slots[i]);");
        w.Line($"EncodeStep(ref p, ref x, ref ws{KernelEmitter.ExtraArguments(encoder, "0")});");
        w.Close();
        EntryPointEmitter.CloseEntryPoint(w);
        w.Line();
    }
}
