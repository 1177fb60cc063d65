using System;
using System.IO;

namespace NetCompiler.Definitions;

/// <summary>The one line a command prints for a failure, instead of a stack trace.</summary>
public static class CommandErrors
{
    /// <summary>The exception's message for the failures a user can cause (files, data, options, memory, a diverged
    /// run); for anything else its type too, so that a bug is still recognizable.</summary>
    public static string Describe(Exception e) => e is OutOfMemoryException
        ? "out of memory: the data, the network or a batch needs more memory than this process may use (the runtime's " +
          "message: \"" + e.Message + "\"). Use smaller data or a smaller --batch-size, or allow more memory."
        : e is IOException or InvalidDataException or UnauthorizedAccessException
        or ArgumentException or NotSupportedException or OutOfMemoryException or TrainingDivergedException
        ? e.Message
        : $"{e.Message} ({e.GetType().FullName}; unexpected, please report it with the command line)";
}
