using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace NetCompiler;

/// <summary>What <see cref="Checkpoint.Load"/> found besides the parameters.</summary>
/// <param name="State">Where training stood, if the file was written by a trainer (null for a plain weights file).</param>
/// <param name="OptimizerRestored">Whether the optimizer's state and step count were restored.</param>
/// <param name="Metadata">The file's <c>__metadata__</c> (string to string).</param>
/// <param name="Warnings">What was loaded but looks wrong, one sentence each, for the caller to show: parameters
/// holding NaN or infinite values (they load as saved, since a diverged run's last checkpoint is still worth
/// inspecting, but training from them fails). Empty when all is well.</param>
public sealed record CheckpointInfo(TrainingState? State, bool OptimizerRestored, IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<string> Warnings);

/// <summary>Saves and loads training checkpoints as safetensors files: every parameter under its definition name
/// (F32, the shape of <see cref="ParameterInfo.Shape"/>), the optimizer's state arrays as
/// <c>optimizer/&lt;slot&gt;/&lt;parameter&gt;</c> (a slash cannot occur in a definition name; F32 whatever the
/// optimizer's <see cref="Optimizer.StatePrecision"/>, so state saved in one precision loads into the other, rounded to
/// nearest when it loads into bfloat16), every buffer (batch
/// normalization's running statistics) as <c>buffers/&lt;name&gt;</c>, and the step count, optimizer, network,
/// <see cref="ParameterStore.RandomSeed"/>, <see cref="ParameterStore.RandomStep"/> and <see cref="TrainingState"/> in the metadata. Writing is atomic; loading
/// validates every name, dtype, shape and value first and changes nothing when it refuses. A weights file written by
/// another tool (PyTorch's <c>safetensors.torch.save_file</c> of a matching <c>state_dict</c>) loads too: there a buffer
/// has its plain name, and batch normalization's <c>num_batches_tracked</c> (unused with a momentum) is skipped.
/// <see cref="LoadMatching"/> loads only the tensors whose names the network has, for transfer learning.</summary>
/// <remarks>Values a run cannot reach are refused: a step count above <see cref="Optimizer.MaxStepCount"/>, optimizer
/// state no step produces (NaN; a negative Adam second moment), an epoch or batch above 2^31 - 2 (the trainer adds one
/// to them as ints), more epoch samples than a dataset holds (2^31 - 1) or than the batches done allow, and a non-finite
/// epoch loss sum.</remarks>
public static partial class Checkpoint
{
    private const string Prefix = "netcompiler.";
    private const string OptimizerPrefix = "optimizer/";
    private const string BufferPrefix = "buffers/";

