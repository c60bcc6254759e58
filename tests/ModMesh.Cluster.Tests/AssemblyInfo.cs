// Every test class starts a whole cluster (redis-server, s3rver, 3 nodes, 2 fetchers, gateway) on a 2-core machine:
// classes run one after another so timings and fault injection do not disturb each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
