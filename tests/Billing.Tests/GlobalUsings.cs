global using Shouldly;
global using Xunit;

// One test class at a time: the stack tests start worker processes and measure intervals on a 2-core machine,
// and anything running beside them would skew both.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
