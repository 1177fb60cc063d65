using System.Linq;
using NetCompiler.Definitions.Training;
using Xunit;

namespace NetCompiler.Tests.Definitions;

public class EpochRowTests
{
    [Fact]
    public void History_round_trips_through_checkpoint_metadata_exactly()
    {
        var rows = new[] { new EpochRow(1, 0.1 / 3, 0.25, 0.8123456789, 1.5), new EpochRow(2, double.NaN, 1e-300, 1, 2.25) };
        var back = EpochRow.ParseAll(EpochRow.FormatAll(rows)).ToArray();
        Assert.Equal(rows, back);
    }

    [Fact]
    public void Malformed_records_are_skipped() =>
        Assert.Single(EpochRow.ParseAll("1,0.5,0.5,0.9,1.000;garbage;2,x,1,1,1"));

    [Fact]
    public void Csv_has_a_header_and_one_line_per_epoch()
    {
        string csv = EpochRow.Csv([new EpochRow(1, 0.5, 0.4, 0.9, 1.25)]);
        Assert.Equal("epoch,train_loss,test_loss,test_accuracy,seconds\n1,0.5,0.4,0.9,1.250\n", csv);
    }
}
