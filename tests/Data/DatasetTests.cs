using System;
using NetCompiler;
using Xunit;

namespace NetCompiler.Tests.Data;

public class DatasetTests
{
    private static Dataset Classification(int count) =>
        new("c", Iota(count * 2), 2, Array.ConvertAll(Iota(count), f => (int)f % 3), 3);

    private static float[] Iota(int n)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = i;
        return values;
    }

    [Fact]
    public void ClassificationDatasetExposesItsShape()
    {
        Dataset set = Classification(4);

        Assert.Equal(4, set.Count);
        Assert.Equal(2, set.FeatureSize);
        Assert.Equal(3, set.Classes);
        Assert.True(set.IsClassification);
        Assert.Null(set.Targets);
        Assert.Equal(0, set.TargetSize);
        Assert.Equal(new[] { 4f, 5f }, set.GetFeatures(2).ToArray());
        Assert.Equal("c: 4 x 2, 3 classes", set.ToString());
    }

    [Fact]
    public void TargetDatasetExposesItsShape()
    {
        var set = new Dataset("t", Iota(6), 3, new[] { 1f, 2f, 3f, 4f }, 2);

        Assert.Equal(2, set.Count);
        Assert.False(set.IsClassification);
        Assert.Null(set.Labels);
        Assert.Equal(0, set.Classes);
        Assert.Equal(new[] { 3f, 4f }, set.GetTargets(1).ToArray());
        Assert.Throws<InvalidOperationException>(() => Classification(1).GetTargets(0));
    }

    [Fact]
    public void ConstructorsRejectInconsistentSizes()
    {
        Assert.Contains("not a multiple of the feature size 2",
            Assert.Throws<ArgumentException>(() => new Dataset("d", new float[5], 2, new int[2], 3)).Message);
        Assert.Contains("feature size must be positive",
            Assert.Throws<ArgumentException>(() => new Dataset("d", new float[4], 0, new int[2], 3)).Message);
        Assert.Contains("3 labels for 2 samples",
            Assert.Throws<ArgumentException>(() => new Dataset("d", new float[4], 2, new int[3], 3)).Message);
        Assert.Contains("classes must be positive",
            Assert.Throws<ArgumentException>(() => new Dataset("d", new float[4], 2, new int[2], 0)).Message);
        Assert.Contains("target size must be positive",
            Assert.Throws<ArgumentException>(() => new Dataset("d", new float[4], 2, new float[2], 0)).Message);
        Assert.Contains("3 target values for 2 samples of target size 2",
            Assert.Throws<ArgumentException>(() => new Dataset("d", new float[4], 2, new float[3], 2)).Message);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    public void LabelOutOfRangeNamesSampleAndValue(int bad)
    {
        var e = Assert.Throws<ArgumentException>(() => new Dataset("d", new float[6], 2, new[] { 0, 2, bad }, 3));
        Assert.Contains($"sample 2 has label {bad}, outside [0, 3)", e.Message);
        Assert.Equal("labels", e.ParamName);
    }

    [Fact]
    public void SliceCopiesTheRange()
    {
        Dataset set = Classification(5);
        Dataset slice = set.Slice(1, 3);

        Assert.Equal("c[1..4)", slice.Name);
        Assert.Equal(new[] { 2f, 3f, 4f, 5f, 6f, 7f }, slice.Features);
        Assert.Equal(new[] { 1, 2, 0 }, slice.Labels);
        Assert.Equal(3, slice.Classes);
        slice.Features[0] = -1;
        Assert.Equal(2f, set.Features[2]);
        Assert.Equal("named", set.Slice(0, 0, "named").Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Slice(3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Slice(-1, 1));
    }

    [Fact]
    public void SplitGivesTheFirstSamplesAndTheRest()
    {
        var set = new Dataset("t", Iota(5), 1, Iota(10), 2);
        var (first, second) = set.Split(2);

        Assert.Equal(new[] { 0f, 1f }, first.Features);
        Assert.Equal(new[] { 0f, 1f, 2f, 3f }, first.Targets);
        Assert.Equal(new[] { 2f, 3f, 4f }, second.Features);
        Assert.Equal(new[] { 4f, 5f, 6f, 7f, 8f, 9f }, second.Targets);
        Assert.Equal(0, set.Split(0).First.Count);
        Assert.Equal(5, set.Split(5).First.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Split(6));
    }

    [Fact]
    public void SelectClassesKeepsTheirSamplesInOrderAndRelabelsThemByTheirPlaceInTheList()
    {
        // Labels 0, 1, 2, 0, 1, 2; features 2i and 2i + 1.
        Dataset set = Classification(6);
        Dataset selected = set.SelectClasses([2, 0]);

        Assert.Equal("c[classes 2,0]", selected.Name);
        Assert.Equal(2, selected.Classes);
        Assert.Equal(new[] { 1, 0, 1, 0 }, selected.Labels);
        Assert.Equal(new[] { 0f, 1f, 4f, 5f, 6f, 7f, 10f, 11f }, selected.Features);
        selected.Features[0] = -1;
        Assert.Equal(0f, set.Features[0]);
        Assert.Equal(0, set.SelectClasses([1], "ones").Labels![0]);
        Assert.Equal("ones", set.SelectClasses([1], "ones").Name);
    }

    [Fact]
    public void SelectClassesRefusesAnEmptyRepeatedOrUnknownClassAndTargetDatasets()
    {
        Dataset set = Classification(3);
        Assert.Contains("at least one class", Assert.Throws<ArgumentException>(() => set.SelectClasses([])).Message);
        Assert.Contains("Class 1 is selected twice", Assert.Throws<ArgumentException>(() => set.SelectClasses([1, 0, 1])).Message);
        Assert.Contains("Class 3 is outside", Assert.Throws<ArgumentException>(() => set.SelectClasses([3])).Message);
        Assert.Contains("Class -1 is outside", Assert.Throws<ArgumentException>(() => set.SelectClasses([-1])).Message);
        var targets = new Dataset("t", Iota(2), 1, Iota(2), 1);
        Assert.Throws<InvalidOperationException>(() => targets.SelectClasses([0]));
    }

    [Fact]
    public void GetFeaturesChecksTheIndex()
    {
        Dataset set = Classification(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => set.GetFeatures(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.GetFeatures(-1));
    }
}
