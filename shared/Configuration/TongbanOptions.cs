

namespace Tongban.Configuration;

/// <summary>The <c>Tongban</c> configuration section. Validated at start-up: a missing value names its key.</summary>
public sealed class TongbanOptions
{
    public const string Section = "Tongban";

    /// <summary>The hub's own member code, used when it signs its calls to partners (Zhejiang runs the hub).</summary>
    public string HubCode { get; set; } = "330000";

    /// <summary>The Durable task hub (<c>Tongban:TaskHub</c>).</summary>
    public string TaskHub { get; set; } = "tongban";

    /// <summary>Partner platforms by member code: <c>Tongban:Partners:{code}:Secret</c>.</summary>
    public Dictionary<string, PartnerOptions> Partners { get; set; } = [];

    /// <summary>Operators by ID, who sign calls to <c>/api/v1/operator/*</c>: <c>Tongban:Operators:{id}:Secret</c>. None: those routes refuse everyone.</summary>
    public Dictionary<string, PartnerOptions> Operators { get; set; } = [];

    public MarriageOptions Marriage { get; set; } = new();

    public WorkflowOptions Workflow { get; set; } = new();

    public PiiOptions Pii { get; set; } = new();

    public RedriveOptions Redrive { get; set; } = new();

    public CallbackOptions Callbacks { get; set; } = new();

    public CalendarOptions Calendar { get; set; } = new();

    public AuditOptions Audit { get; set; } = new();

    public RetentionOptions Retention { get; set; } = new();
    /// <summary>The operator console's sessions and sign-in limits: <c>Tongban:Console</c>.</summary>
    public ConsoleOptions Console { get; set; } = new();

    /// <summary>How long a queue message is retried before it goes to the poison queue (matches host.json).</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>The fewest UTF-8 bytes a partner's or operator's secret may have (an HMAC-SHA256 key of full strength).</summary>
    public const int MinSecretBytes = 32;

    /// <param name="sandbox">The contract's public sandbox secrets the devhost loaded itself, accepted though short; null everywhere else.</param>
    public IEnumerable<string> Problems(SandboxSecrets? sandbox = null)
    {
        if (string.IsNullOrWhiteSpace(TaskHub)) yield return "Tongban:TaskHub";
        if (Partners.Count == 0) yield return "Tongban:Partners (no partner configured)";
        foreach (var (code, partner) in Partners)
        {
            if (SecretProblem($"Tongban:Partners:{code}:Secret", partner.Secret, sandbox) is { } problem) yield return problem;
            if (partner.RateLimit.RequestsPerSecond < 1) yield return $"Tongban:Partners:{code}:RateLimit:RequestsPerSecond (must be at least 1)";
            if (partner.RateLimit.Burst < 1) yield return $"Tongban:Partners:{code}:RateLimit:Burst (must be at least 1)";
            for (var i = 0; i < partner.CallbackOrigins.Count; i++)
            {
                if (!Tongban.Callbacks.CallbackOrigin.TryParse(partner.CallbackOrigins[i], out _, out var why))
                    yield return $"Tongban:Partners:{code}:CallbackOrigins:{i} ({why})";
            }
        }

        foreach (var problem in Pii.Problems()) yield return problem;
        if (Marriage.ReviewWindow <= TimeSpan.Zero) yield return "Tongban:Marriage:ReviewWindow (must be positive)";
        if (Workflow.ParkFor < TimeSpan.Zero) yield return "Tongban:Workflow:ParkFor (must not be negative)";
        if (Workflow.RedriveWindow < TimeSpan.Zero) yield return "Tongban:Workflow:RedriveWindow (must not be negative)";
        foreach (var problem in Callbacks.Problems()) yield return problem;
        foreach (var problem in Calendar.Problems()) yield return problem;
        foreach (var problem in Tongban.Audit.AuditSigner.Problems(Audit)) yield return problem;
        if (Retention.OrchestrationHistory < TimeSpan.Zero) yield return "Tongban:Retention:OrchestrationHistory (must not be negative)";
        foreach (var problem in Console.Problems()) yield return problem;
        foreach (var (id, op) in Operators)
        {
            if (SecretProblem($"Tongban:Operators:{id}:Secret", op.Secret, sandbox) is { } problem) yield return problem;
        }
    }

