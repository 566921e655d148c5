// The runner redirects Console and the working directory per cell: runs must not overlap.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
