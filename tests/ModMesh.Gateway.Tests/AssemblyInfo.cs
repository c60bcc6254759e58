// Functional tests measure latency and throughput on a 2-core machine and start real processes: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
