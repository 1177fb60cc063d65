using System;
using System.IO;
using System.Runtime.InteropServices;
using TorchSharp;

namespace NetCompiler.Bench;

/// <summary>Whether TorchSharp (libtorch) can run in this process, and if not, why. The first <c>torch.*</c> call
/// loads the native libraries; when that fails (on Debian 12, because the build's patch in <c>TorchSharpFix/</c>
/// could not run), every later call throws again, so the benchmarks ask here first and report
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
        ? $"{typeof(torch).Assembly.GetName().Version?.ToString(3)} (TorchSharp-cpu, libtorch CPU), timed at 1 and 2 threads; {NnpackNote}"
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

    /// <summary>What TorchSharp printed while loading (it writes its probing trace and file copies to the console);
    /// kept out of the benchmark output, shown by the <c>torch-check</c> command when loading fails.</summary>
    public static string LoadTrace { get; private set; } = "";

    private static string? TryLoad()
    {
        var console = Console.Out;
        var trace = new StringWriter();
        Console.SetOut(trace);
        try
        {
            using var ones = torch.ones(2);
            using var sum = ones.sum();
            float value = sum.item<float>();
            if (value != 2f) return $"torch.ones(2).sum() gave {value}, not 2";
            NnpackNote = DisableNnpack();
            return null;
        }
        catch (Exception e)
        {
            // TorchSharp's own message blames a missing libtorch package whatever the cause; the dynamic loader's
            // message says what is really wrong (e.g. "version `GLIBCXX_3.4.32' not found"), so ask it directly.
            var inner = e;
            while (inner.InnerException is not null) inner = inner.InnerException;
            string reason = LoaderError() ?? inner.Message.Split('\n', 2)[0].Trim();
            string hint = !OperatingSystem.IsLinux() || File.Exists(Path.Combine(NativeDirectory, "libstdcxx-ios-init.so"))
                ? "" : " (the build's libLibTorchSharp.so patch is not in place: see bench/TorchSharpFix and the build output)";
            return $"{e.GetType().Name}: {reason}{hint}";
        }
        finally
        {
            Console.SetOut(console);
            LoadTrace = trace.ToString();
        }
    }

    /// <summary>What became of libtorch's NNPACK switch (see <see cref="DisableNnpack"/>), for the report.</summary>
    public static string NnpackNote { get; private set; } = "";

    private delegate IntPtr GlobalContextFunction();
    private delegate void SetFlagFunction(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool GetFlagFunction(IntPtr context);

    /// <summary>Turns NNPACK off in libtorch, as Python's <c>torch.backends.nnpack.set_flags(False)</c> does
    /// (TorchSharp has no binding for it): <c>at::globalContext().setUserEnabledNNPACK(false)</c>, called through the
    /// C++ symbols libtorch_cpu.so exports. NNPACK does not support this CPU; while the flag is on, every convolution
    /// that could take the NNPACK path (eval-mode inference here) asks it to initialize again, which fails and writes
    /// a warning line to stderr, 15 lines per ResNetSmall inference. With the flag off libtorch goes straight to the
    /// convolution it falls back to anyway. Returns what happened, in one line.</summary>
    private static string DisableNnpack()
    {
        try
        {
            var library = NativeLibrary.Load(Path.Combine(NativeDirectory, OperatingSystem.IsLinux() ? "libtorch_cpu.so" : "torch_cpu"));
            var context = Marshal.GetDelegateForFunctionPointer<GlobalContextFunction>(NativeLibrary.GetExport(library, "_ZN2at13globalContextEv"))();
            var set = Marshal.GetDelegateForFunctionPointer<SetFlagFunction>(NativeLibrary.GetExport(library, "_ZN2at7Context20setUserEnabledNNPACKEb"));
            var get = Marshal.GetDelegateForFunctionPointer<GetFlagFunction>(NativeLibrary.GetExport(library, "_ZNK2at7Context17userEnabledNNPACKEv"));
            bool before = get(context);
            set(context, false);
            return get(context) ? "NNPACK could not be switched off" : $"NNPACK switched off (was {(before ? "on" : "off")})";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return $"NNPACK left as it is ({e.GetType().Name}: {e.Message.Split('\n', 2)[0]})";
        }
    }

    private static string NativeDirectory => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    /// <summary>The dynamic loader's error for libLibTorchSharp.so in the build output, or null if it loads (or is absent).</summary>
    private static string? LoaderError()
    {
        string path = Path.Combine(NativeDirectory, "libLibTorchSharp.so");
        if (!OperatingSystem.IsLinux() || !File.Exists(path)) return null;
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(path));
            return null;
        }
        catch (DllNotFoundException e)
        {
            // .NET's message is a generic preamble, then dlerror()'s line: keep that.
            var lines = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return lines.Length > 0 ? lines[^1] : e.Message;
        }
    }
}
