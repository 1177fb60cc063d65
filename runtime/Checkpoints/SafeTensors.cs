using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace NetCompiler;

/// <summary>Reads and writes the Hugging Face safetensors format: an 8-byte little-endian header length, a JSON
/// header describing each tensor, then the raw little-endian row-major data.</summary>
/// <remarks>Files written here load with <c>safetensors.torch.load_file</c>; files saved by PyTorch's
/// <c>save_file</c> load here (F32, and F16, BF16, F64 converted to float32).</remarks>
public static class SafeTensors
{
    /// <summary>Bytes of the little-endian u64 that precedes the JSON header.</summary>
    internal const int LengthPrefixBytes = 8;

    /// <summary>Largest header accepted (the reference implementation's limit): a hostile length cannot make us
    /// allocate or parse gigabytes of "JSON".</summary>
    public const int MaxHeaderBytes = 100_000_000;

    /// <summary>Most tensors plus metadata entries a header may list. Real checkpoints have hundreds to thousands; the
    /// limit keeps what a reader builds from a hostile header (a few hundred bytes per entry) in the tens of megabytes.</summary>
    public const int MaxEntries = 100_000;

    /// <summary>Most dimensions a tensor's shape may list. NumPy allows 64 and PyTorch's kernels far fewer; without a
    /// limit a header of one tensor with millions of dimensions would cost several times its size to parse.</summary>
    public const int MaxDimensions = 64;

    /// <summary>The reserved header key for the string-to-string metadata map.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Test hook: wraps the stream the temporary file is written through, so a test can make the write
    /// fail midway. Thread-static so tests running in parallel do not see each other's faults.</summary>
    [ThreadStatic] internal static Func<Stream, Stream>? WrapStreamForTests;

    // Large tensors bypass the buffer (FileStream writes big spans directly); it only batches the header and small tensors.
    private const int WriteBufferBytes = 1 << 16;

    /// <summary>Writes <paramref name="tensors"/> as float32 (dtype <c>F32</c>) to <paramref name="path"/>, atomically:
    /// either the complete new file is in place afterwards, or (on any exception) the previous file, if any, is
    /// untouched and no temporary file is left behind. Temporaries that earlier saves of the same path left when
    /// they were killed are deleted first.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="tensors">The tensors, written in this order (header and data).</param>
    /// <param name="metadata">Optional free-form strings stored under <c>__metadata__</c> (written sorted by key).</param>
    /// <exception cref="ArgumentException">A name is empty, repeated, reserved or not valid UTF-16, a shape is missing,
    /// has more than <see cref="MaxDimensions"/> dimensions or a negative one, a tensor's data length is not the product of its shape, there are more than
    /// <see cref="MaxEntries"/> tensors and metadata entries, or the header would exceed <see cref="MaxHeaderBytes"/>.
    /// Nothing on disk is touched.</exception>
    /// <exception cref="IOException">Writing or replacing the file failed; the previous file is unchanged.</exception>
    public static void Write(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        EnsureLittleEndian();
        ValidateForWrite(tensors, metadata);

        // Everything that can be rejected is rejected before the first byte hits the disk.
        byte[] header = BuildHeader(tensors, metadata);

        AtomicFile.Write(path, file =>
        {
            Stream output = WrapStreamForTests?.Invoke(file) ?? file;
            try
            {
                output.Write(header);
                foreach (var t in tensors) output.Write(MemoryMarshal.AsBytes(t.Data.Span));
                output.Flush();
            }
            finally
            {
                if (!ReferenceEquals(output, file)) output.Dispose();
            }
        }, WriteBufferBytes);
    }

