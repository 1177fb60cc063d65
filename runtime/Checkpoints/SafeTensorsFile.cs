using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace NetCompiler;

/// <summary>A safetensors file whose header has been read and validated as a whole (see
/// <see cref="SafeTensors.Read(string)"/>); tensor data is read from the file when asked for. Looking tensors up and
/// copying them out cannot meet a malformed header. Dispose it to close the file.</summary>
/// <remarks>Reads go through the handle opened by <see cref="SafeTensors.Read(string)"/>, so a file replaced by
/// renaming another over it (as <see cref="SafeTensors.Write"/> does) keeps reading as the file that was validated.
/// Reads are positional, so several threads may read tensors at once.</remarks>
public sealed class SafeTensorsFile : IDisposable
{
    private const int NamesInErrors = 10;

    // F32 goes straight into the destination, in pieces a byte span can address; other dtypes are converted
    // through a pooled buffer of this size.
    private const int F32ChunkElements = 1 << 28;
    private const int ConvertBufferBytes = 1 << 16;

    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _byName;

    internal SafeTensorsFile(string path, SafeFileHandle handle, long dataStart, List<SafeTensorInfo> tensors,
        Dictionary<string, SafeTensorInfo> byName, Dictionary<string, string> metadata)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        Tensors = tensors.AsReadOnly();
        Metadata = new ReadOnlyDictionary<string, string>(metadata);
        _byName = byName;
    }

    /// <summary>The path the file was read from.</summary>
    public string Path { get; }

    /// <summary>The <c>__metadata__</c> strings; empty if the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor in the file, in data-section order (by byte offset), whatever order the header lists them in.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    /// <summary>Whether the file has a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The file has no such tensor; the message names the file and lists some of its tensors.</exception>
    public SafeTensorInfo Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_byName.TryGetValue(name, out var info)) return info;
        string listed = string.Join(", ", Tensors.Take(NamesInErrors).Select(t => $"'{t.Name}'"));
        string more = Tensors.Count > NamesInErrors ? $", ... ({Tensors.Count} in all)" : "";
        throw new KeyNotFoundException(Tensors.Count == 0
            ? $"Safetensors file '{Path}' has no tensor named '{name}'; it has no tensors at all."
            : $"Safetensors file '{Path}' has no tensor named '{name}'. It has: {listed}{more}.");
    }

    /// <summary>Copies tensor <paramref name="name"/> into <paramref name="destination"/> as float32. F32 is copied
    /// bit for bit; F16 and BF16 are widened exactly; F64 is rounded to the nearest float (out-of-range values become
    /// infinities).</summary>
    /// <param name="name">The tensor to read.</param>
    /// <param name="destination">Exactly <see cref="SafeTensorInfo.ElementCount"/> floats, row-major.</param>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has the wrong length.</exception>
    /// <exception cref="InvalidDataException">The tensor's dtype cannot be converted to float32 (e.g. I64), or the file
    /// was truncated after it was opened.</exception>
    /// <exception cref="ObjectDisposedException">The file has been disposed.</exception>
    public void ReadFloats(string name, Span<float> destination)
    {
        var info = Get(name);
        if (!info.CanReadFloats)
            throw new InvalidDataException(
                $"Safetensors file '{Path}': tensor '{name}' has dtype {info.DType}, which cannot be read as float32 (supported: F32, F16, BF16, F64).");
        if (destination.Length != info.ElementCount)
            throw new ArgumentException(
                $"Tensor '{name}' in '{Path}' has shape {info.ShapeText} ({info.ElementCount} elements) but the destination holds {destination.Length}.",
                nameof(destination));

        long offset = _dataStart + info.DataBegin;
        if (info.DType == "F32")
        {
            for (int start = 0; start < destination.Length; start += F32ChunkElements)
            {
                var part = destination.Slice(start, Math.Min(F32ChunkElements, destination.Length - start));
                SafeTensorsReader.ReadExactly(Path, _handle, MemoryMarshal.AsBytes(part), offset);
                offset += (long)part.Length * sizeof(float);
            }
            return;
        }
        int size = info.DType == "F64" ? sizeof(double) : 2;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ConvertBufferBytes);
        try
        {
            for (int start = 0; start < destination.Length; start += ConvertBufferBytes / size)
            {
                var part = destination.Slice(start, Math.Min(ConvertBufferBytes / size, destination.Length - start));
                var source = buffer.AsSpan(0, part.Length * size);
                SafeTensorsReader.ReadExactly(Path, _handle, source, offset);
                offset += source.Length;
                Widen(info.DType, source, part);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Widen(string dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case "F16":
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source.Slice(2 * i));
                break;
            case "BF16":
                // bfloat16 is the top half of a float32, so widening is a shift: exact, NaN payloads included.
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(2 * i)) << 16);
                break;
            case "F64":
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source.Slice(8 * i));
                break;
        }
    }

    /// <summary>Reads tensor <paramref name="name"/> into a new float32 array (see <see cref="ReadFloats(string, Span{float})"/>).</summary>
    public float[] ReadFloats(string name)
    {
        var info = Get(name);
        if (info.ElementCount > Array.MaxLength)
            throw new InvalidDataException(
                $"Safetensors file '{Path}': tensor '{name}' has {info.ElementCount} elements, more than one array can hold ({Array.MaxLength}).");
        // Check the dtype before allocating (the span overload checks it again, cheaply).
        var result = info.CanReadFloats ? new float[info.ElementCount] : Array.Empty<float>();
        ReadFloats(name, result);
        return result;
    }

    /// <summary>Closes the file; tensors can no longer be read.</summary>
    public void Dispose() => _handle.Dispose();
}