    private static string? SecretProblem(string key, string secret, SandboxSecrets? sandbox)
    {
        if (string.IsNullOrWhiteSpace(secret)) return key;
        if (System.Text.Encoding.UTF8.GetByteCount(secret) >= MinSecretBytes || sandbox?.Allows(key, secret) == true) return null;
        return $"{key} (must be at least {MinSecretBytes} bytes)";
    }
}

public sealed class PartnerOptions
{
    public string Secret { get; set; } = "";

    /// <summary>The partner's inbound limit (<c>Tongban:Partners:{code}:RateLimit</c>); not read for operators, who have none.</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Where this partner's callbackUrl may point: <c>scheme://host[:port]</c> each (partners only; none: no callbacks).</summary>
    public List<string> CallbackOrigins { get; set; } = [];
}

public sealed class RateLimitOptions
{
    /// <summary>Tokens back per second (default 20).</summary>
    public int RequestsPerSecond { get; set; } = 20;

    /// <summary>The most requests taken at once after a quiet spell (default 40).</summary>
    public int Burst { get; set; } = 40;
}

/// <summary>Status callbacks to partners: <c>Tongban:Callbacks</c>.</summary>
public sealed class CallbackOptions
{
    /// <summary>How long one delivery may take, headers and the little of the reply that is read (default 10 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most of a reply's body read; the rest is never received (default 4 KiB).</summary>
    public int MaxResponseBytes { get; set; } = 4096;

    /// <summary>How long a case's oldest pending callback is retried after its first failure before delivery stops (default 72 h).</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(72);

    /// <summary>The first back-off after a failure, doubling with each further failure (default 30 s).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest back-off (default 1 h).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<string> Problems()
    {
        if (Timeout <= TimeSpan.Zero) yield return "Tongban:Callbacks:Timeout (must be positive)";
        if (MaxResponseBytes is < 0 or > 1024 * 1024) yield return "Tongban:Callbacks:MaxResponseBytes (0 to 1048576)";
        if (RetryFor < TimeSpan.Zero) yield return "Tongban:Callbacks:RetryFor (must not be negative)";
        if (RetryDelay <= TimeSpan.Zero) yield return "Tongban:Callbacks:RetryDelay (must be positive)";
        if (MaxRetryDelay < RetryDelay) yield return "Tongban:Callbacks:MaxRetryDelay (must not be less than RetryDelay)";
    }
}

/// <summary>Official days added to the embedded calendar: <c>Tongban:Calendar:Days:{yyyy-MM-dd}</c> = <c>holiday</c> | <c>workday</c>.</summary>
public sealed class CalendarOptions
{
    public Dictionary<string, string> Days { get; set; } = [];

    public IEnumerable<string> Problems()
    {
        foreach (var (date, kind) in Days)
        {
            if (!Cases.Deadlines.WorkingCalendar.TryParseDate(date, out _)) yield return $"Tongban:Calendar:Days:{date} (the key must be a date, yyyy-MM-dd)";
            else if (!Cases.Deadlines.WorkingCalendar.TryParseKind(kind, out _)) yield return $"Tongban:Calendar:Days:{date} (must be holiday or workday)";
        }
    }
}

public sealed class MarriageOptions
{
    /// <summary>How long the officer review waits for a decision before the case expires.</summary>
    public TimeSpan ReviewWindow { get; set; } = TimeSpan.FromDays(30);
}

public sealed class WorkflowOptions
{
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(30);

    public int MaxRounds { get; set; } = 3;

    public int AttentionAfterRounds { get; set; } = 3;

    public TimeSpan SlowStepTimeout { get; set; } = TimeSpan.FromDays(14);

