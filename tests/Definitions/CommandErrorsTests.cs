using System;
using System.IO;
using NetCompiler.Definitions;
using Xunit;

namespace NetCompiler.Tests.Definitions;

public class CommandErrorsTests
{
    [Fact]
    public void Failures_a_user_can_cause_are_their_message()
    {
        Assert.Equal("disk full", CommandErrors.Describe(new IOException("disk full")));
        Assert.Equal("bad header", CommandErrors.Describe(new InvalidDataException("bad header")));
        Assert.Equal("too large", CommandErrors.Describe(new NotSupportedException("too large")));
        Assert.Equal("diverged", CommandErrors.Describe(new TrainingDivergedException("diverged")));
    }

    [Fact]
    public void Running_out_of_memory_says_so_in_words()
    {
        // The runtime's own message, "Exception of type 'System.OutOfMemoryException' was thrown.", was the whole line
        // (a gzip file that really decompresses to 1.5 billion labels, under a 512 MB heap limit).
        string line = CommandErrors.Describe(new OutOfMemoryException());
        Assert.StartsWith("out of memory: ", line);
        Assert.Contains("smaller --batch-size", line);
    }

    [Fact]
    public void Anything_else_also_names_its_type_so_a_bug_is_recognizable() =>
        Assert.Equal("oops (System.InvalidOperationException; unexpected, please report it with the command line)",
            CommandErrors.Describe(new InvalidOperationException("oops")));
}
