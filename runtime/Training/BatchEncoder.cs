using System;
using System.Globalization;

namespace NetCompiler;

/// <summary>Turns dataset samples into the flat input and target buffers a network takes, and scores outputs
/// against labels. A class label becomes what the network's loss expects: the index itself when the target is one
/// value and the output has several (cross-entropy with class indices), a one-hot vector when the target has one
/// entry per class (quadratic cost as in seed 001), or 0/1 when a single output scores two classes.</summary>
internal sealed class BatchEncoder
{
    private enum TargetKind { Copy, ClassIndex, OneHot, Binary }

    private readonly Dataset _data;
    private readonly TargetKind _kind;
    private readonly string _network;

    public BatchEncoder(INetwork network, Dataset data)
    {
        _data = data;
        InputSize = Shapes.Size(network.InputShape);
        OutputSize = Shapes.Size(network.OutputShape);
        TargetSize = Shapes.Size(network.TargetShape);
        string net = _network = network.GetType().Name;
        if (data.FeatureSize != InputSize)
            throw new ArgumentException($"{net} takes {InputSize} inputs per sample ({Shapes.Text(network.InputShape)}); dataset '{data.Name}' has {data.FeatureSize} features.");
        if (data.Labels is null)
        {
            if (data.TargetSize != TargetSize)
                throw new ArgumentException($"{net} compares its output with {TargetSize} target values per sample; dataset '{data.Name}' has {data.TargetSize}.");
            _kind = TargetKind.Copy;
        }
        else if (TargetSize == 1 && OutputSize > 1)
        {
            if (data.Classes > OutputSize)
                throw new ArgumentException($"Dataset '{data.Name}' has {data.Classes} classes; {net} outputs {OutputSize} scores.");
            _kind = TargetKind.ClassIndex;
        }
        else if (TargetSize == 1 && OutputSize == 1 && data.Classes <= 2) _kind = TargetKind.Binary;
        else if (TargetSize == data.Classes && TargetSize == OutputSize) _kind = TargetKind.OneHot;
        else
            throw new ArgumentException($"Cannot turn the class labels of dataset '{data.Name}' ({data.Classes} classes) into targets for {net}: it outputs {OutputSize} values and its loss takes {TargetSize} target values per sample. Use 1 target value (a class index) or one per class (one-hot).");
    }

    public int InputSize { get; }
    public int OutputSize { get; }
    public int TargetSize { get; }

    /// <summary>Samples the batch buffers hold for batches of <paramref name="batchSize"/>: at most the dataset, since a
    /// batch size above it means one batch of the whole set.</summary>
    /// <exception cref="ArgumentException">The inputs, targets or outputs of such a batch would not fit in one array;
    /// the message names <paramref name="option"/> and the largest batch size that fits.</exception>
    public int BatchRows(int batchSize, string option)
    {
        int rows = Math.Min(batchSize, _data.Count);
        var (width, what) = InputSize >= Math.Max(TargetSize, OutputSize) ? (InputSize, "inputs")
            : TargetSize >= OutputSize ? (TargetSize, "target values") : (OutputSize, "outputs");
        if ((long)rows * width <= Array.MaxLength) return rows;
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
            $"{option} {batchSize} is too large for {_network} on dataset '{_data.Name}': {rows:N0} samples of {width:N0} {what} " +
            $"are more than the {Array.MaxLength:N0} values one array holds. Use a batch size of at most {Array.MaxLength / width:N0}."));
    }

    /// <summary>Copies samples <c>order[start .. start + count)</c> (or <c>start ..</c> without an order).</summary>
    public void Fill(ReadOnlySpan<int> order, int start, int count, Span<float> inputs, Span<float> targets)
    {
        for (int s = 0; s < count; s++)
        {
            int i = order.IsEmpty ? start + s : order[start + s];
            _data.Features.AsSpan(i * InputSize, InputSize).CopyTo(inputs.Slice(s * InputSize, InputSize));
            var t = targets.Slice(s * TargetSize, TargetSize);
            switch (_kind)
            {
                case TargetKind.Copy: _data.Targets.AsSpan(i * TargetSize, TargetSize).CopyTo(t); break;
                case TargetKind.ClassIndex or TargetKind.Binary: t[0] = _data.Labels![i]; break;
                default: t.Clear(); t[_data.Labels![i]] = 1f; break;
            }
        }
    }

    /// <summary>Counts correct predictions of <paramref name="count"/> outputs against the labels of the samples
    /// starting at <paramref name="start"/> (in dataset order). Returns 0 for datasets without labels.</summary>
    public int CountCorrect(ReadOnlySpan<float> outputs, int start, int count)
    {
        if (_data.Labels is null) return 0;
        int correct = 0;
        for (int s = 0; s < count; s++)
        {
            var y = outputs.Slice(s * OutputSize, OutputSize);
            int predicted = OutputSize == 1 ? (y[0] >= 0.5f ? 1 : 0) : ArgMax(y);
            if (predicted == _data.Labels[start + s]) correct++;
        }
        return correct;
    }

    private static int ArgMax(ReadOnlySpan<float> y)
    {
        int best = 0;
        for (int j = 1; j < y.Length; j++) if (y[j] > y[best]) best = j;
        return best;
    }
}
