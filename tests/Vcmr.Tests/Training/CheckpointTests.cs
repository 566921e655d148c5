using Vcmr.Training;
using static TorchSharp.torch;

namespace Vcmr.Tests.Training;

public class CheckpointTests
{
    [Fact]
    public void RoundTripKeepsEveryTensorAndCounter()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("vcmr-ckpt").FullName, "last.ckpt");
        try
        {
            using var scope = NewDisposeScope();
            var tensors = new Dictionary<string, Tensor>
            {
                ["a"] = randn(3, 4), ["b"] = tensor(7L), ["c"] = tensor(new byte[] { 1, 2, 250 }),
            };
            new Checkpoint("{\"x\":1}", 3, 0.25, 2, tensors).Save(path);
            var back = Checkpoint.Load(path);
            Assert.Equal(("{\"x\":1}", 3, 0.25, 2), (back.ConfigJson, back.Epoch, back.BestScore, back.BadEpochs));
            foreach (var (k, t) in tensors)
            {
                Assert.Equal(t.dtype, back.Tensors[k].dtype);
                Assert.Equal(t.shape, back.Tensors[k].shape);
                Assert.True(t.equal(back.Tensors[k]).all().item<bool>(), k);
            }
            Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!)); // the checkpoint and no temp file
        }
        finally
        {
            File.Delete(path);
        }
    }
}
