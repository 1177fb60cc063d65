using System;
using System.Collections.Generic;
using System.Globalization;

namespace NetCompiler;

/// <summary>
/// An in-memory dataset: <see cref="Count"/> samples of <see cref="FeatureSize"/> floats each, with either a class
/// label per sample (classification) or <see cref="TargetSize"/> target floats per sample (regression and other
/// arbitrary targets). Features and targets are flat row-major arrays, the layout a training step reads a batch
/// from without copying.
/// </summary>
/// <remarks>
/// The constructors take ownership of the arrays they are given (no copy: a dataset can be tens of megabytes);
/// callers must not change them afterwards. <see cref="Slice"/> and <see cref="Split"/> copy.
/// </remarks>
public sealed class Dataset
{
    /// <summary>Creates a classification dataset.</summary>
    /// <param name="name">A short name for messages, e.g. <c>fashion-mnist train</c>.</param>
    /// <param name="features"><c>Count * featureSize</c> floats, one row per sample.</param>
    /// <param name="featureSize">Floats per sample; positive.</param>
    /// <param name="labels">One class index per sample, each in <c>[0, classes)</c>.</param>
    /// <param name="classes">Number of classes; positive.</param>
    /// <exception cref="ArgumentException">The sizes are inconsistent or a label is out of range.</exception>
    public Dataset(string name, float[] features, int featureSize, int[] labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(labels);
        int count = CheckFeatures(name, features, featureSize);
        if (classes <= 0)
            throw new ArgumentException($"Dataset '{name}': classes must be positive, got {classes}.", nameof(classes));
        if (labels.Length != count)
            throw new ArgumentException(
                $"Dataset '{name}': {labels.Length} labels for {count} samples ({features.Length} features / feature size {featureSize}).",
                nameof(labels));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentException(
                    $"Dataset '{name}': sample {i} has label {labels[i]}, outside [0, {classes}).", nameof(labels));
        }

