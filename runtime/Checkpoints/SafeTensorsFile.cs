using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace NetCompiler;

/// <summary>A safetensors file that has been read into memory and validated as a whole (see
/// <see cref="SafeTensors.Read(string)"/>). Looking tensors up and copying them out cannot meet a malformed file.</summary>
public sealed class SafeTensorsFile
{
    private const int NamesInErrors = 10;

    private readonly byte[] _bytes;
    private readonly int _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _byName;

    internal SafeTensorsFile(string path, byte[] bytes, int dataStart, List<SafeTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        _bytes = bytes;
        _dataStart = dataStart;
        Tensors = tensors.AsReadOnly();
        Metadata = new ReadOnlyDictionary<string, string>(metadata);
        _byName = new Dictionary<string, SafeTensorInfo>(tensors.Count, StringComparer.Ordinal);
        foreach (var t in tensors) _byName.Add(t.Name, t);
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
    /// <exception cref="InvalidDataException">The tensor's dtype cannot be converted to float32 (e.g. I64).</exception>
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

        // Validation guarantees the range lies inside the array, so the int conversions cannot truncate.
        ReadOnlySpan<byte> source = _bytes.AsSpan(_dataStart + (int)info.DataBegin, (int)info.ByteLength);
        switch (info.DType)
        {
            case "F32":
                source.CopyTo(MemoryMarshal.AsBytes(destination));
                break;
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
            throw new NotSupportedException($"Tensor '{name}' in '{Path}' has {info.ElementCount} elements, too many for one array.");
        // Check the dtype before allocating (the span overload checks it again, cheaply).
        var result = info.CanReadFloats ? new float[info.ElementCount] : Array.Empty<float>();
        ReadFloats(name, result);
        return result;
    }
}
