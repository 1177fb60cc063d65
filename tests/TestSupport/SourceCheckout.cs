using System;
using System.IO;

namespace NetCompiler.Tests.TestSupport;

/// <summary>The source checkout the tests run from: the directory above the test binaries that holds
/// NetCompiler.sln. Tests that read definitions, docs or sources find them here.</summary>
internal static class SourceCheckout
{
    private static readonly Lazy<string> RootDirectory = new(() =>
    {
        string? dir = AppContext.BaseDirectory;
        while (dir != null && !File.Exists(Path.Combine(dir, "NetCompiler.sln"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("no NetCompiler.sln above the test binaries " + AppContext.BaseDirectory);
    });

    /// <summary>The checkout's root directory (where README.md and NetCompiler.sln are).</summary>
    public static string Root => RootDirectory.Value;

    /// <summary>A path under the root, from its parts.</summary>
    public static string PathOf(params string[] parts) => Path.Combine(Root, Path.Combine(parts));
}
