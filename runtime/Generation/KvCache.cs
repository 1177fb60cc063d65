using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetCompiler;

/// <summary>The KV caches of a compiled decoder, one per sequence slot: each a block of floats holding every
/// attention's keys and values for the network's context (the layout is the generated code's), and how many positions
/// of it are filled, so that a step that would read positions never written is refused instead of reading stale ones.
/// An encoder-decoder's slot also holds what <see cref="IEncoderDecoder.Encode"/> computed from its source (the
/// cross-attentions' keys and values); a slot decodes only once encoded.</summary>
public sealed class KvCache
{
    private float[] _values = Array.Empty<float>();
    private int[] _filled = Array.Empty<int>();
    private int[] _seen = Array.Empty<int>();   // the call that last named each slot, to refuse a slot named twice
    private bool[] _encoded = Array.Empty<bool>();
    private int _call;

    /// <summary>A cache whose slots hold <paramref name="slotSize"/> floats each, for <paramref name="context"/> positions.</summary>
    public KvCache(int slotSize, int context)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slotSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(context, 1);
        SlotSize = slotSize; Context = context;
    }

    /// <summary>Floats of one slot.</summary>
    public int SlotSize { get; }

    /// <summary>Positions one slot holds.</summary>
    public int Context { get; }

    /// <summary>Slots allocated so far.</summary>
    public int Slots => _filled.Length;

    /// <summary>Positions of <paramref name="slot"/> decoded so far (0 for a slot never used).</summary>
    public int Filled(int slot) => slot < _filled.Length ? _filled[slot] : 0;

    /// <summary>Whether <paramref name="slot"/> holds an encoded source.</summary>
    public bool IsEncoded(int slot) => slot < _encoded.Length && _encoded[slot];

    /// <summary>Checks one decoder call's arguments (see <see cref="IDecoder.Decode"/>) and grows the cache to the slots
    /// it names; with <paramref name="needsSource"/> (an encoder-decoder), every slot must have been encoded.</summary>
    public void Check(ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, int outputs, int rowSize, int tokenCount,
        bool needsSource = false) =>
        CheckRows("Decode", slots, tokens, positions, outputs, rowSize, tokenCount, needsSource);

    /// <summary>Checks one <see cref="IDecoder.Prefill"/> call's arguments (those of <see cref="IDecoder.Decode"/>
    /// without the outputs) and grows the cache to the slots it names.</summary>
    public void CheckPrefill(ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, int tokenCount, bool needsSource = false) =>
        CheckRows("Prefill", slots, tokens, positions, 0, 0, tokenCount, needsSource);

    private void CheckRows(string caller, ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, int outputs, int rowSize,
        int tokenCount, bool needsSource)
    {
        if (slots.Length != tokens.Length || positions.Length != tokens.Length)
            throw new ArgumentException($"{caller}: {slots.Length} slots, {tokens.Length} tokens and {positions.Length} positions; give one of each per row.");
        if (outputs < (long)tokens.Length * rowSize)
            throw new ArgumentException($"{caller}: {tokens.Length} rows of {rowSize} outputs need {(long)tokens.Length * rowSize} floats, got {outputs}.", nameof(outputs));
        int most = -1;
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)tokenCount)
                throw new ArgumentOutOfRangeException(nameof(tokens), tokens[i], $"{caller}: token {i} is {tokens[i]}; ids run from 0 to {tokenCount - 1}.");
            if ((uint)positions[i] >= (uint)Context)
                throw new ArgumentOutOfRangeException(nameof(positions), positions[i], $"{caller}: position {i} is {positions[i]}; the context holds positions 0 to {Context - 1} (restart the sequence at 0 when it is full).");
            if (slots[i] < 0) throw new ArgumentOutOfRangeException(nameof(slots), slots[i], $"{caller}: slot {i} is negative.");
            most = Math.Max(most, slots[i]);
        }
        if (most >= _filled.Length) Grow(most + 1);
        if (++_call == int.MaxValue) { Array.Clear(_seen); _call = 1; }
        for (int i = 0; i < tokens.Length; i++)
        {
            int slot = slots[i];
            if (_seen[slot] == _call) throw new ArgumentException($"{caller}: slot {slot} appears twice; decode one position per sequence per call.", nameof(slots));
            _seen[slot] = _call;
            if (positions[i] > _filled[slot])
                throw new ArgumentException($"{caller}: row {i} decodes position {positions[i]} of slot {slot}, which holds {_filled[slot]} positions; decode a sequence's positions in order.", nameof(positions));
            if (needsSource && !_encoded[slot])
                throw new ArgumentException($"{caller}: slot {slot} holds no source; call Encode for it first.", nameof(slots));
        }
    }

    /// <summary>Checks one <see cref="IEncoderDecoder.Encode"/> call's arguments (one source of
    /// <paramref name="sourceLength"/> ids per slot) and grows the cache to the slots it names.</summary>
    public void CheckSources(ReadOnlySpan<int> slots, ReadOnlySpan<int> sources, int sourceLength, int tokenCount)
    {
        if (sources.Length != (long)slots.Length * sourceLength)
            throw new ArgumentException($"Encode: {slots.Length} slots need {(long)slots.Length * sourceLength} source ids ({sourceLength} each), got {sources.Length}.", nameof(sources));
        int most = -1;
        for (int i = 0; i < slots.Length; i++)
        {
            if (slots[i] < 0) throw new ArgumentOutOfRangeException(nameof(slots), slots[i], $"Encode: slot {i} is negative.");
            most = Math.Max(most, slots[i]);
        }
        for (int i = 0; i < sources.Length; i++)
            if ((uint)sources[i] >= (uint)tokenCount)
                throw new ArgumentOutOfRangeException(nameof(sources), sources[i], $"Encode: source id {i} is {sources[i]}; ids run from 0 to {tokenCount - 1}.");
        if (most >= _filled.Length) Grow(most + 1);
    }

    /// <summary>The slot's block for its encoder to write the source's values into: the slot holds that source and no
    /// decoded position (call after <see cref="CheckSources"/>).</summary>
    public ref float Encode(int slot)
    {
        (_filled[slot], _encoded[slot]) = (0, true);
        return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_values), (nint)slot * SlotSize);
    }

    /// <summary>Makes slot <paramref name="destination"/> a copy of slot <paramref name="source"/> (its source, keys,
    /// values and positions), as a beam search does when a beam continues another's sequence.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A slot is negative, or the source slot was never used.</exception>
    public void Copy(int source, int destination)
    {
        if (source < 0 || source >= _filled.Length) throw new ArgumentOutOfRangeException(nameof(source), source, $"CopySlot: slot {source} was never used.");
        ArgumentOutOfRangeException.ThrowIfNegative(destination);
        if (destination >= _filled.Length) Grow(destination + 1);
        if (source == destination) return;
        _values.AsSpan((int)((long)source * SlotSize), SlotSize).CopyTo(_values.AsSpan((int)((long)destination * SlotSize), SlotSize));
        (_filled[destination], _encoded[destination]) = (_filled[source], _encoded[source]);
    }

    /// <summary>The slot's block, marking positions 0..<paramref name="position"/> as what it holds (call after
    /// <see cref="Check"/>, once per row, in order).</summary>
    public ref float Slot(int slot, int position)
    {
        _filled[slot] = position + 1;
        return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_values), (nint)slot * SlotSize);
    }

    /// <summary>Forgets every slot's positions (the next step of each must be position 0).</summary>
    public void Clear()
    {
        Array.Clear(_filled);
        Array.Clear(_encoded);
    }

    private void Grow(int slots)
    {
        long floats = (long)slots * SlotSize;
        if (floats > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(slots), slots, $"Decode: {slots} KV cache slots of {SlotSize} floats do not fit one array.");
        var values = AlignedArrays.Allocate((int)floats);
        _values.AsSpan().CopyTo(values);
        var filled = new int[slots];
        _filled.AsSpan().CopyTo(filled);
        var seen = new int[slots];
        _seen.AsSpan().CopyTo(seen);
        var encoded = new bool[slots];
        _encoded.AsSpan().CopyTo(encoded);
        (_values, _filled, _seen, _encoded) = (values, filled, seen, encoded);
    }
}
