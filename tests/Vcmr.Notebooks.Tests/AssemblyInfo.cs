// The kernel captures Console while a cell runs and the runner sets the working directory per cell: runs must not overlap.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
