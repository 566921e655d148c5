using System.Globalization;
using System.Numerics;

namespace Vcmr.Evaluation;

/// <summary>Python's <c>round(x, 2)</c> and float <c>repr</c>, so saved metrics match eval.py byte for byte.</summary>
public static class PythonFormat
{
    /// <summary>
    /// round(x, 2) as CPython does it: the exact binary value is rounded to 2 decimals, ties to even
    /// (Math.Round scales by 100 first, which rounds before deciding the tie).
    /// </summary>
    public static double Round2(double x)
    {
        if (!double.IsFinite(x) || x == 0) return x;
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(x));
        int rawExp = (int)((bits >> 52) & 0x7FF);
        long mant = bits & 0xF_FFFF_FFFF_FFFFL;
        if (rawExp != 0) mant |= 1L << 52; else rawExp = 1;
        int exp = rawExp - 1075; // |x| = mant * 2^exp
        if (exp >= 0) return x;
        var numerator = new BigInteger(mant) * 100;
        var denominator = BigInteger.One << -exp;
        var k = BigInteger.DivRem(numerator, denominator, out var rem);
        int tie = (rem * 2).CompareTo(denominator);
        if (tie > 0 || (tie == 0 && !k.IsEven)) k += 1;
        return Math.Sign(x) * ((double)k / 100);
    }

    /// <summary>repr(float): shortest round-trip digits, always with a decimal point ("100.0"), NaN as json.dump writes it.</summary>
    public static string Repr(double x)
    {
        if (double.IsNaN(x)) return "NaN";
        if (double.IsInfinity(x)) return x > 0 ? "Infinity" : "-Infinity";
        string s = x.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') ? s : s + ".0";
    }
}
