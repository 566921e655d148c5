namespace Vcmr.Reporting;

/// <summary>
/// Numbers a paper reports for a model, to show beside the suite's measured ones: keyed by the column names of
/// <see cref="RecallTable.Paper"/> ("VCMR 0.7 R@1", "VR R@100"), with the source they were taken from.
/// </summary>
public sealed record PublishedResult(string Model, string Source, IReadOnlyDictionary<string, double> Values);