    /// <summary>Writes <paramref name="network"/>'s parameters, and optionally the optimizer and training state, to
    /// <paramref name="path"/> (atomically: a crash leaves the previous file intact).</summary>
    public static void Save(string path, INetwork network, Optimizer? optimizer = null, TrainingState? state = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        var store = network.Parameters;
        var tensors = new List<NamedTensor>();
        foreach (var p in store.Layout)
            tensors.Add(new NamedTensor(p.Name, p.Shape, store.Values.AsMemory(p.Offset, p.Length)));
        foreach (var b in store.BufferLayout)
            tensors.Add(new NamedTensor(BufferPrefix + b.Name, b.Shape, store.Buffers.AsMemory(b.Offset, b.Length)));
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata is not null) foreach (var (k, v) in metadata) meta[k] = v;
        meta["format"] = "pt";   // what PyTorch's loader expects; the tensors are plain F32 by name
        meta[Prefix + "network"] = network.GetType().Name;
        meta[Prefix + "random_seed"] = store.RandomSeed.ToString(CultureInfo.InvariantCulture);
        meta[Prefix + "random_step"] = store.RandomStep.ToString(CultureInfo.InvariantCulture);
        if (optimizer is not null)
        {
            optimizer.Attach(store);
            meta[Prefix + "optimizer"] = optimizer.Name;
            meta[Prefix + "optimizer.steps"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture);
            for (int slot = 0; slot < optimizer.StateSlots.Count; slot++)
            {
                // As float32 whatever the state's precision: bfloat16 widens exactly, and the file loads into either.
                float[] values = optimizer.StatePrecision == StatePrecision.Float32 ? optimizer.GetState(slot) : new float[store.Count];
                if (optimizer.StatePrecision != StatePrecision.Float32) optimizer.CopyState(slot, values);
                foreach (var p in store.Layout)
                    tensors.Add(new NamedTensor(StateName(optimizer, slot, p), p.Shape, values.AsMemory(p.Offset, p.Length)));
            }
        }
        if (state is not null)
        {
            meta[Prefix + "epoch"] = state.Epoch.ToString(CultureInfo.InvariantCulture);
            meta[Prefix + "batch"] = state.Batch.ToString(CultureInfo.InvariantCulture);
            // The exact bits, so a resumed run reports the same epoch loss as an uninterrupted one.
            meta[Prefix + "epoch_loss_sum"] = BitConverter.DoubleToInt64Bits(state.EpochLossSum).ToString("X16", CultureInfo.InvariantCulture);
            meta[Prefix + "epoch_samples"] = state.EpochSamples.ToString(CultureInfo.InvariantCulture);
        }
        SafeTensors.Write(path, tensors, meta);
    }

    /// <summary>Loads <paramref name="path"/> into <paramref name="network"/> (and <paramref name="optimizer"/> when the
    /// file holds that optimizer's state). Every check happens before anything is written: a missing or extra
    /// tensor, a non-float dtype, a shape that differs, optimizer state of another kind or with values no step
    /// produces, or a step count or training state out of range makes it throw <see cref="InvalidDataException"/>
    /// naming the tensor or metadata key, with the network and optimizer unchanged. Parameters that are NaN or infinite
    /// load, with a <see cref="CheckpointInfo.Warnings">warning</see>. Only the tensors used are read, one at a time.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not valid safetensors or does not match the network.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="optimizer"/> already holds state for another network.</exception>
    public static CheckpointInfo Load(string path, INetwork network, Optimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        using var file = SafeTensors.Read(path);
        var store = network.Parameters;
        string net = network.GetType().Name;
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in store.Layout)
        {
            expected.Add(p.Name);
            Check(file, p.Name, p.Shape, $"parameter of {net}");
        }
        // A buffer is buffers/<name> in our checkpoints and <name> in a PyTorch state_dict.
        var bufferNames = new string[store.BufferLayout.Count];
        for (int i = 0; i < bufferNames.Length; i++)
        {
            var b = store.BufferLayout[i];
            bufferNames[i] = file.Contains(BufferPrefix + b.Name) || !file.Contains(b.Name) ? BufferPrefix + b.Name : b.Name;
            expected.Add(bufferNames[i]);
            Check(file, bufferNames[i], b.Shape, $"buffer of {net}");
        }

        file.Metadata.TryGetValue(Prefix + "optimizer", out string? savedOptimizer);
        bool restoreOptimizer = optimizer is not null && savedOptimizer is not null;
        if (restoreOptimizer)
        {
            optimizer!.Attach(store);   // an optimizer bound to another network throws here, before anything is written
            if (savedOptimizer != optimizer.Name)
                throw Refuse(file, $"it holds the state of a '{savedOptimizer}' optimizer; the optimizer given is '{optimizer.Name}'. Pass no optimizer to load the parameters alone.");
            for (int slot = 0; slot < optimizer.StateSlots.Count; slot++)
                foreach (var p in store.Layout)
                {
                    string name = StateName(optimizer, slot, p);
                    expected.Add(name);
                    Check(file, name, p.Shape, $"'{optimizer.Name}' optimizer state");
                }
        }
        foreach (var t in file.Tensors)
        {
            if (expected.Contains(t.Name) || IsPyTorchBatchCount(store, t.Name)) continue;
            if (t.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && !restoreOptimizer) continue;
            throw Refuse(file, $"tensor '{t.Name}' {t.ShapeText} is not a parameter of {net} (its parameters: {string.Join(", ", NamesOf(store))}).");
        }
        long steps = restoreOptimizer ? ReadCount(file, "optimizer.steps", Optimizer.MaxStepCount) : 0;
        // The dropout masks of a resumed run continue as they would have: same seed, next step.
        long randomStep = file.Metadata.ContainsKey(Prefix + "random_step") ? ReadCount(file, "random_step", long.MaxValue) : store.RandomStep;
        int randomSeed = file.Metadata.TryGetValue(Prefix + "random_seed", out string? seedText)
            ? (int.TryParse(seedText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int seed) ? seed
                : throw Refuse(file, $"metadata '{Prefix}random_seed' is '{seedText}', not a 32-bit integer."))
            : store.RandomSeed;
        var state = ReadState(file);

        // Names and metadata are valid; read into staging buffers, check the values, then commit in one go.
        var values = new float[store.Count];
        var warnings = new List<string>();
        foreach (var p in store.Layout)
        {
            var span = values.AsSpan(p.Offset, p.Length);
            file.ReadFloats(p.Name, span);
            int nonFinite = CountNonFinite(span);
            if (nonFinite > 0)
                warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"Checkpoint '{file.Path}': parameter '{p.Name}' has {nonFinite} of {p.Length} values NaN or infinite; loaded as saved, but training from it will fail."));
        }
        var buffers = new float[store.Buffers.Length];
        for (int i = 0; i < bufferNames.Length; i++)
        {
            var b = store.BufferLayout[i];
            var span = buffers.AsSpan(b.Offset, b.Length);
            file.ReadFloats(bufferNames[i], span);
            if (CountNonFinite(span) is var nonFinite and > 0)
                warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"Checkpoint '{file.Path}': buffer '{b.Name}' has {nonFinite} of {b.Length} values NaN or infinite; loaded as saved, but inference from it will fail."));
        }
        float[][]? optimizerState = null;
        if (restoreOptimizer)
        {
            optimizerState = new float[optimizer!.StateSlots.Count][];
            for (int slot = 0; slot < optimizerState.Length; slot++)
            {
                optimizerState[slot] = new float[store.Count];
                foreach (var p in store.Layout)
                {
                    var span = optimizerState[slot].AsSpan(p.Offset, p.Length);
                    file.ReadFloats(StateName(optimizer, slot, p), span);
                    if (optimizer.ImpossibleState(slot, span) is { } problem)
                        throw Refuse(file, $"tensor '{StateName(optimizer, slot, p)}' holds {problem}.");
                }
            }
        }
        values.CopyTo(store.Values.AsSpan());
        buffers.CopyTo(store.Buffers.AsSpan());
        store.RandomStep = randomStep;
        store.RandomSeed = randomSeed;
        if (optimizerState is not null && optimizer is not null)
        {
            for (int slot = 0; slot < optimizerState.Length; slot++) optimizer.SetState(slot, optimizerState[slot]);
            optimizer.RestoreStepCount(steps);
        }
        return new CheckpointInfo(state, restoreOptimizer, file.Metadata, warnings);
    }

    /// <summary>Whether <paramref name="name"/> is PyTorch's <c>&lt;layer&gt;.num_batches_tracked</c> of a batch
    /// normalization this network has (a layer with a <c>running_mean</c> buffer).</summary>
    private static bool IsPyTorchBatchCount(ParameterStore store, string name)
    {
        const string suffix = ".num_batches_tracked";
        if (!name.EndsWith(suffix, StringComparison.Ordinal)) return false;
        string layer = name.Substring(0, name.Length - suffix.Length);
        foreach (var b in store.BufferLayout)
            if (b.Name == layer + ".running_mean") return true;
        return false;
    }

    private static int CountNonFinite(ReadOnlySpan<float> values)
    {
        int count = 0;
        foreach (float v in values) if (!float.IsFinite(v)) count++;
        return count;
    }

    private static string StateName(Optimizer optimizer, int slot, ParameterInfo p) => OptimizerPrefix + optimizer.StateSlots[slot] + "/" + p.Name;

    /// <summary>Refuses tensor <paramref name="name"/> unless the file has it as floats of <paramref name="shape"/>;
    /// <paramref name="remedy"/>, if given, ends the message of a wrong dtype or shape.</summary>
    private static void Check(SafeTensorsFile file, string name, int[] shape, string what, string remedy = "")
    {
        if (!file.Contains(name))
            throw Refuse(file, $"it has no tensor '{name}' ({what}, shape [{string.Join(", ", shape)}]).");
        var info = file.Get(name);
        if (!info.CanReadFloats)
            throw Refuse(file, $"tensor '{name}' has dtype {info.DType}; a {what} needs a floating-point dtype (F32, F16, BF16 or F64).{remedy}");
        if (!info.HasShape(shape))
            throw Refuse(file, $"tensor '{name}' has shape {info.ShapeText}; the {what} has shape [{string.Join(", ", shape)}].{remedy}");
    }

    private static TrainingState? ReadState(SafeTensorsFile file)
    {
        if (!file.Metadata.ContainsKey(Prefix + "epoch")) return null;
        // The trainer adds one to the epoch and the batch as ints (epoch + 1 is the number it reports), and an epoch
        // goes over one dataset, which holds at most int.MaxValue samples.
        long epoch = ReadCount(file, "epoch", int.MaxValue - 1);
        long batch = ReadCount(file, "batch", int.MaxValue - 1);
        long samples = ReadCount(file, "epoch_samples", int.MaxValue);
        // Every batch has a sample, and none has run at the start of an epoch.
        if (batch == 0 ? samples != 0 : samples < batch)
            throw Refuse(file, $"its metadata '{Prefix}epoch_samples' is {samples} after {batch} batches of the epoch; each batch has at least one sample.");
        string key = Prefix + "epoch_loss_sum";
        if (!file.Metadata.TryGetValue(key, out string? lossBits)
            || !long.TryParse(lossBits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long bits))
            throw Refuse(file, $"its training state has no valid '{key}' (the sum's bits in hexadecimal).");
        double lossSum = BitConverter.Int64BitsToDouble(bits);
        // The trainer stops at the first loss that is not finite, so no sum of the ones it accepted is.
        if (!double.IsFinite(lossSum))
            throw Refuse(file, $"its metadata '{key}' is {lossSum.ToString(CultureInfo.InvariantCulture)}, which no training run sums to.");
        return new TrainingState((int)epoch, (int)batch, lossSum, samples);
    }

    /// <summary>Metadata <c>netcompiler.&lt;key&gt;</c> as a whole number from 0 to <paramref name="max"/>.</summary>
    private static long ReadCount(SafeTensorsFile file, string key, long max)
    {
        if (!file.Metadata.TryGetValue(Prefix + key, out string? text))
            throw Refuse(file, $"its metadata has no '{Prefix}{key}'.");
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value > max)
            throw Refuse(file, $"its metadata '{Prefix}{key}' is \"{text}\", not a whole number from 0 to {max}.");
        return value;
    }

    private static IEnumerable<string> NamesOf(ParameterStore store)
    {
        foreach (var p in store.Layout) yield return p.Name;
    }

    private static InvalidDataException Refuse(SafeTensorsFile file, string why) =>
        new($"Checkpoint '{file.Path}' was not loaded (nothing changed): {why}");
}
