using System;
using System.IO;

namespace NetCompiler;

/// <summary>The temporary files <see cref="SafeTensors.Write"/> writes before renaming them over the target:
/// <c>.&lt;target name&gt;.&lt;32 hex digits&gt;.tmp</c> in the target's directory, and the removal of those that
/// writers killed mid-save left behind.</summary>
internal static class TemporaryFiles
{
    private const string Suffix = ".tmp";
    private const int GuidDigits = 32;

    /// <summary>See <see cref="DeleteStale"/>: covers the instant between a writer creating its file and locking it.</summary>
    private static readonly TimeSpan MinimumAge = TimeSpan.FromSeconds(5);

    /// <summary>A new temporary name for <paramref name="fullPath"/>. Same directory, so the final move is a rename
    /// within one file system (atomic) rather than a copy; a fresh GUID (opened with CreateNew) means two concurrent
    /// writers never share one.</summary>
    public static string NewFor(string fullPath) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, $"{Prefix(fullPath)}{Guid.NewGuid():N}{Suffix}");

    /// <summary>Deletes temporaries of <paramref name="fullPath"/> that no writer is using any more. Best effort: a
    /// temporary that cannot be checked or deleted is left for a later save.</summary>
    /// <remarks>A writer keeps its temporary open, sharing neither reads nor writes, until after the rename. .NET
    /// enforces that with share modes on Windows and a <c>flock</c> on Unix, so opening it exclusively fails exactly
    /// while a writer, in this process or another, holds it: a temporary that does open belongs to a writer that died
    /// (kill -9, power loss). The open deletes on close, so checking and deleting are one step, and since writers only
    /// ever create new names, none can start using a temporary found stale. The one gap is between a writer creating
    /// its file and locking it (two system calls on Unix): temporaries written in the last few seconds are left alone.
    /// Only names of exactly this writer's pattern, for this target, are considered.</remarks>
    public static void DeleteStale(string fullPath)
    {
        string prefix = Prefix(fullPath);
        try
        {
            foreach (string candidate in Directory.EnumerateFiles(Path.GetDirectoryName(fullPath)!))
            {
                string name = Path.GetFileName(candidate);
                if (name.Length != prefix.Length + GuidDigits + Suffix.Length
                    || !name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(Suffix, StringComparison.Ordinal)
                    || name.AsSpan(prefix.Length, GuidDigits).ContainsAnyExcept("0123456789abcdef"))
                    continue;
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(candidate) < MinimumAge) continue;
                try
                {
                    using var _ = new FileStream(candidate, FileMode.Open, FileAccess.Read, FileShare.None, 1, FileOptions.DeleteOnClose);
                }
                catch (IOException) { }                  // in use by a live writer, or gone already
                catch (UnauthorizedAccessException) { }
            }
        }
        catch (IOException) { }   // the directory could not be listed: the save itself will say what is wrong
        catch (UnauthorizedAccessException) { }
    }

    private static string Prefix(string fullPath) => "." + Path.GetFileName(fullPath) + ".";
}
