using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace NetCompiler.Generator.Model;

/// <summary>A source location as plain values (a <see cref="Location"/> holds a syntax tree and would defeat
/// caching).</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    /// <summary>1-based line of the start, for comments in generated code.</summary>
    public int Line => LineSpan.Start.Line + 1;

    /// <summary>Where this is, for a comment in generated code: <c>line N</c> when it is in the file
    /// <paramref name="homeFile"/> (the network's own definition file), else <c>File.cs, line N</c> (a module declared
    /// in another file). Only the file name is written, never the directory, so the output does not depend on where
    /// the project is checked out.</summary>
    public string Describe(string homeFile) =>
        FilePath.Length == 0 || FilePath == homeFile ? $"line {Line}" : $"{FileName(FilePath)}, line {Line}";

    private static string FileName(string path) => path.Substring(path.LastIndexOfAny(new[] { '/', '\\' }) + 1);

    public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null) return null;
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }
}
