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
