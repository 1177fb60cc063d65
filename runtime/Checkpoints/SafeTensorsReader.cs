using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Win32.SafeHandles;

namespace NetCompiler;

/// <summary>Reads and validates the header of a safetensors file. Checks what the reference implementation checks
/// (header length, JSON shape, per-tensor size, tensors tiling the data section exactly) and reports the first
/// problem as an <see cref="InvalidDataException"/> naming the file and, where relevant, the tensor.</summary>
/// <remarks>Only the header is read. Every allocation is bounded by bytes the file really has: the header length is
/// checked against the limit and the file's length before its buffer exists, and the JSON is parsed as a stream of
/// tokens (no document tree), each entry costing a few hundred bytes at most, with at most
/// <see cref="SafeTensors.MaxEntries"/> entries.</remarks>
internal static class SafeTensorsReader
{
    public static SafeTensorsFile Read(string path, SafeFileHandle handle)
    {
        long length = RandomAccess.GetLength(handle);
        if (length < SafeTensors.LengthPrefixBytes)
            throw Invalid(path, $"the file is {length} bytes long, shorter than the {SafeTensors.LengthPrefixBytes}-byte header length");

        Span<byte> prefix = stackalloc byte[SafeTensors.LengthPrefixBytes];
        ReadExactly(path, handle, prefix, 0);
        ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (declared > SafeTensors.MaxHeaderBytes)
            throw Invalid(path, $"the header length {declared} exceeds the {SafeTensors.MaxHeaderBytes}-byte limit");
        long available = length - SafeTensors.LengthPrefixBytes;
        if ((long)declared > available)
            throw Invalid(path, $"the header length {declared} exceeds the {available} bytes that follow it");

        var header = new byte[declared];
        ReadExactly(path, handle, header, SafeTensors.LengthPrefixBytes);
        long dataStart = SafeTensors.LengthPrefixBytes + (long)declared;
        var (tensors, byName, metadata) = ParseHeader(path, header, length - dataStart);
        return new SafeTensorsFile(path, handle, dataStart, tensors, byName, metadata);
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>; the file was measured first, so running
    /// out means it shrank while being read.</summary>
    internal static void ReadExactly(string path, SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            int n = RandomAccess.Read(handle, buffer, offset);
            if (n == 0) throw Invalid(path, $"the file ends at byte {offset} while being read (was it truncated meanwhile?)");
            buffer = buffer[n..];
            offset += n;
        }
    }

