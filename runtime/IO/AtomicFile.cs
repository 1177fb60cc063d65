using System;
using System.IO;
using System.Text;

namespace NetCompiler;

/// <summary>Writes a file so that readers, and a crash at any moment, see either the previous file or the complete new
/// one: the data goes to a temporary file in the same directory, is flushed to disk, and is renamed over the target.
/// Temporaries that earlier writers killed mid-write left behind are removed first. Checkpoints, plots and curves are
/// all written this way.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> with <paramref name="write"/>, which receives the temporary file's stream.</summary>
    /// <exception cref="IOException">Writing or replacing the file failed (or <paramref name="write"/> threw); the
    /// previous file is unchanged and the temporary is removed.</exception>
    public static void Write(string path, Action<Stream> write, int bufferSize = 4096)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string fullPath = Path.GetFullPath(path);
        if (Path.GetDirectoryName(fullPath) is null) throw new ArgumentException($"'{path}' has no directory.", nameof(path));
        // Writes killed midway leave their temporaries; this is the first write that can know they are abandoned.
        TemporaryFiles.DeleteStale(fullPath);
        string temp = TemporaryFiles.NewFor(fullPath);
        try
        {
            // Open (locked) until after the rename, which is how other writers tell it from an abandoned temporary;
            // delete sharing is what lets Windows rename an open file.
            using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.Delete, bufferSize);
            write(file);
            // Without this a crash shortly after the rename can leave the new name pointing at unwritten blocks.
            file.Flush(flushToDisk: true);
            // (The directory entry itself is not fsynced: .NET has no in-box way to do that.)
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> as UTF-8 (no byte-order mark), atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text)));
}