        Name = name;
        Features = features;
        FeatureSize = featureSize;
        Count = count;
        Labels = labels;
        Classes = classes;
    }

    /// <summary>Creates a dataset with arbitrary float targets (regression, multi-output, autoencoders).</summary>
    /// <param name="name">A short name for messages.</param>
    /// <param name="features"><c>Count * featureSize</c> floats, one row per sample.</param>
    /// <param name="featureSize">Floats per sample; positive.</param>
    /// <param name="targets"><c>Count * targetSize</c> floats, one row per sample.</param>
    /// <param name="targetSize">Target floats per sample; positive.</param>
    /// <exception cref="ArgumentException">The sizes are inconsistent.</exception>
    public Dataset(string name, float[] features, int featureSize, float[] targets, int targetSize)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(targets);
        int count = CheckFeatures(name, features, featureSize);
        if (targetSize <= 0)
            throw new ArgumentException($"Dataset '{name}': target size must be positive, got {targetSize}.", nameof(targetSize));
        if ((long)count * targetSize != targets.Length)
            throw new ArgumentException(
                $"Dataset '{name}': {targets.Length} target values for {count} samples of target size {targetSize} " +
                $"(expected {(long)count * targetSize}).", nameof(targets));

        Name = name;
        Features = features;
        FeatureSize = featureSize;
        Count = count;
        Targets = targets;
        TargetSize = targetSize;
    }

    /// <summary>A short name for messages.</summary>
    public string Name { get; }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Floats per sample.</summary>
    public int FeatureSize { get; }

    /// <summary>All features, <c>Count * FeatureSize</c> floats, row-major.</summary>
    public float[] Features { get; }

    /// <summary>Class index per sample; <see langword="null"/> for a target dataset.</summary>
    public int[]? Labels { get; }

    /// <summary>Number of classes; 0 for a target dataset.</summary>
    public int Classes { get; }

    /// <summary>All targets, <c>Count * TargetSize</c> floats, row-major; <see langword="null"/> for a classification dataset.</summary>
    public float[]? Targets { get; }

    /// <summary>Target floats per sample; 0 for a classification dataset.</summary>
    public int TargetSize { get; }

    /// <summary>Whether samples carry class labels (rather than float targets).</summary>
    public bool IsClassification => Labels is not null;

    /// <summary>The features of sample <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in <c>[0, Count)</c>.</exception>
    public ReadOnlySpan<float> GetFeatures(int index)
    {
        CheckIndex(index);
        return new ReadOnlySpan<float>(Features, index * FeatureSize, FeatureSize);
    }

    /// <summary>The targets of sample <paramref name="index"/>.</summary>
    /// <exception cref="InvalidOperationException">This is a classification dataset.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in <c>[0, Count)</c>.</exception>
    public ReadOnlySpan<float> GetTargets(int index)
    {
        if (Targets is null) throw new InvalidOperationException($"Dataset '{Name}' has class labels, not targets.");
        CheckIndex(index);
        return new ReadOnlySpan<float>(Targets, index * TargetSize, TargetSize);
    }

    /// <summary>Copies samples <c>[start, start + count)</c> into a new dataset of the same kind.</summary>
    /// <param name="start">First sample.</param>
    /// <param name="count">Number of samples; may be 0.</param>
    /// <param name="name">Name of the slice; defaults to <c>Name[start..end)</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the dataset.</exception>
    public Dataset Slice(int start, int count, string? name = null)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentOutOfRangeException(nameof(count),
                $"Slice [{start}, {(long)start + count}) is outside dataset '{Name}' of {Count} samples.");
        name ??= string.Create(CultureInfo.InvariantCulture, $"{Name}[{start}..{start + count})");
        float[] features = Features.AsSpan(start * FeatureSize, count * FeatureSize).ToArray();
        return Labels is not null
            ? new Dataset(name, features, FeatureSize, Labels.AsSpan(start, count).ToArray(), Classes)
            : new Dataset(name, features, FeatureSize, Targets!.AsSpan(start * TargetSize, count * TargetSize).ToArray(), TargetSize);
    }

    /// <summary>Copies the samples whose label is one of <paramref name="classes"/>, in order, relabelled by the class's
    /// position in the list: <c>SelectClasses([5, 6, 7, 8, 9])</c> keeps five classes as labels 0 to 4, the new task of
    /// transfer learning (seed 004, 2.4). The result has <c>classes.Count</c> classes.</summary>
    /// <param name="classes">Distinct labels of this dataset, in the order that gives the new labels; at least one.</param>
    /// <param name="name">Name of the subset; defaults to <c>Name[classes 5,6,7,8,9]</c>.</param>
    /// <exception cref="InvalidOperationException">This is a target dataset (no labels).</exception>
    /// <exception cref="ArgumentException"><paramref name="classes"/> is empty, repeats a label or names one outside
    /// <c>[0, Classes)</c>.</exception>
    public Dataset SelectClasses(IReadOnlyList<int> classes, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(classes);
        if (Labels is null) throw new InvalidOperationException($"Dataset '{Name}' has targets, not class labels, so it has no classes to select.");
        if (classes.Count == 0) throw new ArgumentException($"Select at least one class of dataset '{Name}'.", nameof(classes));
        var newLabel = new int[Classes];
        Array.Fill(newLabel, -1);
        for (int i = 0; i < classes.Count; i++)
        {
            int c = classes[i];
            if ((uint)c >= (uint)Classes)
                throw new ArgumentException($"Class {c} is outside dataset '{Name}''s classes [0, {Classes}).", nameof(classes));
            if (newLabel[c] >= 0) throw new ArgumentException($"Class {c} is selected twice.", nameof(classes));
            newLabel[c] = i;
        }
        int count = 0;
        foreach (int label in Labels) if (newLabel[label] >= 0) count++;
        var features = new float[count * FeatureSize];
        var labels = new int[count];
        int next = 0;
        for (int i = 0; i < Count; i++)
        {
            if (newLabel[Labels[i]] < 0) continue;
            Features.AsSpan(i * FeatureSize, FeatureSize).CopyTo(features.AsSpan(next * FeatureSize));
            labels[next++] = newLabel[Labels[i]];
        }
        name ??= string.Create(CultureInfo.InvariantCulture, $"{Name}[classes {string.Join(",", classes)}]");
        return new Dataset(name, features, FeatureSize, labels, classes.Count);
    }

    /// <summary>Splits into the first <paramref name="firstCount"/> samples and the rest, in order (both copies).
    /// Shuffle beforehand if the order of the samples is meaningful.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="firstCount"/> is not in <c>[0, Count]</c>.</exception>
    public (Dataset First, Dataset Second) Split(int firstCount)
    {
        if ((uint)firstCount > (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(firstCount),
                $"Cannot split dataset '{Name}' of {Count} samples after sample {firstCount}.");
        return (Slice(0, firstCount), Slice(firstCount, Count - firstCount));
    }

    /// <summary>A one-line summary, e.g. <c>mnist: 60000 x 784, 10 classes</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: {Count} x {FeatureSize}, {(IsClassification ? $"{Classes} classes" : $"{TargetSize} targets")}");

    private static int CheckFeatures(string name, float[] features, int featureSize)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (featureSize <= 0)
            throw new ArgumentException($"Dataset '{name}': feature size must be positive, got {featureSize}.", nameof(featureSize));
        if (features.Length % featureSize != 0)
            throw new ArgumentException(
                $"Dataset '{name}': {features.Length} feature values is not a multiple of the feature size {featureSize}.",
                nameof(features));
        return features.Length / featureSize;
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Dataset '{Name}' has {Count} samples.");
    }
}
