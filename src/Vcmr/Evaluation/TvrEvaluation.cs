using Vcmr.Data;
using Vcmr.Inference;

namespace Vcmr.Evaluation;

/// <summary>The file-level entry point, as <c>eval.py --submission_path --gt_path --save_path</c>.</summary>
public static class TvrEvaluation
{
    /// <summary>
    /// Reads a submission and a GT jsonl, evaluates every task present and, if asked, saves the result atomically.
    /// A <paramref name="savePath"/> that is a folder, lies below a file or is one of the two inputs is refused before
    /// anything is read (<see cref="IOException"/>).
    /// </summary>
    public static TvrEvalResult EvaluateFiles(string submissionPath, string gtPath, string? savePath = null)
    {
        if (savePath != null) OutputTarget.CheckFile(savePath, (submissionPath, "submission"), (gtPath, "ground truth"));
        var submission = SubmissionJson.Read(submissionPath);
        var gt = TvrAnnotations.Read(gtPath);
        if (gt.Count == 0) throw new DataFormatException($"{gtPath}: no queries (an empty ground-truth file)");
        TvrEvalResult result;
        try
        {
            result = TvrMetrics.Evaluate(submission, gt);
        }
        catch (Exception e) when (e is DataFormatException or ArgumentException)
        {
            throw new DataFormatException($"{submissionPath} against {gtPath}: {e.Message}", e);
        }
        if (savePath != null) result.Save(savePath);
        return result;
    }
}
