namespace NetCompiler.Definitions.Translation;

/// <summary>The part of the data a <see cref="TranslationPair"/> belongs to.</summary>
public enum SplitPart
{
    /// <summary>Trained on.</summary>
    Train,

    /// <summary>Watched during training (choosing epochs and settings).</summary>
    Validation,

    /// <summary>Held out until the end.</summary>
    Test,
}
