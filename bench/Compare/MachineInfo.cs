using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetCompiler.Bench;

/// <summary>What a benchmark result needs next to it to mean anything: the machine, the runtime, the ISA the JIT
/// uses, the date and the source revision that was measured.</summary>
internal static class MachineInfo
{
    /// <summary>CPU model (from /proc/cpuinfo; the family and model numbers tell the microarchitecture when the
    /// hypervisor hides the marketing name), cores and memory.</summary>
    public static string Cpu()
    {
        string model = "unknown CPU", family = "", number = "";
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                var parts = line.Split(':', 2);
                if (parts.Length != 2) continue;
                string key = parts[0].Trim(), value = parts[1].Trim();
                if (key == "model name" && model == "unknown CPU") model = value;
                else if (key == "cpu family" && family == "") family = value;
                else if (key == "model" && number == "") number = value;
                if (line.Length == 0) break;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        string id = family != "" ? $" (family {family}, model {number})" : "";
        return $"{model}{id}, {Environment.ProcessorCount} cores, {MemoryGiB()}";
    }

    /// <summary>.NET version and OS.</summary>
    public static string Runtime() => $".NET {Environment.Version}, {RuntimeInformation.OSDescription.Trim()}";

    /// <summary>Which vector widths the JIT accelerates (what the compiled kernels and the FMA peak use).</summary>
    public static string Isa() =>
        $"Vector512 accelerated: {Vector512.IsHardwareAccelerated}, Vector256 accelerated: {Vector256.IsHardwareAccelerated}";

    /// <summary>The git commit of the sources the benchmark was built from, the last commit that changed the compiler
    /// (generator/, runtime/, definitions/), and a note when those had uncommitted changes (then the commit alone
    /// does not say what was measured).</summary>
    public static string Commit()
    {
        string? root = RepositoryRoot();
        if (root is null) return "unknown (not run from a git checkout)";
        string? head = Git(root, "rev-parse --short HEAD");
        if (head is null) return "unknown (git not available)";
        // The bench's own commits do not change what is measured: name the last one that touched the compiler too.
        string? kernels = Git(root, "log -1 --format=%h -- generator runtime definitions");
        string? dirty = Git(root, "status --porcelain -- generator runtime definitions");
        string text = kernels is null || kernels == head ? head : $"{head} (generator/runtime/definitions last changed in {kernels})";
        return string.IsNullOrWhiteSpace(dirty) ? text : text + " + uncommitted changes in generator/runtime/definitions";
    }

    private static string MemoryGiB()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out long kb))
                return string.Create(CultureInfo.InvariantCulture, $"{kb / 1024.0 / 1024.0:F0} GiB");
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return "memory unknown";
    }

    /// <summary>The checkout the bench runs from: the first directory above the program holding NetCompiler.sln.</summary>
    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NetCompiler.sln"))) return dir.FullName;
        return null;
    }

    private static string? Git(string directory, string arguments)
    {
        try
        {
            var info = new ProcessStartInfo("git", arguments)
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var git = Process.Start(info);
            if (git is null) return null;
            string output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
