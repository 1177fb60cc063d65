using System;
using System.IO;
using TorchSharp;

namespace NetCompiler.Bench;

/// <summary>Whether TorchSharp (libtorch) can run in this process, and if not, why. The first <c>torch.*</c> call
/// loads the native libraries; when that fails (on Debian 12, because the post-build patch in
/// <c>TorchSharpFix/</c> did not run), every later call throws again, so the benchmarks ask here first and report
/// the TorchSharp variants as n/a instead of crashing.</summary>
internal static class TorchSharpPeer
{
    private static readonly Lazy<string?> s_failure = new(TryLoad);

    /// <summary>Whether <c>torch.ones(2).sum()</c> gave 2.</summary>
    public static bool IsAvailable => s_failure.Value is null;

    /// <summary>One line saying why TorchSharp cannot run, or null when it can.</summary>
    public static string? FailureReason => s_failure.Value;

    /// <summary>One line for the report: the TorchSharp version, or why it is not available.</summary>
    public static string Describe() => IsAvailable
        ? $"{typeof(torch).Assembly.GetName().Version?.ToString(3)} (TorchSharp-cpu, libtorch CPU), timed at 1 and 2 threads"
        : $"n/a: {FailureReason}";

    /// <summary>Returns <paramref name="threads"/> when TorchSharp is available and throws with the reason when
    /// not: a BenchmarkDotNet case of a TorchSharp variant then fails with a message that says why.</summary>
    public static int Require(int threads) =>
        IsAvailable ? threads : throw new InvalidOperationException($"TorchSharp is not available: {FailureReason}");

    /// <summary>Sets libtorch's intra-op thread count (its OpenMP pool). Process-wide, so each TorchSharp variant
    /// sets it before it runs.</summary>
    public static void SetThreads(int threads)
    {
        if (torch.get_num_threads() != threads) torch.set_num_threads(threads);
    }

    private static string? TryLoad()
    {
        try
        {
            using var ones = torch.ones(2);
            using var sum = ones.sum();
            float value = sum.item<float>();
            return value == 2f ? null : $"torch.ones(2).sum() gave {value}, not 2";
        }
        catch (Exception e)
        {
            // TorchSharp wraps the loader failure in a TypeInitializationException whose inner message starts
            // with the useful line and goes on with a long probing trace; keep the first line.
            var inner = e;
            while (inner.InnerException is not null) inner = inner.InnerException;
            string first = inner.Message.Split('\n', 2)[0].Trim();
            string hint = !OperatingSystem.IsLinux() || File.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libstdcxx-ios-init.so"))
                ? "" : " (the build's libLibTorchSharp.so patch is not in place; see bench/TorchSharpFix and the build output)";
            return $"{e.GetType().Name}: {first}{hint}";
        }
    }
}
