using System;
using System.Globalization;
using System.Linq;

namespace NetCompiler.Definitions;

/// <summary>The main console entry: <c>dotnet run -c Release --project definitions -- &lt;command&gt;</c>.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        string command = args.Length > 0 ? args[0] : "seed000";
        switch (command)
        {
            case "seed000":
                Seed000Command.Run();
                return 0;
            case "--help" or "-h" or "help":
                PrintHelp();
                return 0;
            default:
                Console.Error.WriteLine($"Unknown command '{command}'.");
                PrintHelp();
                return 2;
        }
    }

    private static void PrintHelp()
    {
        Console.WriteLine("usage: dotnet run -c Release --project definitions -- <command>");
        Console.WriteLine();
        Console.WriteLine("commands:");
        Console.WriteLine("  seed000   one training step of seed 000's 2-2-1 network: loss, gradients and updated");
        Console.WriteLine("            parameters from the compiled code, beside the interpreted path's");
    }
}