    /// <summary>School transfer: how long enrolment's transient failures are retried before the transfer is cancelled (default 24 h).</summary>
    public TimeSpan RetryBudget { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a step out of rounds on transient failures stays parked for its province to answer again (default 24 h; 0: fail at once).</summary>
    public TimeSpan ParkFor { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a failed case is held at its failed step for an operator's redrive before it is undone and closed (default 7 days; 0: close at once).</summary>
    public TimeSpan RedriveWindow { get; set; } = TimeSpan.FromDays(7);
}

public sealed class RedriveOptions
{
    /// <summary>While a province does not answer, how often one of its parked steps is re-driven to find out.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most poison messages one pass moves back per province.</summary>
    public int MaxRequeue { get; set; } = 1000;
}

public sealed class PiiOptions
{
    /// <summary>The key ring by key ID: <c>Tongban:Pii:Keys:{id}</c>, each 32 bytes Base64 (Key Vault in Azure).</summary>
    public Dictionary<string, string> Keys { get; set; } = [];

    /// <summary>The key new ciphertext and keyed hashes are made under: <c>Tongban:Pii:ActiveKeyId</c>.</summary>
    public string ActiveKeyId { get; set; } = "";

    /// <summary>The single key before the ring: no longer read, bound only so that start-up names it when it is still set.</summary>
    public string Key { get; set; } = "";

    /// <summary>What is wrong with the ring these options describe (nothing: it can be built).</summary>
    public IEnumerable<string> Problems() => Storage.PiiKeyRing.Problems(Keys, ActiveKeyId, Key);

    /// <summary>The ring the options describe (validated at start-up by <see cref="Problems"/>).</summary>
    public Storage.PiiKeyRing ToKeyRing() => Storage.PiiKeyRing.From(Keys, ActiveKeyId);
}

/// <summary>The audit trail: <c>Tongban:Audit</c>.</summary>
public sealed class AuditOptions
{
    /// <summary>The hub's SM2 private key (PKCS#8 PEM; Key Vault in Azure) that signs case heads.</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>The signing key's name, written beside each signature.</summary>
    public string KeyId { get; set; } = "hub-1";

    /// <summary>Former keys' public halves (PEM) by key ID, so heads they signed still verify after a rotation.</summary>
    public Dictionary<string, string> PublicKeys { get; set; } = [];

    /// <summary>How often an open case's head is signed again (default and longest 1 day).</summary>
    public TimeSpan SignEvery { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>How long things are kept: <c>Tongban:Retention</c>.</summary>
public sealed class RetentionOptions
{
    /// <summary>How long an ended case's Durable orchestration history is kept (default 90 days); the case row and its audit trail stay.</summary>
    public TimeSpan OrchestrationHistory { get; set; } = TimeSpan.FromDays(90);
}

/// <summary>The operator console: <c>Tongban:Console</c>.</summary>
public sealed class ConsoleOptions
{
    /// <summary>A session lapses after this long without a request (sliding; default 20 min).</summary>
    public TimeSpan SessionIdle { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>A session lapses this long after sign-in, however busy (default 8 h).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Failed sign-ins from one address, or against one operator, within the window before further tries are refused (default 5).</summary>
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a failed sign-in counts (default 15 min).</summary>
    public TimeSpan FailedSignInWindow { get; set; } = TimeSpan.FromMinutes(15);

    public IEnumerable<string> Problems()
    {
        if (SessionIdle <= TimeSpan.Zero) yield return "Tongban:Console:SessionIdle (must be positive)";
        if (SessionLifetime < SessionIdle) yield return "Tongban:Console:SessionLifetime (must not be less than SessionIdle)";
        if (MaxFailedSignIns < 1) yield return "Tongban:Console:MaxFailedSignIns (must be at least 1)";
        if (FailedSignInWindow <= TimeSpan.Zero) yield return "Tongban:Console:FailedSignInWindow (must be positive)";
    }
}