    /// <summary>Opens a safetensors file and fully validates its header; tensor data is read when asked for, so files
    /// of any size open with memory proportional to their header (and tensors that are read).</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The open file: dispose it to close the file.</returns>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message names the file and,
    /// where one is at fault, the tensor. Refused before anything the header claims is allocated.</exception>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        EnsureLittleEndian();
        // Delete sharing lets a writer rename a new file over this one while it is open (Windows); we keep reading ours.
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.RandomAccess);
        try
        {
            return SafeTensorsReader.Read(path, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    internal static void EnsureLittleEndian()
    {
        // The data section is little-endian and we move float spans as raw bytes.
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Safetensors reading and writing is only supported on little-endian machines.");
    }

    private static void ValidateForWrite(IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        // Never write what Read refuses.
        if (tensors.Count + (metadata?.Count ?? 0) > MaxEntries)
            throw new ArgumentException(
                $"{tensors.Count} tensors and {metadata?.Count ?? 0} metadata entries are more than the {MaxEntries} a file may list.", nameof(tensors));
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            if (string.IsNullOrEmpty(t.Name))
                throw new ArgumentException($"Tensor #{i} has an empty name.", nameof(tensors));
            if (t.Name == MetadataKey)
                throw new ArgumentException($"Tensor #{i} is named '{MetadataKey}', which the format reserves for metadata.", nameof(tensors));
            if (!IsWellFormedUtf16(t.Name))
                throw new ArgumentException($"Tensor #{i}'s name has an unpaired surrogate, which cannot be stored as UTF-8.", nameof(tensors));
            if (!names.Add(t.Name))
                throw new ArgumentException($"Tensor name '{t.Name}' appears more than once.", nameof(tensors));
            if (t.Shape is null)
                throw new ArgumentException($"Tensor '{t.Name}' has no shape (use an empty array for a scalar).", nameof(tensors));
            if (t.Shape.Length > MaxDimensions)
                throw new ArgumentException($"Tensor '{t.Name}' has {t.Shape.Length} dimensions, more than the {MaxDimensions} a file may give a tensor.", nameof(tensors));
            if (Array.Exists(t.Shape, d => d < 0))
                throw new ArgumentException($"Tensor '{t.Name}' has a negative dimension in shape [{string.Join(", ", t.Shape)}].", nameof(tensors));
            long count = ElementCount(t.Shape);
            if (count != t.Data.Length)
                throw new ArgumentException(
                    $"Tensor '{t.Name}' has shape [{string.Join(", ", t.Shape)}] ({count} elements) but {t.Data.Length} values.", nameof(tensors));
        }
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                if (key is null || value is null)
                    throw new ArgumentException("Metadata keys and values must not be null.", nameof(metadata));
                if (!IsWellFormedUtf16(key) || !IsWellFormedUtf16(value))
                    throw new ArgumentException($"Metadata '{key}' has an unpaired surrogate, which cannot be stored as UTF-8.", nameof(metadata));
            }
        }
    }

    /// <summary>Whether every surrogate in <paramref name="text"/> is paired. The JSON encoder would silently
    /// replace an unpaired one with U+FFFD, so the name read back would differ from the name written.</summary>
    private static bool IsWellFormedUtf16(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return false;
        }
        return true;
    }

    /// <summary>Product of non-negative dimensions, saturated just above <see cref="int.MaxValue"/> (no float data
    /// can be that long, so any larger product is simply a mismatch).</summary>
    private static long ElementCount(int[] shape)
    {
        if (Array.IndexOf(shape, 0) >= 0) return 0;
        long count = 1;
        foreach (int d in shape) count = Math.Min(count * d, (long)int.MaxValue + 1);
        return count;
    }

    private static byte[] BuildHeader(IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new ArrayBufferWriter<byte>();
        // Relaxed escaping keeps non-ASCII names readable in the file; it is still valid JSON (the "unsafe" is about HTML).
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                long end = offset + (long)t.Data.Length * sizeof(float);
                writer.WriteStartObject(t.Name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (int d in t.Shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(end);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset = end;
            }
            writer.WriteEndObject();
        }

        // Pad with spaces (valid JSON whitespace) so the data section starts 8-byte aligned, as the reference writer does.
        int padded = (json.WrittenCount + 7) & ~7;
        if (padded > MaxHeaderBytes)
            throw new ArgumentException($"The header would be {padded} bytes, over the format's {MaxHeaderBytes}-byte limit.", nameof(tensors));
        var bytes = new byte[LengthPrefixBytes + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        json.WrittenSpan.CopyTo(bytes.AsSpan(LengthPrefixBytes));
        bytes.AsSpan(LengthPrefixBytes + json.WrittenCount).Fill((byte)' ');
        return bytes;
    }

}
