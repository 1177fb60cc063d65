using System;
using System.IO;
using NetCompiler.Definitions.Plotting;
using Xunit;

namespace NetCompiler.Tests.IO;

/// <summary>Checkpoints, plots and curves are all written through <see cref="AtomicFile"/>: the previous file survives a
/// failed write, no temporary is left, and temporaries that killed writers abandoned are removed by the next write of
/// the same target (they piled up for plots before, which wrote with a copy of the logic but never cleaned).</summary>
public class AtomicFileTests
{
    [Fact]
    public void A_failed_write_leaves_the_previous_file_and_no_temporary()
    {
        using var dir = new TempDirectory();
        string path = dir.WriteText("curves.csv", "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s => { s.WriteByte(1); throw new InvalidOperationException("disk full"); }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Abandoned_temporaries_of_a_plot_are_removed_by_its_next_write_and_others_are_kept()
    {
        using var dir = new TempDirectory();
        string plot = dir.File("run.png");
        string abandoned = dir.Write($".run.png.{Guid.NewGuid():N}.tmp", new byte[100]);
        string recent = dir.Write($".run.png.{Guid.NewGuid():N}.tmp", new byte[100]);   // maybe a live writer's: too young to judge
        string otherTarget = dir.Write($".other.png.{Guid.NewGuid():N}.tmp", new byte[100]);
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow.AddMinutes(-5));
        File.SetLastWriteTimeUtc(otherTarget, DateTime.UtcNow.AddMinutes(-5));

        PngEncoder.WriteFile(plot, 1, 1, new byte[] { 1, 2, 3 });
        Assert.True(File.Exists(plot));
        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(recent));
        Assert.True(File.Exists(otherTarget));
    }
}
