namespace NetCompiler;

/// <summary>The dtype names the safetensors format defines, with their element sizes.</summary>
internal static class SafeTensorDTypes
{
    /// <summary>Bits per element of <paramref name="dtype"/>, or 0 if the format does not define it.</summary>
    /// <remarks>Sizes are in bits because recent versions of the format added 4- and 6-bit types; a file that only
    /// holds such tensors must still validate even though we cannot convert them.</remarks>
    public static int BitsPerElement(string dtype) => dtype switch
    {
        "F4" => 4,
        "F6_E2M3" or "F6_E3M2" => 6,
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" or "F8_E8M0" => 8,
        "I16" or "U16" or "F16" or "BF16" => 16,
        "I32" or "U32" or "F32" => 32,
        "I64" or "U64" or "F64" or "C64" => 64,
        _ => 0,
    };

    /// <summary>Whether values of <paramref name="dtype"/> are converted to float32 on reading.</summary>
    public static bool ConvertsToFloat(string dtype) => dtype is "F32" or "F16" or "BF16" or "F64";
}
