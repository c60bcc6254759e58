using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.LoadBalancing;

namespace ModMesh.Gateway;

/// <summary>
/// What data annotations cannot say: every node is an absolute http(s) URL without query or fragment, the
/// load-balancing policy is one that is registered, and the hedging settings fit together.
/// </summary>
internal sealed class GatewayOptionsValidator(IEnumerable<ILoadBalancingPolicy> policies) : IValidateOptions<GatewayOptions>
{
    // "https+http" / "http+https" are service-discovery scheme lists ("prefer https, fall back to http").
    private static readonly string[] AllowedSchemes = ["http", "https", "https+http", "http+https"];

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.Nodes.Length; i++)
        {
            var node = options.Nodes[i];
            if (!Uri.TryCreate(node, UriKind.Absolute, out var uri)
                || !AllowedSchemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase)
                || uri.Query.Length > 0
                || uri.Fragment.Length > 0)
            {
                failures.Add($"{GatewayOptions.SectionName}:Nodes:{i} ('{node}') must be an absolute http(s) URL such as 'http://127.0.0.1:3000' or 'http://cachenode'.");
            }
        }

        if (!policies.Any(p => string.Equals(p.Name, options.LoadBalancingPolicy, StringComparison.OrdinalIgnoreCase)))
        {
            var known = string.Join(", ", policies.Select(p => p.Name).Order(StringComparer.Ordinal));
            failures.Add($"{GatewayOptions.SectionName}:LoadBalancingPolicy '{options.LoadBalancingPolicy}' is unknown; known policies: {known}.");
        }

        var hedging = options.Hedging;
        const string hedgingSection = GatewayOptions.SectionName + ":Hedging";
        if (hedging.MinDelay <= TimeSpan.Zero || hedging.MaxDelay < hedging.MinDelay || hedging.MaxDelay > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{hedgingSection}:MinDelay ({hedging.MinDelay}) must be positive and at most MaxDelay ({hedging.MaxDelay}), which is at most 1 minute.");
        }

        if (!(hedging.LatencyMultiplier is > 0 and <= 100))
        {
            failures.Add($"{hedgingSection}:LatencyMultiplier ({hedging.LatencyMultiplier}) must be above 0 and at most 100.");
        }

        if (!(hedging.BudgetPercent is >= 0 and <= 100) || hedging.BudgetBurst is < 0 or > 100_000)
        {
            failures.Add($"{hedgingSection}:BudgetPercent ({hedging.BudgetPercent}) must be within 0..100 and BudgetBurst ({hedging.BudgetBurst}) within 0..100000.");
        }

        if (hedging.MoveCheckInterval < TimeSpan.FromMilliseconds(1) || hedging.MoveCheckInterval > TimeSpan.FromSeconds(10))
        {
            failures.Add($"{hedgingSection}:MoveCheckInterval ({hedging.MoveCheckInterval}) must be within 1 ms..10 s.");
        }

        if (hedging.UnansweredAfter <= hedging.MaxDelay)
        {
            failures.Add($"{hedgingSection}:UnansweredAfter ({hedging.UnansweredAfter}) must be longer than MaxDelay ({hedging.MaxDelay}).");
        }

        if (options.Cache.MaxBytes is < 0 or > 64L * 1024 * 1024 * 1024 || options.Cache.MaxEntryBytes is < 1 or > int.MaxValue || options.Cache.MaxEntryBytes > options.Cache.MaxBytes)
        {
            failures.Add($"{GatewayOptions.SectionName}:Cache:MaxEntryBytes ({options.Cache.MaxEntryBytes}) must be within 1 byte .. 2 GiB and at most MaxBytes ({options.Cache.MaxBytes}), which is at most 64 GiB.");
        }

        if (options.Cache.MaxCaptureBytes is < 0 or > 64L * 1024 * 1024 * 1024)
        {
            failures.Add($"{GatewayOptions.SectionName}:Cache:MaxCaptureBytes ({options.Cache.MaxCaptureBytes}) must be within 0 .. 64 GiB.");
        }

        if (options.Cache.LockTimeout < TimeSpan.Zero || options.Cache.LockTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{GatewayOptions.SectionName}:Cache:LockTimeout ({options.Cache.LockTimeout}) must be within 0 .. 5 min.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
