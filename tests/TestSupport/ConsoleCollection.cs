using Xunit;

namespace NetCompiler.Tests.TestSupport;

/// <summary>Tests that run a command in-process: the console they write to, and that <c>JobRun</c> captures, is the
/// process's, so they run one at a time (other collections still run beside them; no other test writes to the console).</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleCollection
{
    /// <summary>The collection's name, for <c>[Collection(ConsoleCollection.Name)]</c>.</summary>
    public const string Name = "Console";
}
