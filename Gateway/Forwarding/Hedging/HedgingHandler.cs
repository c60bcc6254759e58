using ModMesh.Gateway.LoadBalancing;
using ModMesh.ServiceDefaults.Tracing;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Forwarding.Hedging;

/// <summary>
/// Below YARP, in the forwarder's HTTP client: a GET/HEAD request carrying a <see cref="HedgeTicket"/> that has no
/// response headers after the hedge delay (<see cref="HedgeDelay"/>) is sent once more, to the next available node in
/// rendezvous rank, when the budget allows (<see cref="HedgeBudget"/>), or whatever the budget says when its node has
/// been taken out meanwhile (the request is moved). The first good answer (anything but a transport error or a
/// 502/503/504 the node does not blame on the upstream) goes to the client; the other request is cancelled.
/// </summary>
/// <remarks>
/// <para>At most one hedge per request. Hedging never duplicates an upstream fill: the second node joins the
/// cluster-wide single flight of the first.</para>
/// <para>When the hedge wins, the first request is not cancelled at once: it gets until
/// <see cref="HedgingOptions.UnansweredAfter"/> (from when it was sent) to answer, and if it has not, or it failed, it
/// counts as a failed request of its node in the passive (max_fails) policy. A node that hangs on requests while it
/// still passes its readiness probes is therefore taken out, and a node that was merely slow is not.</para>
/// <para>Latencies of good first answers feed the hedge delay. Probes carry no ticket and pass straight through.</para>
/// </remarks>
internal sealed partial class HedgingHandler(HttpMessageHandler inner, HedgingState state) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(HedgeTicket.Key, out var ticket) || request.Content is not null)
        {
            return base.SendAsync(request, cancellationToken);
        }

        return SendHedgedAsync(request, ticket, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendHedgedAsync(HttpRequestMessage request, HedgeTicket ticket, CancellationToken cancellationToken)
    {
        var options = state.Options;
        state.Budget.Deposit(options);
        var primary = new Attempt(this, request, cancellationToken);
        var hedgeAfter = state.Delay.Current(options);

        if (await CompletesWithinAsync(primary.Response, hedgeAfter).ConfigureAwait(false))
        {
            return await FinishAloneAsync(primary).ConfigureAwait(false);
        }

        // No answer yet: hedge when the budget allows, or move when the node has been taken out meanwhile.
        string reason;
        while (true)
        {
            if (IsOut(ticket.Primary))
            {
                reason = "moved";
                break;
            }

            if (state.Budget.TryTake(options))
            {
                reason = "slow";
                break;
            }

            if (await CompletesWithinAsync(primary.Response, options.MoveCheckInterval).ConfigureAwait(false))
            {
                return await FinishAloneAsync(primary).ConfigureAwait(false);
            }
        }

        if (NextNode(ticket) is not { } next || cancellationToken.IsCancellationRequested)
        {
            return await FinishAloneAsync(primary).ConfigureAwait(false);
        }

        var copy = Copy(request, next, ticket);
        var hedge = new Attempt(this, copy, cancellationToken);
        Log.Hedging(state.Logger, request.Method, ticket.Path, ticket.Primary.DestinationId, next.DestinationId, reason, primary.Elapsed.TotalMilliseconds);

        var first = await Task.WhenAny(primary.Response, hedge.Response).ConfigureAwait(false) == primary.Response ? primary : hedge;
        var second = ReferenceEquals(first, primary) ? hedge : primary;
        var winner = first;
        if (!IsGood(first.Response))
        {
            await ((Task)second.Response).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            winner = IsGood(second.Response) ? second : primary;
        }

        // The winner is the hedge only when the hedge answered well; otherwise the first request's answer (good, or
        // the failure YARP and the retry middleware then handle).
        var hedgeWon = ReferenceEquals(winner, hedge);
        state.Count(reason, hedgeWon ? "hedge" : IsGood(primary.Response) ? "first" : "none");
        if (hedgeWon)
        {
            ticket.HedgeWinner = next;
            primary.Detach();
            _ = JudgeFirstAsync(primary, ticket, options);
        }
        else
        {
            hedge.Abandon();
        }

        return await winner.TakeAsync().ConfigureAwait(false);
    }

    private HedgingState State => state;

    private Task<HttpResponseMessage> SendOne(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);

    private async Task<HttpResponseMessage> FinishAloneAsync(Attempt primary)
    {
        var response = await primary.TakeAsync().ConfigureAwait(false);
        if (IsGood(response))
        {
            state.Delay.Record(primary.Elapsed);
        }

        return response;
    }

    /// <summary>
    /// The first request lost to a hedge: it may still answer until <see cref="HedgingOptions.UnansweredAfter"/>; if it
    /// does not, or fails, its node gets a failed request (max_fails). Its answer, if any, is thrown away.
    /// </summary>
    private async Task JudgeFirstAsync(Attempt primary, HedgeTicket ticket, HedgingOptions options)
    {
        try
        {
            var left = options.UnansweredAfter - primary.Elapsed;
            var answered = left > TimeSpan.Zero && await CompletesWithinAsync(primary.Response, left).ConfigureAwait(false);
            var outcome = !answered ? ForwardingOutcome.Timeout
                : primary.Response.IsCompletedSuccessfully ? ForwardingOutcomes.ForAnswer(primary.Response.Result)
                : ForwardingOutcome.TransportFailure;
            primary.Abandon();
            if (outcome.IsNodeFailure())
            {
                state.PassiveHealth.RecordFailure(ticket.Cluster, ticket.Primary, outcome);
            }
        }
        catch (Exception ex)
        {
            Log.JudgeFailed(state.Logger, ticket.Primary.DestinationId, ex);
        }
    }

    private static bool IsGood(Task<HttpResponseMessage> response) =>
        response.IsCompletedSuccessfully && IsGood(response.Result);

    private static bool IsGood(HttpResponseMessage response) =>
        ForwardingOutcomes.ForAnswer(response) != ForwardingOutcome.FailureStatus;

    private static bool IsOut(DestinationState node) =>
        node.Health.Active == DestinationHealth.Unhealthy || node.Health.Passive == DestinationHealth.Unhealthy;

    /// <summary>The best-ranked node for the request's module among the available nodes other than the first one.</summary>
    private static DestinationState? NextNode(HedgeTicket ticket)
    {
        var available = ticket.Cluster.DestinationsState.AvailableDestinations;
        var others = new List<DestinationState>(available.Count);
        foreach (var node in available)
        {
            if (!ReferenceEquals(node, ticket.Primary) && !IsOut(node))
            {
                others.Add(node);
            }
        }

        return RendezvousLoadBalancingPolicy.Rank(ModuleKey.FromPath(ticket.Path.Value), others);
    }

    /// <summary>The same request (method, version, headers) addressed to another node.</summary>
    private static HttpRequestMessage Copy(HttpRequestMessage request, DestinationState node, HedgeTicket ticket)
    {
        var copy = new HttpRequestMessage(request.Method, RequestUtilities.MakeDestinationAddress(node.Model.Config.Address, ticket.Path, ticket.Query))
        {
            Version = request.Version,
            VersionPolicy = request.VersionPolicy,
        };
        foreach (var header in request.Headers)
        {
            if (!string.Equals(header.Key, "Host", StringComparison.OrdinalIgnoreCase))
            {
                copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return copy;
    }

    /// <summary>True when <paramref name="task"/> completes within <paramref name="delay"/>; never throws.</summary>
    private async Task<bool> CompletesWithinAsync(Task task, TimeSpan delay)
    {
        if (task.IsCompleted)
        {
            return true;
        }

        using var timer = new CancellationTokenSource();
        var elapsed = Task.Delay(delay, state.Time, timer.Token);
        var first = await Task.WhenAny(task, elapsed).ConfigureAwait(false);
        await timer.CancelAsync().ConfigureAwait(false);
        return first == task;
    }

    /// <summary>
    /// One request to one node. It runs on its own cancellation source, linked to the client's by a registration that
    /// <see cref="Detach"/> removes, so a loser can be cancelled alone and a judged first request can outlive the
    /// client's request.
    /// </summary>
    private sealed class Attempt
    {
        private readonly CancellationTokenSource _cancel = new();
        private readonly HttpRequestMessage _request;
        private readonly TimeProvider _time;
        private readonly long _started;
        private CancellationTokenRegistration _link;

        public Attempt(HedgingHandler handler, HttpRequestMessage request, CancellationToken client)
        {
            _time = handler.State.Time;
            _request = request;
            _started = _time.GetTimestamp();
            _link = client.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _cancel);
            Response = handler.SendOne(request, _cancel.Token);
        }

        public Task<HttpResponseMessage> Response { get; }

        public TimeSpan Elapsed => _time.GetElapsedTime(_started);

        public void Detach() => _link.Dispose();

        public async Task<HttpResponseMessage> TakeAsync()
        {
            try
            {
                return await Response.ConfigureAwait(false);
            }
            finally
            {
                _link.Dispose();
            }
        }

        /// <summary>Cancels the request (not an error of its span: cancelled on purpose) and throws away whatever it brings.</summary>
        public void Abandon()
        {
            _link.Dispose();
            TracingRules.MarkAbandoned(_request);
            _cancel.Cancel();
            _ = Response.ContinueWith(static (t, s) =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    t.Result.Dispose();
                }

                _ = t.Exception; // observed
                ((CancellationTokenSource)s!).Dispose();
            }, _cancel, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.Hedging, LogLevel.Debug,
            "{Method} {Path}: node {First} has not answered after {ElapsedMs:F0} ms; also sent to node {Next} ({Reason}).")]
        public static partial void Hedging(ILogger logger, HttpMethod method, PathString path, string first, string next, string reason, double elapsedMs);

        [LoggerMessage(EventIds.HedgeJudgeFailed, LogLevel.Warning, "Judging the unanswered first request to node {Node} failed.")]
        public static partial void JudgeFailed(ILogger logger, string node, Exception exception);
    }
}
