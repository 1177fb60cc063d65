using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Unicode;

namespace NetCompiler;

/// <summary>Parses and validates a whole safetensors file held in memory. Checks what the reference implementation
/// checks (header length, JSON shape, per-tensor size, tensors tiling the data section exactly) and reports the
/// first problem as an <see cref="InvalidDataException"/> naming the file and, where relevant, the tensor.</summary>
internal static class SafeTensorsReader
{
    public static SafeTensorsFile Parse(string path, byte[] bytes)
    {
        if (bytes.Length < SafeTensors.LengthPrefixBytes)
            throw Invalid(path, $"the file is {bytes.Length} bytes long, shorter than the {SafeTensors.LengthPrefixBytes}-byte header length");

        ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (declared > SafeTensors.MaxHeaderBytes)
            throw Invalid(path, $"the header length {declared} exceeds the {SafeTensors.MaxHeaderBytes}-byte limit");
        long available = bytes.Length - SafeTensors.LengthPrefixBytes;
        if ((long)declared > available)
            throw Invalid(path, $"the header length {declared} exceeds the {available} bytes that follow it");

        int headerLength = (int)declared;
        int dataStart = SafeTensors.LengthPrefixBytes + headerLength;
        long dataLength = bytes.Length - dataStart;
        var headerBytes = new ReadOnlyMemory<byte>(bytes, SafeTensors.LengthPrefixBytes, headerLength);

        // Checked up front so a bad byte gives one clear message instead of surfacing later from GetString.
        if (!Utf8.IsValid(headerBytes.Span))
            throw Invalid(path, "the header is not valid UTF-8");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes);
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"the header is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Invalid(path, $"the header is a JSON {Describe(root.ValueKind)}, not an object");

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new List<SafeTensorInfo>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                // JSON allows repeated keys and parsers disagree on which one wins; refuse rather than guess.
                if (!seen.Add(property.Name))
                    throw Invalid(path, $"the header has the key '{property.Name}' more than once");
                if (property.Name == SafeTensors.MetadataKey)
                    ReadMetadata(path, property.Value, metadata);
                else
                    tensors.Add(ReadEntry(path, property.Name, property.Value, dataLength));
            }

            CheckTiling(path, tensors, dataLength);
            return new SafeTensorsFile(path, bytes, dataStart, tensors, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null) return; // the reference treats it as optional
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid(path, $"'{SafeTensors.MetadataKey}' is a JSON {Describe(value.ValueKind)}, not an object of strings");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Invalid(path, $"metadata '{item.Name}' is a JSON {Describe(item.Value.ValueKind)}, not a string");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw Invalid(path, $"metadata has the key '{item.Name}' more than once");
        }
    }

    private static SafeTensorInfo ReadEntry(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw InvalidTensor(path, name, $"is a JSON {Describe(value.ValueKind)}, not an object with dtype, shape and data_offsets");

        JsonElement? dtypeElement = null, shapeElement = null, offsetsElement = null;
        foreach (var field in value.EnumerateObject())
        {
            // Unknown fields are ignored, as the reference (serde without deny_unknown_fields) does.
            switch (field.Name)
            {
                case "dtype": dtypeElement = Once(path, name, field, dtypeElement); break;
                case "shape": shapeElement = Once(path, name, field, shapeElement); break;
                case "data_offsets": offsetsElement = Once(path, name, field, offsetsElement); break;
            }
        }

        if (dtypeElement is not { } dtypeValue) throw InvalidTensor(path, name, "has no \"dtype\"");
        if (shapeElement is not { } shapeValue) throw InvalidTensor(path, name, "has no \"shape\"");
        if (offsetsElement is not { } offsetsValue) throw InvalidTensor(path, name, "has no \"data_offsets\"");

        if (dtypeValue.ValueKind != JsonValueKind.String)
            throw InvalidTensor(path, name, $"has a \"dtype\" that is a JSON {Describe(dtypeValue.ValueKind)}, not a string");
        string dtype = dtypeValue.GetString()!;
        int bits = SafeTensorDTypes.BitsPerElement(dtype);
        if (bits == 0) throw InvalidTensor(path, name, $"has unknown dtype \"{dtype}\"");

        long[] shape = ReadIntegers(path, name, "shape", shapeValue);
        long[] offsets = ReadIntegers(path, name, "data_offsets", offsetsValue);
        if (offsets.Length != 2)
            throw InvalidTensor(path, name, $"has \"data_offsets\" with {offsets.Length} values, not [begin, end]");
        long begin = offsets[0], end = offsets[1];
        string shapeText = "[" + string.Join(", ", shape) + "]";
        if (end < begin)
            throw InvalidTensor(path, name, $"has \"data_offsets\" [{begin}, {end}] that end before they begin");

        long count = 1, byteLength;
        try
        {
            foreach (long d in shape) count = checked(count * d);
            long totalBits = checked(count * bits);
            if (totalBits % 8 != 0)
                throw InvalidTensor(path, name, $"has shape {shapeText} of {dtype}, which is not a whole number of bytes");
            byteLength = totalBits / 8;
        }
        catch (OverflowException)
        {
            throw InvalidTensor(path, name, $"has shape {shapeText} whose size overflows");
        }

        if (end - begin != byteLength)
            throw InvalidTensor(path, name,
                $"has shape {shapeText} of {dtype} ({byteLength} bytes) but \"data_offsets\" [{begin}, {end}] span {end - begin} bytes");
        if (end > dataLength)
            throw InvalidTensor(path, name,
                $"has \"data_offsets\" [{begin}, {end}] beyond the end of the {dataLength}-byte data section (is the file truncated?)");

        return new SafeTensorInfo(name, dtype, shape, count, begin, end);
    }

    private static JsonElement Once(string path, string name, JsonProperty field, JsonElement? existing) =>
        existing is null ? field.Value : throw InvalidTensor(path, name, $"has \"{field.Name}\" more than once");

    /// <summary>Reads a JSON array of non-negative integers (the format's sizes are unsigned).</summary>
    private static long[] ReadIntegers(string path, string name, string field, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw InvalidTensor(path, name, $"has a \"{field}\" that is a JSON {Describe(value.ValueKind)}, not an array of integers");
        var result = new long[value.GetArrayLength()];
        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            // TryGetInt64 rejects fractions and exponents ("2.0", "1e3"), as the reference's integer parsing does.
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0)
                throw InvalidTensor(path, name, $"has a \"{field}\" entry {item.GetRawText()} that is not a non-negative integer");
            result[i++] = v;
        }
        return result;
    }

    /// <summary>The tensors, in offset order, must tile the data section exactly: no overlap (two tensors sharing
    /// bytes), no hole and nothing after the last tensor, so every byte of the file is accounted for.</summary>
    private static void CheckTiling(string path, List<SafeTensorInfo> tensors, long dataLength)
    {
        // Header order is arbitrary (PyTorch sorts by dtype, then name); the layout is defined by offsets.
        // The index makes the sort stable for zero-size tensors sharing an offset.
        var order = new List<(SafeTensorInfo Info, int Index)>(tensors.Count);
        for (int i = 0; i < tensors.Count; i++) order.Add((tensors[i], i));
        order.Sort((a, b) =>
        {
            int c = a.Info.DataBegin.CompareTo(b.Info.DataBegin);
            if (c == 0) c = a.Info.DataEnd.CompareTo(b.Info.DataEnd);
            return c != 0 ? c : a.Index.CompareTo(b.Index);
        });

        long expected = 0;
        SafeTensorInfo? previous = null;
        foreach (var (info, _) in order)
        {
            if (info.DataBegin < expected)
                throw InvalidTensor(path, info.Name,
                    $"has \"data_offsets\" [{info.DataBegin}, {info.DataEnd}] that overlap tensor '{previous!.Name}' [{previous.DataBegin}, {previous.DataEnd}]");
            if (info.DataBegin > expected)
                throw InvalidTensor(path, info.Name,
                    $"starts at byte {info.DataBegin} of the data section, leaving a hole after byte {expected}" +
                    (previous is null ? "" : $" (the end of tensor '{previous.Name}')"));
            expected = info.DataEnd;
            previous = info;
        }
        if (expected != dataLength)
            throw Invalid(path, $"the tensors cover {expected} bytes of the data section but it has {dataLength} bytes (trailing bytes after the last tensor)");

        tensors.Clear();
        foreach (var (info, _) in order) tensors.Add(info);
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    internal static InvalidDataException Invalid(string path, string problem, Exception? inner = null) =>
        new($"'{path}' is not a valid safetensors file: {problem}.", inner);

    internal static InvalidDataException InvalidTensor(string path, string tensor, string problem) =>
        new($"'{path}' is not a valid safetensors file: tensor '{tensor}' {problem}.");
}
