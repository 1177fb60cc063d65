using System;
using NetCompiler.Tests.Data;

namespace NetCompiler.Tests.Definitions;

/// <summary>A small synthetic directory shaped like Fashion-MNIST (the four IDX files) for the main job's tests.</summary>
internal static class LearnableFashionSet
{
    /// <summary>Writes the four IDX files: class c lights up rows 2c..2c+2 of a 28x28 image, plus noise.</summary>
    public static void Write(TempDirectory dir, int train, int test)
    {
        void Write(string prefix, int count, int seed)
        {
            var rng = new Random(seed);
            var pixels = new byte[count * 784];
            var labels = new byte[count];
            for (int n = 0; n < count; n++)
            {
                int c = rng.Next(10);
                labels[n] = (byte)c;
                for (int i = 0; i < 784; i++)
                    pixels[n * 784 + i] = (byte)(i / 28 / 2 % 10 == c && i / 28 < 20 ? 200 + rng.Next(56) : rng.Next(40));
            }
            dir.Write(prefix + "-images-idx3-ubyte", Idx.Bytes([count, 28, 28], pixels));
            dir.Write(prefix + "-labels-idx1-ubyte.gz", Idx.Gzip(Idx.Bytes([count], labels)));
        }
        Write("train", train, 1);
        Write("t10k", test, 2);
    }
}
