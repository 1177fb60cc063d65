using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace NetCompiler;

/// <summary>What <see cref="Checkpoint.Load"/> found besides the parameters.</summary>
/// <param name="State">Where training stood, if the file was written by a trainer (null for a plain weights file).</param>
/// <param name="OptimizerRestored">Whether the optimizer's state and step count were restored.</param>
/// <param name="Metadata">The file's <c>__metadata__</c> (string to string).</param>
public sealed record CheckpointInfo(TrainingState? State, bool OptimizerRestored, IReadOnlyDictionary<string, string> Metadata);

/// <summary>Saves and loads training checkpoints as safetensors files: every parameter under its definition name
/// (F32, the shape of <see cref="ParameterInfo.Shape"/>), the optimizer's state arrays as
/// <c>optimizer/&lt;slot&gt;/&lt;parameter&gt;</c> (a slash cannot occur in a definition name), and the step
/// count, optimizer, network and <see cref="TrainingState"/> in the metadata. Writing is atomic; loading
/// validates every name, dtype and shape first and changes nothing when it refuses. A weights file written by
/// another tool (PyTorch's <c>safetensors.torch.save_file</c> of a matching <c>state_dict</c>) loads too.</summary>
public static class Checkpoint
{
    private const string Prefix = "netcompiler.";
    private const string OptimizerPrefix = "optimizer/";

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
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata is not null) foreach (var (k, v) in metadata) meta[k] = v;
        meta["format"] = "pt";   // what PyTorch's loader expects; the tensors are plain F32 by name
        meta[Prefix + "network"] = network.GetType().Name;
        if (optimizer is not null)
        {
            optimizer.Attach(store);
            meta[Prefix + "optimizer"] = optimizer.Name;
            meta[Prefix + "optimizer.steps"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture);
            for (int slot = 0; slot < optimizer.StateSlots.Count; slot++)
                foreach (var p in store.Layout)
                    tensors.Add(new NamedTensor(StateName(optimizer, slot, p), p.Shape, optimizer.GetState(slot).AsMemory(p.Offset, p.Length)));
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
    /// tensor, a non-float dtype, a shape that differs, or optimizer state of another kind makes it throw
    /// <see cref="InvalidDataException"/> naming the tensor, with the network and optimizer unchanged.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not valid safetensors or does not match the network.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="optimizer"/> already holds state for another network.</exception>
    public static CheckpointInfo Load(string path, INetwork network, Optimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        var file = SafeTensors.Read(path);
        var store = network.Parameters;
        string net = network.GetType().Name;
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in store.Layout)
        {
            expected.Add(p.Name);
            Check(file, p.Name, p.Shape, $"parameter of {net}");
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
            if (expected.Contains(t.Name)) continue;
            if (t.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && !restoreOptimizer) continue;
            throw Refuse(file, $"tensor '{t.Name}' {t.ShapeText} is not a parameter of {net} (its parameters: {string.Join(", ", NamesOf(store))}).");
        }
        long steps = 0;
        if (restoreOptimizer && !TryParse(file, "optimizer.steps", out steps))
            throw Refuse(file, $"its metadata has optimizer state but no valid '{Prefix}optimizer.steps'.");
        var state = ReadState(file);

        // Everything is validated; read into staging buffers, then commit in one go.
        var values = new float[store.Count];
        foreach (var p in store.Layout) file.ReadFloats(p.Name, values.AsSpan(p.Offset, p.Length));
        float[][]? optimizerState = null;
        if (restoreOptimizer)
        {
            optimizerState = new float[optimizer!.StateSlots.Count][];
            for (int slot = 0; slot < optimizerState.Length; slot++)
            {
                optimizerState[slot] = new float[store.Count];
                foreach (var p in store.Layout) file.ReadFloats(StateName(optimizer, slot, p), optimizerState[slot].AsSpan(p.Offset, p.Length));
            }
        }
        values.CopyTo(store.Values.AsSpan());
        if (optimizerState is not null && optimizer is not null)
        {
            for (int slot = 0; slot < optimizerState.Length; slot++) optimizerState[slot].CopyTo(optimizer.GetState(slot).AsSpan());
            optimizer.RestoreStepCount(steps);
        }
        return new CheckpointInfo(state, restoreOptimizer, file.Metadata);
    }

    private static string StateName(Optimizer optimizer, int slot, ParameterInfo p) => OptimizerPrefix + optimizer.StateSlots[slot] + "/" + p.Name;

    private static void Check(SafeTensorsFile file, string name, int[] shape, string what)
    {
        if (!file.Contains(name))
            throw Refuse(file, $"it has no tensor '{name}' ({what}, shape [{string.Join(", ", shape)}]).");
        var info = file.Get(name);
        if (!info.CanReadFloats)
            throw Refuse(file, $"tensor '{name}' has dtype {info.DType}; a {what} needs a floating-point dtype (F32, F16, BF16 or F64).");
        if (!info.HasShape(shape))
            throw Refuse(file, $"tensor '{name}' has shape {info.ShapeText}; the {what} has shape [{string.Join(", ", shape)}].");
    }

    private static TrainingState? ReadState(SafeTensorsFile file)
    {
        if (!file.Metadata.ContainsKey(Prefix + "epoch")) return null;
        if (!TryParse(file, "epoch", out long epoch) || !TryParse(file, "batch", out long batch) || !TryParse(file, "epoch_samples", out long samples)
            || !file.Metadata.TryGetValue(Prefix + "epoch_loss_sum", out string? lossBits)
            || !long.TryParse(lossBits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long bits)
            || epoch > int.MaxValue || batch > int.MaxValue)
            throw Refuse(file, $"its training state metadata ({Prefix}epoch, batch, epoch_loss_sum, epoch_samples) is incomplete or malformed.");
        return new TrainingState((int)epoch, (int)batch, BitConverter.Int64BitsToDouble(bits), samples);
    }

    private static bool TryParse(SafeTensorsFile file, string key, out long value)
    {
        value = 0;
        return file.Metadata.TryGetValue(Prefix + key, out string? text)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static IEnumerable<string> NamesOf(ParameterStore store)
    {
        foreach (var p in store.Layout) yield return p.Name;
    }

    private static InvalidDataException Refuse(SafeTensorsFile file, string why) =>
        new($"Checkpoint '{file.Path}' was not loaded (nothing changed): {why}");
}
