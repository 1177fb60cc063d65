using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace NetCompiler;

public static partial class Checkpoint
{
    /// <summary>Loads the tensors of <paramref name="path"/> whose names <paramref name="network"/> has, for transfer
    /// learning (seed 004, 2.4): a pretrained backbone goes into a network with a new head. Every parameter and buffer
    /// (batch normalization's running statistics) whose name is in the file with the same shape is copied; a file
    /// tensor the network does not have, and a network tensor the file does not have, are skipped and reported. A
    /// name that matches with another shape (an old 10-class head <c>fc3.weight</c> [10, 84] against a new 5-class
    /// one [5, 84]) is not skipped but refused: leave it out with <paramref name="include"/>.</summary>
    /// <remarks>Everything is checked and read into staging arrays first, and the network changes only when all of
    /// it succeeded. Only values are copied: the optimizer state and training state a file may hold are never loaded
    /// (a new task starts its own), and the network's <see cref="ParameterStore.RandomSeed"/> and
    /// <see cref="ParameterStore.RandomStep"/> and its frozen parameters are left as they are; freeze what was
    /// loaded with <see cref="ParameterStore.Freeze"/> to train the head alone. Unlike <see cref="Load"/>, a NaN or
    /// infinite value is refused, since the point of this load is to train from it.</remarks>
    /// <param name="path">A safetensors file: a checkpoint of another network, or a PyTorch <c>state_dict</c>.</param>
    /// <param name="network">The network to load into.</param>
    /// <param name="include">Which of the network's parameters and buffers (by definition name, e.g.
    /// <c>fc3.weight</c>, <c>norm.running_mean</c>) may be loaded; null for all. A rejected match is reported as
    /// <see cref="PartialLoadReport.Excluded"/> and its shape is not checked.</param>
    /// <returns>What was loaded and what was skipped on either side.</returns>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not valid safetensors, or a matching tensor has another shape,
    /// a dtype that is not floating point, or a value that is NaN or infinite; the message names the tensor (and
    /// both shapes), and nothing was loaded.</exception>
    public static PartialLoadReport LoadMatching(string path, INetwork network, Func<string, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        using var file = SafeTensors.Read(path);
        var store = network.Parameters;
        string net = network.GetType().Name;
        const string remedy = " Leave it out with the include filter to load the rest.";
        var matched = new HashSet<string>(StringComparer.Ordinal);
        var targets = new List<(string FileName, ParameterInfo Info, float[] Storage)>();
        var notInFile = new List<string>();
        var excluded = new List<string>();

        void Match(string fileName, ParameterInfo info, float[] storage, string reportName, string what)
        {
            if (!file.Contains(fileName)) { notInFile.Add(reportName); return; }
            matched.Add(fileName);
            if (include is not null && !include(info.Name)) { excluded.Add(fileName); return; }
            Check(file, fileName, info.Shape, what, remedy);
            targets.Add((fileName, info, storage));
        }

        foreach (var p in store.Layout)
            Match(p.Name, p, store.Values, p.Name, $"parameter of {net}");
        // A buffer is buffers/<name> in our checkpoints and <name> in a PyTorch state_dict.
        foreach (var b in store.BufferLayout)
        {
            string fileName = file.Contains(BufferPrefix + b.Name) || !file.Contains(b.Name) ? BufferPrefix + b.Name : b.Name;
            Match(fileName, b, store.Buffers, BufferPrefix + b.Name, $"buffer of {net}");
        }

        var staged = new float[targets.Count][];
        for (int i = 0; i < staged.Length; i++)
        {
            var (fileName, info, _) = targets[i];
            staged[i] = new float[info.Length];
            file.ReadFloats(fileName, staged[i]);
            if (CountNonFinite(staged[i]) is var nonFinite and > 0)
                throw Refuse(file, string.Create(CultureInfo.InvariantCulture,
                    $"tensor '{fileName}' has {nonFinite} of {info.Length} values NaN or infinite; a partial load is for training from, and training from them fails.{remedy}"));
        }
        var loaded = new string[targets.Count];
        for (int i = 0; i < staged.Length; i++)
        {
            var (fileName, info, storage) = targets[i];
            staged[i].CopyTo(storage, info.Offset);
            loaded[i] = fileName;
        }
        var notInNetwork = new List<string>();
        foreach (var t in file.Tensors)
            if (!matched.Contains(t.Name)) notInNetwork.Add(t.Name);
        return new PartialLoadReport(loaded, notInNetwork, notInFile, excluded);
    }
}
