using System;
using System.IO;
using NetCompiler;
using Xunit;

namespace NetCompiler.Tests.Data;

public class CsvReaderTests
{
    [Fact]
    public void KaggleStyleFileWithHeaderReadsLabelsAndScaledFeatures()
    {
        using var dir = new TempDirectory();
        string path = dir.WriteText("train.csv", "label,pixel0,pixel1,pixel2\n3,0,255,51\n0,255,0,0\n\n\n");

        Dataset set = CsvReader.ReadClassification(path, new CsvOptions { FeatureScale = 1f / 255f, Classes = 10 });

        Assert.Equal("train.csv", set.Name);
        Assert.Equal(2, set.Count);
        Assert.Equal(3, set.FeatureSize);
        Assert.Equal(10, set.Classes);
        Assert.Equal(new[] { 3, 0 }, set.Labels);
        Assert.Equal(new[] { 0f, 255 * (1f / 255f), 51 * (1f / 255f), 255 * (1f / 255f), 0f, 0f }, set.Features);
    }

    [Fact]
    public void HeaderlessFileIsDetectedAndClassesInferred()
    {
        var set = CsvReader.ReadClassification(new StringReader("1, 0.5, -2e-1\r\n4, 1.25, 3\r\n"), "inline");

        Assert.Equal("inline", set.Name);
        Assert.Equal(2, set.Count);
        Assert.Equal(5, set.Classes);
        Assert.Equal(new[] { 0.5f, -0.2f, 1.25f, 3f }, set.Features);
    }

    [Fact]
    public void ExplicitHeaderOptionOverridesDetection()
    {
        // An all-numeric first line that is nevertheless a header (e.g. column ids).
        var set = CsvReader.ReadClassification(new StringReader("0,1,2\n1,5,6\n"), "s", new CsvOptions { HasHeader = true });

        Assert.Equal(1, set.Count);
        Assert.Equal(new[] { 5f, 6f }, set.Features);
    }

    [Fact]
    public void LabelColumnByNameAndSeparatorAndQuotes()
    {
        string text = "\"x\";\"y\";\"class\"\n1.5;2;\"1\"\n3;4;0\n";
        var set = CsvReader.ReadClassification(new StringReader(text), "s",
            new CsvOptions { Separator = ';', LabelColumnName = "class" });

        Assert.Equal(new[] { 1, 0 }, set.Labels);
        Assert.Equal(new[] { 1.5f, 2f, 3f, 4f }, set.Features);
        Assert.Equal(2, set.Classes);
    }

    [Fact]
    public void WholeNumberLabelsWrittenAsFloatsAreAccepted()
    {
        var set = CsvReader.ReadClassification(new StringReader("2.0,1\n0.0,1\n"), "s");
        Assert.Equal(new[] { 2, 0 }, set.Labels);
    }

    [Fact]
    public void TargetModeTakesTheLastColumnsAndDoesNotScaleThem()
    {
        using var dir = new TempDirectory();
        string path = dir.WriteText("table.csv", "a,b,y1,y2\n1,2,10,20\n3,4,30,40\n");

        Dataset set = CsvReader.ReadTargets(path, new CsvOptions { TargetCount = 2, FeatureScale = 0.5f, Name = "reg" });

        Assert.Equal("reg", set.Name);
        Assert.Null(set.Labels);
        Assert.Equal(0, set.Classes);
        Assert.Equal(2, set.TargetSize);
        Assert.Equal(new[] { 0.5f, 1f, 1.5f, 2f }, set.Features);
        Assert.Equal(new[] { 10f, 20f, 30f, 40f }, set.Targets);
    }

    [Fact]
    public void TargetModeByColumnNamesKeepsTheGivenOrder()
    {
        var set = CsvReader.ReadTargets(new StringReader("t2,x,t1,z\n2,5,1,6\n"), "s",
            new CsvOptions { TargetColumns = ["t1", "t2"] });

        Assert.Equal(new[] { 1f, 2f }, set.GetTargets(0).ToArray());
        Assert.Equal(new[] { 5f, 6f }, set.GetFeatures(0).ToArray());
    }

