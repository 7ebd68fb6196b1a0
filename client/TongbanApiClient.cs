using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tongban.Client;

/// <summary>How a client is put together: its retries and its clock (a fake one in tests).</summary>
public sealed record TongbanClientOptions
{
    public TongbanRetryOptions Retry { get; init; } = new();

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// What the partner and operator clients share: the handler chain (retries outside, signing inside), JSON as the hub
/// speaks it, and error answers turned into <see cref="TongbanProblemException"/>s.
/// </summary>
public abstract class TongbanApiClient : IDisposable
{
    /// <summary>camelCase, nulls left out of requests, names kept readable.</summary>
    public static readonly JsonSerializerOptions Json = CreateJson();

    private readonly HttpClient http;
    private readonly bool ownsHttp;

    protected TongbanApiClient(HttpClient http, TimeProvider? time, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null) throw new ArgumentException("The HttpClient needs a BaseAddress: the hub's root, e.g. http://127.0.0.1:7071/.", nameof(http));
        this.http = http;
        this.ownsHttp = ownsHttp;
        Time = time ?? TimeProvider.System;
    }

    protected TimeProvider Time { get; }

    /// <summary>
    /// The handler chain a signed client sends through: <see cref="RetryHandler"/>, then <see cref="SigningHandler"/>, then
    /// <paramref name="inner"/> (by default a <see cref="SocketsHttpHandler"/> that follows no redirect).
    /// </summary>
    public static HttpMessageHandler CreateHandler(TongbanCredentials credentials, TongbanClientOptions? options = null, HttpMessageHandler? inner = null)
    {
        options ??= new TongbanClientOptions();
        return new RetryHandler(options.Retry, options.Time)
        {
            InnerHandler = new SigningHandler(credentials, inner ?? new SocketsHttpHandler { AllowAutoRedirect = false }, options.Time),
        };
    }

