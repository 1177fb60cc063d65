namespace System.Runtime.CompilerServices;

// netstandard2.0 lacks this marker type; records need it for init accessors.
internal static class IsExternalInit { }