    [Fact]
    public void GzippedCsvIsRead()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("train.csv.gz", Idx.Gzip(System.Text.Encoding.UTF8.GetBytes("label,p\n1,2\n")));

        Dataset set = CsvReader.ReadClassification(path);

        Assert.Equal(new[] { 1 }, set.Labels);
        Assert.Equal(new[] { 2f }, set.Features);
    }

    [Fact]
    public void NonNumericValueNamesFileLineColumnAndText()
    {
        using var dir = new TempDirectory();
        string path = dir.WriteText("bad.csv", "label,a,b\n1,2,3\n0,4,x7\n");

        var e = Assert.Throws<InvalidDataException>(() => CsvReader.ReadClassification(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("line 3, column 3 ('b')", e.Message);
        Assert.Contains("'x7' is not a finite number", e.Message);
    }

    [Fact]
    public void NonNumericValueInHeaderlessFileWhenHeaderIsRuledOut()
    {
        var e = Assert.Throws<InvalidDataException>(() =>
            CsvReader.ReadTargets(new StringReader("1,abc\n"), "src", new CsvOptions { HasHeader = false }));
        Assert.Contains("'src', line 1, column 2: 'abc' is not a finite number", e.Message);
    }

    [Theory]
    [InlineData("1,2\n1,NaN\n")]
    [InlineData("1,2\n1,\n")]
    [InlineData("1,2\n1,Infinity\n")]
    public void MissingAndNonFiniteValuesAreRejected(string text)
    {
        var e = Assert.Throws<InvalidDataException>(() => CsvReader.ReadClassification(new StringReader(text), "src"));
        Assert.Contains("'src', line 2, column 2", e.Message);
    }

    [Theory]
    [InlineData("label,a,b\n1,2,3\n1,2\n", "line 3: 2 fields, expected 3 as in line 1 (the header)")]
    [InlineData("1,2,3\n1,2,3,4\n", "line 2: 4 fields, expected 3 as in line 1.")]
    public void RaggedRowIsRejected(string text, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => CsvReader.ReadClassification(new StringReader(text), "src"));
        Assert.Contains("'src', " + expected, e.Message);
    }

    [Theory]
    [InlineData("1.5", "label '1.5' is not an integer")]
    [InlineData("-1", "label '-1' is negative")]
    [InlineData("cat", "label 'cat' is not a number")]
    [InlineData("10", "label '10' is out of range for 10 classes")]
    public void BadLabelNamesLineColumnAndText(string label, string expected)
    {
        string text = $"label,a\n1,0\n{label},0\n";
        var e = Assert.Throws<InvalidDataException>(() =>
            CsvReader.ReadClassification(new StringReader(text), "src", new CsvOptions { Classes = 10 }));
        Assert.Contains("'src', line 3, column 1 ('label'): " + expected, e.Message);
    }

    [Fact]
    public void EmptyLineInTheMiddleIsRejected()
    {
        var e = Assert.Throws<InvalidDataException>(() => CsvReader.ReadClassification(new StringReader("1,2\n\n1,3\n"), "src"));
        Assert.Contains("'src', line 2: empty line in the middle of the data (more rows follow at line 3)", e.Message);
    }

    [Theory]
    [InlineData("", "the file is empty")]
    [InlineData("label,a\n\n", "no data rows after the header")]
    public void FilesWithoutDataAreRejected(string text, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => CsvReader.ReadClassification(new StringReader(text), "src"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void UnknownColumnNameIsRejected()
    {
        var e = Assert.Throws<InvalidDataException>(() => CsvReader.ReadTargets(new StringReader("a,b\n1,2\n"), "src",
            new CsvOptions { TargetColumns = ["y"] }));
        Assert.Contains("target column 'y' is not in the header (a, b)", e.Message);
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<FileNotFoundException>(() => CsvReader.ReadClassification(dir.File("none.csv")));
        Assert.Contains("none.csv", e.Message);
    }
}
