namespace Vcmr.Training;

/// <summary>An optimiser whose learning rate follows the epoch (torch's ExponentialLR, StepLR): the trainer calls
/// <see cref="StartEpoch"/> before each epoch's first step, so a resumed run continues the schedule.</summary>
public interface IEpochSchedule
{
    /// <summary>The learning rate the next step uses.</summary>
    double LearningRate { get; }

    /// <summary>Sets the rate of epoch <paramref name="epoch"/> (0-based) from the base rate.</summary>
    void StartEpoch(int epoch);
}
