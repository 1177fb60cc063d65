using Xunit;

namespace NetCompiler.Tests.TestSupport;

/// <summary>Tests that measure the whole process (allocations on every thread) or change process-wide settings such
/// as <see cref="WorkerPool.Threads"/> run in this collection: xunit runs it alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExclusiveCollection
{
    /// <summary>The collection's name, for <c>[Collection(ExclusiveCollection.Name)]</c>.</summary>
    public const string Name = "Exclusive";
}