    /// <summary>An HttpClient on <see cref="CreateHandler"/> for the hub at <paramref name="baseAddress"/>.</summary>
    public static HttpClient CreateHttpClient(Uri baseAddress, TongbanCredentials credentials, TongbanClientOptions? options = null, HttpMessageHandler? inner = null) =>
        new(CreateHandler(credentials, options, inner)) { BaseAddress = baseAddress };

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing && ownsHttp) http.Dispose();
    }

    /// <summary>Sends one request; a non-2xx answer throws the exception for its problem type.</summary>
    protected async Task<(T Body, HttpStatusCode Status, Uri? Location)> SendAsync<T>(
        HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body as byte[] ?? JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Json));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation(TongbanSignature.IdempotencyKeyHeader, idempotencyKey);
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await TongbanProblemException.FromResponseAsync(response, Time, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        var value = JsonSerializer.Deserialize<T>(text, Json)
            ?? throw new TongbanProblemException($"The hub answered {(int)response.StatusCode} with no {typeof(T).Name}.");
        return (value, response.StatusCode, response.Headers.Location);
    }

    protected async Task<T> GetAsync<T>(string path, CancellationToken ct) => (await SendAsync<T>(HttpMethod.Get, path, null, null, ct).ConfigureAwait(false)).Body;

    protected async Task<T> PostAsync<T>(string path, object body, CancellationToken ct) =>
        (await SendAsync<T>(HttpMethod.Post, path, body, null, ct).ConfigureAwait(false)).Body;

    /// <summary>A path with the query parameters that have a value, each escaped.</summary>
    protected static string WithQuery(string path, params (string Name, string? Value)[] parameters)
    {
        var query = new StringBuilder();
        foreach (var (name, value) in parameters)
        {
            if (string.IsNullOrEmpty(value)) continue;
            query.Append(query.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        return path + query;
    }

    /// <summary>An instant as a query parameter: UTC, ISO 8601 to the tick.</summary>
    protected static string? Instant(DateTimeOffset? at) =>
        at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    protected static string? Number(int? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture);

    protected static string Segment(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        return Uri.EscapeDataString(value);
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>
/// A member province's client of the partner API: every endpoint typed, every request signed, retried where the contract
/// allows, errors as <see cref="TongbanProblemException"/>s.
/// <code>
/// using var hub = TongbanClient.Create(new Uri("http://127.0.0.1:7071/"), TongbanCredentials.Partner("310000", secret));
/// var opened = await hub.OpenMarriageRegistrationAsync("SH-2026-000123", "310000", details);
/// </code>
/// </summary>
public sealed class TongbanClient : TongbanApiClient
{
    public const string CasesPath = "api/v1/cases";

    public TongbanClient(HttpClient http, TimeProvider? time = null) : this(http, time, ownsHttp: false)
    {
    }

    private TongbanClient(HttpClient http, TimeProvider? time, bool ownsHttp) : base(http, time, ownsHttp)
    {
    }

    /// <summary>A client with its own signed HttpClient (disposed with it).</summary>
    public static TongbanClient Create(Uri baseAddress, TongbanCredentials credentials, TongbanClientOptions? options = null, HttpMessageHandler? inner = null) =>
        new(CreateHttpClient(baseAddress, credentials, options, inner), (options ?? new TongbanClientOptions()).Time, ownsHttp: true);

    /// <summary>A new Idempotency-Key. Keep it with the request: sending the same request again with it never makes a second case.</summary>
    public static string NewIdempotencyKey() => Guid.NewGuid().ToString("N");

    public Task<OpenedCase> OpenMarriageRegistrationAsync(
        string reference, string handlingProvince, MarriageDetails details, Uri? callbackUrl = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        OpenCaseAsync(new OpenCaseRequest(CaseTypes.Marriage, reference, handlingProvince, details, callbackUrl), idempotencyKey, ct);

    public Task<OpenedCase> OpenNewbornRegistrationAsync(
        string reference, string handlingProvince, NewbornDetails details, Uri? callbackUrl = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        OpenCaseAsync(new OpenCaseRequest(CaseTypes.Newborn, reference, handlingProvince, details, callbackUrl), idempotencyKey, ct);

    public Task<OpenedCase> OpenSchoolTransferAsync(
        string reference, string handlingProvince, SchoolTransferDetails details, Uri? callbackUrl = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        OpenCaseAsync(new OpenCaseRequest(CaseTypes.SchoolTransfer, reference, handlingProvince, details, callbackUrl), idempotencyKey, ct);

    /// <summary><c>POST /api/v1/cases</c>. Without a key a new one is made; a retry inside the call reuses it.</summary>
    public Task<OpenedCase> OpenCaseAsync(OpenCaseRequest request, string? idempotencyKey = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return OpenCaseAsync(JsonSerializer.SerializeToUtf8Bytes(request, Json), idempotencyKey, ct);
    }

    /// <summary><c>POST /api/v1/cases</c> with a body already in JSON (a file, for the command line), sent byte for byte.</summary>
    public async Task<OpenedCase> OpenCaseAsync(byte[] jsonBody, string? idempotencyKey = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(jsonBody);
        var key = idempotencyKey ?? NewIdempotencyKey();
        var (view, status, location) = await SendAsync<CaseView>(HttpMethod.Post, CasesPath, jsonBody, key, ct).ConfigureAwait(false);
        return new OpenedCase(view, status == HttpStatusCode.Accepted, key, location);
    }

    /// <summary><c>GET /api/v1/cases/{caseId}</c>.</summary>
    public Task<CaseView> GetCaseAsync(string caseId, CancellationToken ct = default) =>
        GetAsync<CaseView>($"{CasesPath}/{Segment(caseId)}", ct);

    /// <summary><c>GET /api/v1/cases/{caseId}/audit</c>: the case's audit trail as partners see it (no actors, no details) and its signed head.</summary>
    public Task<CaseAuditTrail> GetCaseAuditAsync(string caseId, CancellationToken ct = default) =>
        GetAsync<CaseAuditTrail>($"{CasesPath}/{Segment(caseId)}/audit", ct);

    /// <summary><c>GET /api/v1/cases</c>: one page.</summary>
    public Task<CasePage> ListCasesAsync(CaseQuery? query = null, CancellationToken ct = default)
    {
        query ??= new CaseQuery();
        return GetAsync<CasePage>(WithQuery(CasesPath,
            ("status", query.Status), ("caseType", query.CaseType),
            ("updatedSince", Instant(query.UpdatedSince)),
            ("pageSize", Number(query.PageSize)), ("continuation", query.Continuation)), ct);
    }

    /// <summary>Every case matching the filters, page after page, following the continuation.</summary>
    public async IAsyncEnumerable<CaseView> ListAllCasesAsync(CaseQuery? query = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        query ??= new CaseQuery();
        do
        {
            var page = await ListCasesAsync(query, ct).ConfigureAwait(false);
            foreach (var item in page.Items) yield return item;
            query = query with { Continuation = page.Continuation };
        }
        while (query.Continuation is not null);
    }

    /// <summary><c>POST /api/v1/cases/{caseId}/decisions</c>.</summary>
    public Task<CaseView> DecideAsync(string caseId, Decision decision, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return PostAsync<CaseView>($"{CasesPath}/{Segment(caseId)}/decisions", decision, ct);
    }

    /// <summary><c>POST /api/v1/cases/{caseId}/withdrawal</c>.</summary>
    public Task<CaseView> WithdrawAsync(string caseId, string reason, CancellationToken ct = default) =>
        PostAsync<CaseView>($"{CasesPath}/{Segment(caseId)}/withdrawal", new { reason }, ct);

    /// <summary>
    /// The case each time it changes (status, a step, its update time), from now until it ends: polls every
    /// <paramref name="interval"/> (default 1 s). Status callbacks tell the same without polling.
    /// </summary>
    public async IAsyncEnumerable<CaseView> WatchAsync(string caseId, TimeSpan? interval = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        string? seen = null;
        while (true)
        {
            var view = await GetCaseAsync(caseId, ct).ConfigureAwait(false);
            var fingerprint = JsonSerializer.Serialize(view with { Deadlines = [] }, Json);
            if (fingerprint != seen) yield return view;
            seen = fingerprint;
            if (view.IsFinal) yield break;
            await Task.Delay(interval ?? TimeSpan.FromSeconds(1), Time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Polls the case until <paramref name="until"/> holds or it ends; <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<CaseView> WaitForAsync(string caseId, Func<CaseView, bool> until, TimeSpan timeout, TimeSpan? interval = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(until);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        CaseView? last = null;
        try
        {
            await foreach (var view in WatchAsync(caseId, interval ?? TimeSpan.FromMilliseconds(200), limit.Token).ConfigureAwait(false))
            {
                last = view;
                if (until(view) || view.IsFinal) return view;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The time limit, not the caller, ended the wait.
        }

        throw new TimeoutException($"Case {caseId} did not reach the awaited state within {timeout} (last status {last?.Status ?? "unknown"}).");
    }
}

/// <summary>
/// A hub operator's client of <c>/api/v1/operator/*</c>, signed with <c>X-Tongban-Operator</c>.
/// </summary>
public sealed class TongbanOperatorClient : TongbanApiClient
{
    public const string OperatorPath = "api/v1/operator";

    public TongbanOperatorClient(HttpClient http, TimeProvider? time = null) : this(http, time, ownsHttp: false)
    {
    }

    private TongbanOperatorClient(HttpClient http, TimeProvider? time, bool ownsHttp) : base(http, time, ownsHttp)
    {
    }

    public static TongbanOperatorClient Create(Uri baseAddress, TongbanCredentials credentials, TongbanClientOptions? options = null, HttpMessageHandler? inner = null) =>
        new(CreateHttpClient(baseAddress, credentials, options, inner), (options ?? new TongbanClientOptions()).Time, ownsHttp: true);

    /// <summary><c>GET /api/v1/operator/attention[?province=]</c>: oldest first.</summary>
    public async Task<IReadOnlyList<AttentionItem>> GetAttentionAsync(string? province = null, CancellationToken ct = default) =>
        (await GetAsync<ItemsEnvelope<AttentionItem>>(WithQuery($"{OperatorPath}/attention", ("province", province)), ct).ConfigureAwait(false)).Items;

    /// <summary><c>GET /api/v1/operator/provinces</c>.</summary>
    public async Task<IReadOnlyList<ProvinceStatus>> GetProvincesAsync(CancellationToken ct = default) =>
        (await GetAsync<ItemsEnvelope<ProvinceStatus>>($"{OperatorPath}/provinces", ct).ConfigureAwait(false)).Items;

    /// <summary><c>POST /api/v1/operator/cases/{caseId}/redrive</c>: the held steps (or only <paramref name="step"/>) again.</summary>
    public Task<CaseView> RedriveAsync(string caseId, string reason, string? step = null, CancellationToken ct = default) =>
        PostAsync<CaseView>($"{OperatorPath}/cases/{Segment(caseId)}/redrive", new { reason, step }, ct);

    /// <summary><c>POST /api/v1/operator/provinces/{code}/poison/requeue</c>, with the reason the operators' audit keeps.</summary>
    public Task<PoisonRequeue> RequeuePoisonAsync(string province, string reason, CancellationToken ct = default) =>
        PostAsync<PoisonRequeue>($"{OperatorPath}/provinces/{Segment(province)}/poison/requeue", new { reason }, ct);

    /// <summary><c>GET /api/v1/operator/sla</c>.</summary>
    public Task<SlaReport> GetSlaAsync(CancellationToken ct = default) => GetAsync<SlaReport>($"{OperatorPath}/sla", ct);

    /// <summary><c>GET /api/v1/operator/cases</c>: one page of every province's cases (or one's), newest first.</summary>
    public Task<OperatorCasePage> ListCasesAsync(OperatorCaseQuery? query = null, CancellationToken ct = default)
    {
        query ??= new OperatorCaseQuery();
        return GetAsync<OperatorCasePage>(WithQuery($"{OperatorPath}/cases",
            ("status", query.Status), ("type", query.CaseType), ("province", query.Province), ("from", Instant(query.From)), ("to", Instant(query.To)),
            ("pageSize", Number(query.PageSize)), ("continuation", query.Continuation)), ct);
    }

    /// <summary><c>GET /api/v1/operator/cases/{caseId}</c>: the whole case, masked: steps, what it waits for, callbacks, operators' actions.</summary>
    public Task<OperatorCaseView> GetCaseAsync(string caseId, CancellationToken ct = default) =>
        GetAsync<OperatorCaseView>($"{OperatorPath}/cases/{Segment(caseId)}", ct);

    /// <summary><c>GET /api/v1/operator/cases/{caseId}/audit</c>: the case's whole audit trail, actors and details included.</summary>
    public Task<CaseAuditTrail> GetCaseAuditAsync(string caseId, CancellationToken ct = default) =>
        GetAsync<CaseAuditTrail>($"{OperatorPath}/cases/{Segment(caseId)}/audit", ct);

    /// <summary>
    /// <c>GET /api/v1/operator/audit/verification[?caseId=]</c>: the hub checks one case's trail (an unknown case is a
    /// <see cref="TongbanNotFoundException"/>) or every case's, chain and signed head.
    /// </summary>
    public Task<AuditVerificationReport> VerifyAuditAsync(string? caseId = null, CancellationToken ct = default) =>
        GetAsync<AuditVerificationReport>(WithQuery($"{OperatorPath}/audit/verification", ("caseId", caseId)), ct);

    /// <summary><c>POST /api/v1/operator/case-search</c>: the cases naming a person; the search and its reason are recorded.</summary>
    public async Task<IReadOnlyList<CitizenCase>> SearchCasesAsync(string idNumber, string reason, CancellationToken ct = default) =>
        (await PostAsync<ItemsEnvelope<CitizenCase>>($"{OperatorPath}/case-search", new { idNumber, reason }, ct).ConfigureAwait(false)).Items;

    /// <summary><c>GET /api/v1/operator/metrics[?province=&amp;windowMinutes=]</c>: calls, errors and latency per province, and every instrument.</summary>
    public Task<MetricsReport> GetMetricsAsync(string? province = null, int? windowMinutes = null, CancellationToken ct = default) =>
        GetAsync<MetricsReport>(WithQuery($"{OperatorPath}/metrics", ("province", province), ("windowMinutes", Number(windowMinutes))), ct);
}