    private static (List<SafeTensorInfo>, Dictionary<string, SafeTensorInfo>, Dictionary<string, string>) ParseHeader(
        string path, byte[] header, long dataLength)
    {
        // Checked up front so a bad byte gives one clear message instead of surfacing later from GetString.
        if (!Utf8.IsValid(header))
            throw Invalid(path, "the header is not valid UTF-8");

        var tensors = new List<SafeTensorInfo>();
        var byName = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        bool sawMetadata = false;
        var scratch = new List<long>();
        var reader = new Utf8JsonReader(header);
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
                throw Invalid(path, $"the header is a JSON {Describe(reader.TokenType)}, not an object");
            while (Next(ref reader) != JsonTokenType.EndObject)
            {
                string key = reader.GetString()!;
                reader.Read();
                // JSON allows repeated keys and parsers disagree on which one wins; refuse rather than guess.
                if (key == SafeTensors.MetadataKey ? sawMetadata : byName.ContainsKey(key))
                    throw Invalid(path, $"the header has the key '{key}' more than once");
                if (key == SafeTensors.MetadataKey)
                {
                    sawMetadata = true;
                    ReadMetadata(path, ref reader, metadata, tensors.Count);
                }
                else
                {
                    var info = ReadEntry(path, key, ref reader, dataLength, scratch);
                    tensors.Add(info);
                    byName.Add(key, info);
                    CheckEntryCount(path, tensors.Count + metadata.Count);
                }
            }
            // Anything but whitespace after the object makes this throw.
            reader.Read();
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"the header is not valid JSON ({e.Message})", e);
        }
        catch (InvalidOperationException e)
        {
            // GetString of an escaped unpaired surrogate ("\ud800") cannot be a .NET string.
            throw Invalid(path, $"the header is not valid JSON ({e.Message})", e);
        }

        CheckTiling(path, tensors, dataLength);
        return (tensors, byName, metadata);
    }

    /// <summary>Reads the next token; the reader has the whole header, so running out is a syntax error it reports.</summary>
    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType;
    }

    private static void CheckEntryCount(string path, int entries)
    {
        if (entries > SafeTensors.MaxEntries)
            throw Invalid(path, $"the header lists more than {SafeTensors.MaxEntries} tensors and metadata entries");
    }

    private static void ReadMetadata(string path, ref Utf8JsonReader reader, Dictionary<string, string> metadata, int tensorCount)
    {
        if (reader.TokenType == JsonTokenType.Null) return; // the reference treats it as optional
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Invalid(path, $"'{SafeTensors.MetadataKey}' is a JSON {Describe(reader.TokenType)}, not an object of strings");
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            if (Next(ref reader) != JsonTokenType.String)
                throw Invalid(path, $"metadata '{key}' is a JSON {Describe(reader.TokenType)}, not a string");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw Invalid(path, $"metadata has the key '{key}' more than once");
            CheckEntryCount(path, tensorCount + metadata.Count);
        }
    }

    private static SafeTensorInfo ReadEntry(string path, string name, ref Utf8JsonReader reader, long dataLength, List<long> scratch)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw InvalidTensor(path, name, $"is a JSON {Describe(reader.TokenType)}, not an object with dtype, shape and data_offsets");

        string? dtype = null;
        long[]? shape = null;
        long begin = 0, end = 0;
        int offsetCount = -1;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            // Field names are compared in place: a header may hold MaxEntries entries, each naming three fields.
            if (reader.ValueTextEquals("dtype"u8))
            {
                reader.Read();
                if (dtype is not null) throw InvalidTensor(path, name, "has \"dtype\" more than once");
                if (reader.TokenType != JsonTokenType.String)
                    throw InvalidTensor(path, name, $"has a \"dtype\" that is a JSON {Describe(reader.TokenType)}, not a string");
                dtype = reader.GetString()!;
            }
            else if (reader.ValueTextEquals("shape"u8))
            {
                reader.Read();
                if (shape is not null) throw InvalidTensor(path, name, "has \"shape\" more than once");
                int dimensions = ReadIntegers(path, name, "shape", ref reader, scratch, SafeTensors.MaxDimensions);
                if (dimensions > SafeTensors.MaxDimensions)
                    throw InvalidTensor(path, name, $"has a \"shape\" of {dimensions} dimensions, more than the {SafeTensors.MaxDimensions} a tensor may have");
                shape = scratch.Count == 0 ? [] : scratch.ToArray();
            }
            else if (reader.ValueTextEquals("data_offsets"u8))
            {
                reader.Read();
                if (offsetCount >= 0) throw InvalidTensor(path, name, "has \"data_offsets\" more than once");
                offsetCount = ReadIntegers(path, name, "data_offsets", ref reader, scratch, 2);
                if (offsetCount == 2) (begin, end) = (scratch[0], scratch[1]);
            }
            else
            {
                // Unknown fields are ignored, as the reference (serde without deny_unknown_fields) does.
                reader.Read();
                reader.Skip();
            }
        }

        if (dtype is null) throw InvalidTensor(path, name, "has no \"dtype\"");
        if (shape is null) throw InvalidTensor(path, name, "has no \"shape\"");
        if (offsetCount < 0) throw InvalidTensor(path, name, "has no \"data_offsets\"");
        int bits = SafeTensorDTypes.BitsPerElement(dtype);
        if (bits == 0) throw InvalidTensor(path, name, $"has unknown dtype \"{dtype}\"");
        if (offsetCount != 2)
            throw InvalidTensor(path, name, $"has \"data_offsets\" with {offsetCount} values, not [begin, end]");
        if (end < begin)
            throw InvalidTensor(path, name, $"has \"data_offsets\" [{begin}, {end}] that end before they begin");

        long count = 1, byteLength;
        try
        {
            foreach (long d in shape) count = checked(count * d);
            long totalBits = checked(count * bits);
            if (totalBits % 8 != 0)
                throw InvalidTensor(path, name, $"has shape {ShapeText(shape)} of {dtype}, which is not a whole number of bytes");
            byteLength = totalBits / 8;
        }
        catch (OverflowException)
        {
            throw InvalidTensor(path, name, $"has shape {ShapeText(shape)} whose size overflows");
        }

        if (end - begin != byteLength)
            throw InvalidTensor(path, name,
                $"has shape {ShapeText(shape)} of {dtype} ({byteLength} bytes) but \"data_offsets\" [{begin}, {end}] span {end - begin} bytes");
        if (end > dataLength)
            throw InvalidTensor(path, name,
                $"has \"data_offsets\" [{begin}, {end}] beyond the end of the {dataLength}-byte data section (is the file truncated?)");

        return new SafeTensorInfo(name, dtype, shape, count, begin, end);
    }

    /// <summary>Reads a JSON array of non-negative integers (the format's sizes are unsigned) into
    /// <paramref name="scratch"/>, keeping at most <paramref name="max"/> of them; returns how many there are. Values
    /// beyond the limit are checked and counted but not stored: a header of "0," repeated would otherwise cost eight
    /// bytes of list (and as much again for the array made of it) per two bytes of file.</summary>
    private static int ReadIntegers(string path, string name, string field, ref Utf8JsonReader reader, List<long> scratch, int max)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw InvalidTensor(path, name, $"has a \"{field}\" that is a JSON {Describe(reader.TokenType)}, not an array of integers");
        scratch.Clear();
        int count = 0;
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            // TryGetInt64 rejects fractions and exponents ("2.0", "1e3"), as the reference's integer parsing does.
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v) || v < 0)
                throw InvalidTensor(path, name, $"has a \"{field}\" entry {TokenText(ref reader)} that is not a non-negative integer");
            if (count++ < max) scratch.Add(v);
        }
        return count;
    }

    /// <summary>The JSON text of a scalar token (strings quoted), or what kind of value it starts.</summary>
    private static string TokenText(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => "\"" + Encoding.UTF8.GetString(reader.ValueSpan) + "\"",
        JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null => Encoding.UTF8.GetString(reader.ValueSpan),
        _ => "(a JSON " + Describe(reader.TokenType) + ")",
    };

    private static string ShapeText(long[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>The tensors, in offset order, must tile the data section exactly: no overlap (two tensors sharing
    /// bytes), no hole and nothing after the last tensor, so every byte of the file is accounted for.</summary>
    private static void CheckTiling(string path, List<SafeTensorInfo> tensors, long dataLength)
    {
        // Header order is arbitrary (PyTorch sorts by dtype, then name); the layout is defined by offsets. Names are
        // unique, so ordering zero-size tensors that share an offset by name makes the order total.
        tensors.Sort((a, b) =>
        {
            int c = a.DataBegin.CompareTo(b.DataBegin);
            if (c == 0) c = a.DataEnd.CompareTo(b.DataEnd);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });

        long expected = 0;
        SafeTensorInfo? previous = null;
        foreach (var info in tensors)
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
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    internal static InvalidDataException Invalid(string path, string problem, Exception? inner = null) =>
        new($"'{path}' is not a valid safetensors file: {problem}.", inner);

    internal static InvalidDataException InvalidTensor(string path, string tensor, string problem) =>
        new($"'{path}' is not a valid safetensors file: tensor '{tensor}' {problem}.");
}
