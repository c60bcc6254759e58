using Microsoft.Extensions.Options;
using ModMesh.Access;
using ModMesh.Protocol;

namespace ModMesh.Gateway.Access;

/// <summary>
/// The gateway's access state: the live tokens and rules files (see docs/ACCESS.md), the private patterns and the
/// policy that decides. Built once at start from <see cref="GatewayAccessOptions"/>; a missing or broken file at start
/// stops the gateway (a later broken version of a file is refused and the last good one stays in force).
/// </summary>
internal sealed class GatewayAccess : IDisposable
{
    private readonly TokenStore? _tokens;
    private readonly RulesFile? _rules;
    private readonly ModulePatternSet _private;
    private readonly bool _caseSensitive;
    private readonly string[] _admins;

    public GatewayAccess(IOptions<GatewayAccessOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        var o = options.Value;
        _caseSensitive = o.CaseSensitivePrivatePatterns;
        _private = ModulePatternSet.Parse(_caseSensitive ? o.Private : o.Private.ToLowerInvariant());
        if (!string.IsNullOrWhiteSpace(o.TokensFile))
        {
            _tokens = new TokenStore(o.TokensFile, time, loggers.CreateLogger<TokenStore>());
        }

        if (!string.IsNullOrWhiteSpace(o.RulesFile))
        {
            _rules = new RulesFile(o.RulesFile, time, loggers.CreateLogger<RulesFile>());
        }

        Realm = o.Realm;
        _admins = [.. o.Admins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        MaxUploadBytes = o.MaxUploadBytes;
        Policy = _rules is not null
            ? new AccessPolicy(_rules, new AccessPolicyOptions { AllowAnonymousPublicRead = o.AnonymousPublicRead })
            : new AccessPolicy(AccessRules.Empty, new AccessPolicyOptions { AllowAnonymousPublicRead = o.AnonymousPublicRead });
    }

    public AccessPolicy Policy { get; }

    public string Realm { get; }

    /// <summary>The largest upload passed on to a node.</summary>
    public long MaxUploadBytes { get; }

    /// <summary>True when access control is on (a tokens file is configured): users can be authenticated.</summary>
    public bool HasTokens => _tokens is not null;

    /// <summary>Whether <paramref name="principal"/> is named in Gateway:Access:Admins, by user name or through an @group of the rules file.</summary>
    public bool IsAdmin(Principal principal)
    {
        if (_admins.Length == 0)
        {
            return false;
        }

        var groups = _rules?.Current.GroupsOf(principal.User);
        foreach (var admin in _admins)
        {
            if (admin.StartsWith('@') ? groups?.Contains(admin) == true : string.Equals(admin, principal.User, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="modulePath"/> (decoded) matches the private patterns.</summary>
    public bool IsPrivate(string modulePath) => _private.Matches(_caseSensitive ? modulePath : modulePath.ToLowerInvariant());

    /// <summary>The principal named by an <c>Authorization</c> header value, or why there is none (never the token).</summary>
    public (Principal? Principal, string Reason) Authenticate(string authorization)
    {
        var parsed = AuthorizationHeader.Parse(authorization);
        if (parsed.Credentials is null)
        {
            return (null, parsed.Reason);
        }

        if (_tokens is null)
        {
            return (null, "this gateway has no tokens file");
        }

        var result = _tokens.Authenticate(parsed.Credentials);
        return (result.Principal, result.Reason);
    }

    public void Dispose()
    {
        _tokens?.Dispose();
        _rules?.Dispose();
    }
}
