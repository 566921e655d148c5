using System.Runtime.CompilerServices;

namespace Vcmr.Data;

/// <summary>
/// Checks of notebook parameters that name the parameter as the notebook spells it (the caller's expression), so a
/// bad `--param` stops the notebook before any work with "valVideos = 0: must be at least 1 (...)".
/// </summary>
public static class ParameterCheck
{
    /// <summary>Throws an <see cref="ArgumentException"/> unless <paramref name="value"/> ≥ <paramref name="min"/>; <paramref name="why"/> says what needs it.</summary>
    public static void AtLeast(int value, int min, string why, [CallerArgumentExpression(nameof(value))] string name = "")
    {
        if (value < min) throw new ArgumentException($"{name} = {value}: must be at least {min} ({why})");
    }
}
