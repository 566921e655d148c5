using System.Diagnostics;
using System.Globalization;
using Vcmr.Experiments;
using Vcmr.Training;

namespace Vcmr.Cli;

/// <summary>
/// What <c>vcmr train</c> shows while it runs: on a terminal one bar redrawn in place (epoch, steps, loss, queries/s,
/// ETA); when the output is redirected (a log file, CI) plain lines, ten per epoch and one per validation, so a log
/// stays readable. The ETA is the run's remaining steps at the wall-clock rate so far, validation included.
/// </summary>
/// <param name="terminalWidth">the terminal's width (a redrawn line is cut to it, or it would wrap and stop redrawing
/// in place); null when the output is redirected.</param>
internal sealed class TrainingDisplay(TextWriter console, int? terminalWidth, int epochs, int stepsPerEpoch, int startEpoch, StopMetric stop)
{
    private bool Terminal => terminalWidth is not null;
    private const int BarWidth = 24;
    private static readonly TimeSpan Redraw = TimeSpan.FromMilliseconds(200);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly int _every = Math.Max(1, stepsPerEpoch / 10);
    private TimeSpan? _drawn;
    private int _stepInEpoch;
    private long _stepsDone;
    private double _speedSum;
    private int _lastLength;
    private EpochRecord? _validated;

    public void OnProgress(TrainingProgress p)
    {
        if (p.ValScore is not null)
        {
            Validated(p.BestScore);
            return;
        }
        _stepInEpoch++;
        _stepsDone++;
        _speedSum += p.QueriesPerSecond;
        bool last = _stepInEpoch == stepsPerEpoch;
        if (Terminal)
        {
            if (last || _drawn is not { } drawn || _clock.Elapsed - drawn >= Redraw) Draw(Line(p, bar: true));
        }
        else if (_stepInEpoch % _every == 0 || last) console.WriteLine(Line(p, bar: false));
    }

    /// <summary>The epoch's record, shown with the best score when the trainer reports the validation.</summary>
    public void OnEpoch(EpochRecord record) => _validated = record;

    private void Validated(double best)
    {
        if (_validated is not { } record) return;
        // VR R@1 beside the stop metric, unless it is the stop metric (MEE's)
        string vr = stop.Name == StopMetric.Sum("VR", "r1").Name ? "" : Invariant($"VR r1 {record.Val["VR"]["r1"]:F2}, ");
        string line = Invariant($"epoch {record.Epoch + 1}/{epochs} validated: loss {record.Loss:F4}, {stop.Name} {record.StopScore:F2} ") +
            Invariant($"(best {best:F2}), {vr}{record.Seconds:F1} s");
        if (Terminal)
        {
            Draw(line);
            console.WriteLine();
        }
        else console.WriteLine(line);
        (_stepInEpoch, _speedSum, _lastLength, _validated) = (0, 0, 0, null);
    }

    private string Line(TrainingProgress p, bool bar)
    {
        long total = (long)(epochs - startEpoch) * stepsPerEpoch;
        double rate = _stepsDone / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        var eta = TimeSpan.FromSeconds(Math.Round(Math.Max(0, total - _stepsDone) / Math.Max(rate, 1e-9)));
        string progress = bar
            ? $"[{new string('#', BarWidth * _stepInEpoch / stepsPerEpoch).PadRight(BarWidth, '.')}]"
            : "step";
        // the loss parts last: a narrow terminal cuts them first
        return Invariant($"epoch {p.Epoch + 1}/{epochs} {progress} {_stepInEpoch}/{stepsPerEpoch}, ETA {(int)eta.TotalHours}:{eta:mm\\:ss}, ") +
            Invariant($"{_speedSum / _stepInEpoch:F0} queries/s{(_stepInEpoch == stepsPerEpoch ? ", validating" : "")}, {p.LossLine()}");
    }

    private void Draw(string line)
    {
        if (line.Length >= terminalWidth) line = line[..Math.Max(1, terminalWidth.Value - 1)];
        console.Write("\r" + line.PadRight(_lastLength));
        console.Flush();
        _lastLength = line.Length;
        _drawn = _clock.Elapsed;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
