using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;

namespace NetCompiler.Bench;

/// <summary>How busy the machine is apart from this process, from /proc/stat (Linux only; elsewhere nothing is
/// known and nothing is waited for). On a 2-core machine one other busy process halves the results, and a
/// benchmark that does not say so misleads: <c>compare</c> waits for a quiet machine before it starts (right after
/// <c>dotnet run</c> built it, the build servers are often still busy) and reports the other processes' share
/// and the hypervisor's steal time at the end.</summary>
internal sealed class SystemLoad
{
    private readonly long _startBusy, _startSteal;
    private readonly TimeSpan _startOwn;
    private readonly long _startTime = Stopwatch.GetTimestamp();

    private SystemLoad()
    {
        (_startBusy, _startSteal) = ReadCpu() ?? (0, 0);
        _startOwn = Process.GetCurrentProcess().TotalProcessorTime;
    }

    /// <summary>Starts measuring.</summary>
    public static SystemLoad Start() => new();

    /// <summary>Cores kept busy by other processes since <see cref="Start"/>, and the share of time the hypervisor
    /// gave our virtual CPUs to someone else (steal), in cores; null where /proc/stat does not exist.</summary>
    public (double OtherCores, double StealCores)? Stop()
    {
        if (ReadCpu() is not var (busy, steal) || (_startBusy == 0 && _startSteal == 0)) return null;
        double seconds = Stopwatch.GetElapsedTime(_startTime).TotalSeconds;
        double own = (Process.GetCurrentProcess().TotalProcessorTime - _startOwn).TotalSeconds;
        double other = Math.Max(0, (busy - _startBusy) / TicksPerSecond - own) / seconds;
        return (other, (steal - _startSteal) / TicksPerSecond / seconds);
    }

    /// <summary>Waits until the whole machine stays below <paramref name="cores"/> busy cores for half a second,
    /// at most <paramref name="timeout"/>. Returns whether it got quiet.</summary>
    public static bool WaitForQuiet(double cores, TimeSpan timeout, Action<string> log)
    {
        var waited = Stopwatch.StartNew();
        bool said = false;
        while (true)
        {
            var before = ReadCpu();
            Thread.Sleep(500);
            var after = ReadCpu();
            if (before is null || after is null) return true;
            double busy = (after.Value.Busy - before.Value.Busy) / TicksPerSecond / 0.5;
            if (busy < cores) return true;
            if (waited.Elapsed > timeout) return false;
            if (!said) log(string.Create(CultureInfo.InvariantCulture, $"waiting for the machine to settle ({busy:F1} cores busy, e.g. the build servers)"));
            said = true;
        }
    }

    /// <summary>The kernel's clock ticks (USER_HZ) per second: 100 on Linux x86-64.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>Busy (user, nice, system, irq, softirq) and steal ticks of all CPUs, from the first line of /proc/stat.</summary>
    private static (long Busy, long Steal)? ReadCpu()
    {
        try
        {
            if (!File.Exists("/proc/stat")) return null;
            using var reader = new StreamReader("/proc/stat");
            var fields = reader.ReadLine()?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields is null || fields.Length < 9 || fields[0] != "cpu") return null;
            long Field(int i) => long.Parse(fields[i], CultureInfo.InvariantCulture);
            return (Field(1) + Field(2) + Field(3) + Field(6) + Field(7), Field(8));
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        catch (FormatException) { return null; }
    }
}
