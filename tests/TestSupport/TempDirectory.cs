using System;
using System.IO;
using System.Linq;

namespace NetCompiler.Tests;

/// <summary>A fresh directory under the system temp directory, deleted with everything in it on dispose; for
/// tests that write files (data sets, checkpoints, plots).</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "netcompiler-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, byte[] bytes)
    {
        string path = File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public string WriteText(string name, string text)
    {
        string path = File(name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A sparse file of <paramref name="length"/> bytes, zero except for <paramref name="parts"/>: gigabyte files
    /// for size limits that take no disk space and no time to write.</summary>
    public string WriteSparse(string name, long length, params (long Offset, byte[] Bytes)[] parts)
    {
        string path = File(name);
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.SetLength(length);
        foreach (var (offset, bytes) in parts)
        {
            file.Position = offset;
            file.Write(bytes);
        }
        return path;
    }

    /// <summary>Names of all entries (files, including hidden temp files, and directories), sorted.</summary>
    public string[] Entries() =>
        Directory.EnumerateFileSystemEntries(Path).Select(p => System.IO.Path.GetFileName(p)!).OrderBy(n => n, StringComparer.Ordinal).ToArray();

    public void Dispose()
    {
        // A leftover temp directory must not fail a test.
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
