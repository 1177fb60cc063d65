using System;
using NetCompiler.Definitions.Seeds;

namespace NetCompiler.Definitions;

/// <summary>Seed 000's worked example, run by the compiled code and by the interpreted path side by side:
/// x = [0.7, 0.8], y = 1, one SGD step with eta = 0.1.</summary>
internal static class Seed000Command
{
    public static void Run()
    {
        float[] x = { 0.7f, 0.8f }, y = { 1f };
        const float eta = 0.1f;
        var compiled = new Seed000Net();
        var interpreted = new Seed000Net();

        float compiledLoss = compiled.ComputeGradients(x, y, 1);
        float interpretedLoss = Interpreter.ComputeGradients(interpreted, x, y, 1);
        Console.WriteLine("Seed 000: 2 -> 2 tanh -> 1 sigmoid, binary cross-entropy, x = [0.7, 0.8], y = 1, eta = 0.1");
        Console.WriteLine($"ISA: Vector512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, Vector256 {System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}");
        Console.WriteLine();
        Console.WriteLine($"{"",-30} {"compiled",12} {"interpreted",12}");
        Row("loss", new[] { compiledLoss }, new[] { interpretedLoss });
        foreach (var p in compiled.Parameters.Layout)
            Row("d loss / d " + p.Name, compiled.Parameters.GetGradients(p.Name).ToArray(), interpreted.Parameters.GetGradients(p.Name).ToArray(), p.Shape);

        compiled.TrainStep(x, y, 1, eta);
        Interpreter.TrainStep(interpreted, x, y, 1, eta);
        Console.WriteLine();
        Console.WriteLine("after one SGD step:");
        foreach (var p in compiled.Parameters.Layout)
            Row(p.Name, compiled.Parameters.GetValues(p.Name).ToArray(), interpreted.Parameters.GetValues(p.Name).ToArray(), p.Shape);
    }

    // One line per scalar, e.g. "hidden.weight[0, 1]", compiled beside interpreted.
    private static void Row(string name, float[] compiled, float[] interpreted, int[]? shape = null)
    {
        for (int i = 0; i < compiled.Length; i++)
        {
            string label = compiled.Length == 1 && shape is null ? name : $"{name}[{Index(i, shape ?? new[] { compiled.Length })}]";
            Console.WriteLine($"{label,-30} {compiled[i],12:F6} {interpreted[i],12:F6}");
        }
    }

    private static string Index(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--) { index[d] = flat % shape[d]; flat /= shape[d]; }
        return string.Join(", ", index);
    }
}
