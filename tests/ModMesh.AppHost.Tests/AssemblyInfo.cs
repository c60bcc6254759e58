// Each test starts a whole AppHost (DCP, several .NET services, redis-server, s3rver) on a 2-core machine: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
