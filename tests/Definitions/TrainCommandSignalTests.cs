using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using NetCompiler.Definitions.Seeds;
using Xunit;

namespace NetCompiler.Tests.Definitions;

/// <summary>Ctrl+C (SIGINT) sent to the main job running as its own process, held by a test hook at the moment of
/// its checkpoint write so that the signal arrives exactly there.</summary>
public class TrainCommandSignalTests
{
    private const int SigInt = 2;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [Fact]
    public void Ctrl_C_twice_during_the_checkpoint_write_finishes_it_says_so_and_exits_130()
    {
        if (!OperatingSystem.IsLinux()) return;   // POSIX signals, and GNU env below
        using var data = new TempDirectory();
        using var output = new TempDirectory();
        using var gate = new TempDirectory();
        LearnableFashionSet.Write(data, 40, 10);

        // env --default-signal=INT: a shell that started the tests in the background set SIGINT to "ignore", which the
        // child would inherit (and .NET respects), as if no Ctrl+C could reach it.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in (string[])["--default-signal=INT", Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
            Path.Combine(AppContext.BaseDirectory, "NetCompiler.Definitions.dll"), "--data", data.Path, "--output", output.Path,
            "--epochs", "1", "--batch-size", "10", "--no-compare", "--no-grad-norms"])
            start.ArgumentList.Add(arg);
        start.Environment["NETCOMPILER_TEST_HOLD_CHECKPOINT"] = gate.Path;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        string Text(StringBuilder s) { lock (s) return s.ToString(); }
        using var job = Process.Start(start)!;
        job.OutputDataReceived += (_, e) => { lock (stdout) stdout.AppendLine(e.Data); };
        job.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        job.BeginOutputReadLine();
        job.BeginErrorReadLine();
        try
        {
            WaitFor(job, () => File.Exists(gate.File("saving")), "its checkpoint write", stderr);
            Assert.Equal(0, kill(job.Id, SigInt));
            WaitFor(job, () => Text(stderr).Contains("interrupted: finishing writing"), "the first Ctrl+C message", stderr);
            Assert.Equal(0, kill(job.Id, SigInt));
            WaitFor(job, () => Text(stderr).Contains("interrupted again"), "the second Ctrl+C message", stderr);
            File.WriteAllText(gate.File("continue"), "");
            Assert.True(job.WaitForExit(60_000), "the job did not end after the write");
            job.WaitForExit();   // and its output is read to the end
        }
        finally
        {
            if (!job.HasExited) job.Kill();
        }

        string checkpoint = output.File("Seed001MnistNet.safetensors");
        Assert.Contains($"interrupted: finishing writing {checkpoint}, the plot and the curves, then stopping.", Text(stderr));
        Assert.Contains("interrupted again: still finishing writing", Text(stderr));
        Assert.Contains("no checkpoint is lost or left partial", Text(stderr));
        Assert.Contains("stopped after training finished (1 epochs)", Text(stdout));
        Assert.Equal(130, job.ExitCode);
        var optimizer = new Sgd(3f);
        var info = Checkpoint.Load(checkpoint, new Seed001MnistNet(), optimizer);
        Assert.Equal(new TrainingState(1, 0, 0, 0), info.State);
        Assert.Equal(4, optimizer.StepCount);
        Assert.Equal(["Seed001MnistNet.csv", "Seed001MnistNet.png", "Seed001MnistNet.safetensors"], output.Entries());   // no temporary file
    }

    /// <summary>Polls <paramref name="condition"/> while the job runs; the generous limit only keeps a stuck job from
    /// hanging the suite.</summary>
    private static void WaitFor(Process job, Func<bool> condition, string what, StringBuilder stderr)
    {
        var limit = Stopwatch.StartNew();
        while (!condition())
        {
            if (job.HasExited)
            {
                job.WaitForExit();
                lock (stderr) Assert.Fail($"the job ended (exit code {job.ExitCode}) before {what}; its stderr: {stderr}");
            }
            if (limit.Elapsed > TimeSpan.FromMinutes(1))
                lock (stderr) Assert.Fail($"timed out waiting for {what}; the job's stderr: {stderr}");
            Thread.Sleep(10);
        }
    }
}
