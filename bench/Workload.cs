using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Tongban.DevHost.Demo;

namespace Tongban.Bench;

/// <summary>What one case did, from the client's clock and from the case's own timeline.</summary>
public sealed record CaseResult(
    string? CaseId, string Status, double ClientEndToEndSeconds, double TimelineSeconds, double OfficerWaitSeconds, string? Error)
{
    /// <summary>Each step's start and end, seconds after the case was created (for the where-the-time-goes table).</summary>
    public IReadOnlyList<(string Step, double Start, double End)> Steps { get; init; } = [];

    /// <summary>Timeline time minus the officer's wait: what the hub (and the zero-latency provinces) took.</summary>
    public double HubSeconds => Math.Max(0, TimelineSeconds - OfficerWaitSeconds);
}

/// <summary>One partner list read: when it began (seconds after the first case was opened) and how long it took.</summary>
public readonly record struct PartnerRead(double At, double Seconds);

/// <summary>
/// Opens cases through signed partner calls (as Shanghai, the handling province), plays the officer as soon as a
/// case awaits review (or, with --hold, once every case does), and waits for each to end. Status reads carry
/// the observe header, so the probe counts their storage requests apart from the case's own.
/// </summary>
public sealed class Workload(Uri hub, string partnerSecret, BenchOptions options, TextWriter progress, Func<string>? status = null) : IDisposable
{
    private static readonly HashSet<string> Final = ["Completed", "Rejected", "Failed", "Expired", "Withdrawn"];

    private int inFlight;
    private int awaitingReview;
    private readonly TaskCompletionSource allAwaiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<PartnerRead> reads = [];
    private readonly Stopwatch clock = new();
    private int readFailures;
    private long lastDecisionTicks;
    private long lastEndTicks;

    public int PeakInFlight { get; private set; }

    /// <summary>The partner list reads (when each began and how long it took; one that failed or took over 60 s counts as 60) and how many failed.</summary>
    public (IReadOnlyList<PartnerRead> Reads, int Failed) PartnerReads
    {
        get
        {
            lock (reads) return ([.. reads], readFailures);
        }
    }

    /// <summary>Drain: from the last decision posted to the last case's end (client clock), or null if no decision was posted.</summary>
    public TimeSpan? Drain
    {
        get
        {
            var decided = Interlocked.Read(ref lastDecisionTicks);
            var ended = Interlocked.Read(ref lastEndTicks);
            return decided == 0 || ended < decided ? null : TimeSpan.FromTicks(ended - decided);
        }
    }

    public async Task<IReadOnlyList<CaseResult>> RunAsync(string run, CancellationToken ct)
    {
        // A few connections more than the cases' calls may use at once (Sending), so the partner list reads never wait for one.
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Sending + 8, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var http = new HttpClient(handler) { BaseAddress = hub, Timeout = TimeSpan.FromMinutes(5) };
        var partner = new PartnerClient(http, "310000", partnerSecret);
        var results = new CaseResult[options.Cases];
        var tasks = new List<Task>(options.Cases);
        clock.Restart();
        using var gate = new SemaphoreSlim(options.Concurrency > 0 ? options.Concurrency : int.MaxValue);
        using var reporter = new Timer(_ => progress.WriteLine(
            $"  {clock.Elapsed.TotalSeconds,6:F0}s  opened {tasks.Count}/{options.Cases}  in flight {Volatile.Read(ref inFlight)}  awaiting review {Volatile.Read(ref awaitingReview)}{LastRead()}  {status?.Invoke()}"),
            null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        using var stopReads = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = options.PartnerReads > TimeSpan.Zero ? ReadListAsync(partner, stopReads.Token) : Task.CompletedTask;

        for (var i = 0; i < options.Cases && !ct.IsCancellationRequested; i++)
        {
            try
            {
                if (options.Concurrency > 0)
                {
                    await gate.WaitAsync(ct);
                }
                else
                {
                    var due = TimeSpan.FromSeconds(i / options.Rate) - clock.Elapsed;
                    if (due > TimeSpan.Zero) await Task.Delay(due, ct);
                }
            }
            catch (OperationCanceledException)
            {
                break; // the time limit: what was opened is reported
            }

            var index = i;
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    results[index] = await OneCaseAsync(partner, run, index, ct);
                }
                finally
                {
                    if (options.Concurrency > 0) gate.Release();
                }
            }, CancellationToken.None));
        }

        await Task.WhenAll(tasks);
        await stopReads.CancelAsync();
        await reading;
        // Cases never opened before the time limit are reported as such, not left out.
        for (var i = 0; i < results.Length; i++) results[i] ??= new CaseResult(null, "NotOpened", 0, 0, 0, "not opened before the time limit");
        return results;
    }

    /// <summary>A partner reading its case list (200 a page) every <see cref="BenchOptions.PartnerReads"/>, as under overload a partner would.</summary>
    private async Task ReadListAsync(PartnerClient partner, CancellationToken ct)
    {
        var observe = new Dictionary<string, string> { [Tongban.DevHost.Hosting.BenchProbe.ObserveHeader] = "observe" };
        while (!ct.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            var at = clock.Elapsed.TotalSeconds;
            var ok = false;
            try
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
                limit.CancelAfter(TimeSpan.FromSeconds(60));
                ok = (await partner.SendAsync(HttpMethod.Get, "/api/v1/cases?pageSize=200", null, observe, ct: limit.Token)).Status == 200;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                // no answer within 60 s, or none at all: counted as a failed read
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lock (reads)
            {
                reads.Add(new PartnerRead(at, ok ? Stopwatch.GetElapsedTime(started).TotalSeconds : 60));
                if (!ok) readFailures++;
            }

            try
            {
                await Task.Delay(options.PartnerReads, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The last partner list read's latency, for the progress line; empty before the first or without reads.</summary>
    private string LastRead()
    {
        lock (reads) return reads.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"  last list read {reads[^1].Seconds:F1} s");
    }

    private async Task<CaseResult> OneCaseAsync(PartnerClient partner, string run, int index, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var now = Interlocked.Increment(ref inFlight);
        lock (this) PeakInFlight = Math.Max(PeakInFlight, now);
        string? caseId = null;
        var reviewCounted = false;
        var lastSeen = "NotOpened";
        try
        {
            var number = options.FirstCase + index;
            var reference = $"BENCH-{run}-{number}";
            var body = new { caseType = options.CaseTypeOf(number), reference, handlingProvince = "310000", details = Details(options.CaseTypeOf(number), number) };
            var opened = await RetryAsync(() => partner.PostAsync("/api/v1/cases", body, idempotencyKey: reference, ct: ct), ct);
            if (opened.Status is not (200 or 202)) return Failed(null, started, $"open: {opened.Status} {opened.Body}");
            caseId = opened["caseId"]!;
            lastSeen = "Opened";

            var json = await PollAsync(partner, caseId, s => s == "AwaitingReview" || Final.Contains(s), ct);
            lastSeen = json["status"]!.ToString();
            DateTimeOffset? decidedAt = null;
            DateTimeOffset? reviewVisible = null;
            if (json["status"]!.ToString() == "AwaitingReview")
            {
                // Nothing writes the row while it awaits the officer: its updatedAt is when the hub made the review visible.
                reviewVisible = json["updatedAt"]!.GetValue<DateTimeOffset>();
                reviewCounted = true;
                if (Interlocked.Increment(ref awaitingReview) >= options.Cases) allAwaiting.TrySetResult();
                if (options.Hold) await allAwaiting.Task.WaitAsync(ct);
                decidedAt = DateTimeOffset.UtcNow;
                var decided = await RetryAsync(() => partner.PostAsync($"/api/v1/cases/{caseId}/decisions",
                    new { step = "officer-review", decision = "approve", officer = "BENCH-OFFICER" }, ct: ct), ct);
                if (decided.Status != 202) return Failed(caseId, started, $"decide: {decided.Status} {decided.Body}");
                Later(ref lastDecisionTicks);
                lastSeen = "Decided";
                json = await PollAsync(partner, caseId, Final.Contains, ct);
            }

            Later(ref lastEndTicks);
            return Measure(caseId, json, started, reviewVisible, decidedAt);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            return Failed(caseId, started, e.Message);
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            // The run's time limit: reported with the last status seen, not thrown.
            return new CaseResult(caseId, "Unfinished", Stopwatch.GetElapsedTime(started).TotalSeconds, 0, 0, $"unfinished at the time limit (last seen: {lastSeen})");
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
            if (reviewCounted) Interlocked.Decrement(ref awaitingReview);
            else if (options.Hold && Interlocked.Increment(ref awaitingReview) >= options.Cases) allAwaiting.TrySetResult(); // never reached review: don't block the others
        }
    }

    /// <summary>
    /// Timeline = last step completion − createdAt (the hub's clock). The officer's wait runs from the moment the
    /// hub wrote AwaitingReview (the row's updatedAt then) to the moment the bench posted its decision (same
    /// machine, same clock); it includes how long the bench took to notice, which is the partner's time.
    /// </summary>
    private static CaseResult Measure(string caseId, JsonNode json, long started, DateTimeOffset? reviewVisible, DateTimeOffset? decidedAt)
    {
        var created = json["createdAt"]!.GetValue<DateTimeOffset>();
        var steps = json["steps"]!.AsArray();
        var end = steps.Select(s => s!["completedAt"]?.GetValue<DateTimeOffset?>()).Where(t => t is not null).Select(t => t!.Value)
            .Append(json["updatedAt"]!.GetValue<DateTimeOffset>()).Max();
        var officerWait = 0.0;
        if (decidedAt is not null && reviewVisible is not null)
        {
            officerWait = Math.Max(0, (decidedAt.Value - reviewVisible.Value).TotalSeconds);
        }

        return new CaseResult(caseId, json["status"]!.ToString(), Stopwatch.GetElapsedTime(started).TotalSeconds,
            (end - created).TotalSeconds, officerWait, null)
        {
            Steps = steps.Where(s => s!["startedAt"]?.GetValue<DateTimeOffset?>() is not null && s["completedAt"]?.GetValue<DateTimeOffset?>() is not null)
                .Select(s => ($"{s!["name"]}{(s["subject"] is { } subject ? "." + subject : "")}",
                    (s["startedAt"]!.GetValue<DateTimeOffset>() - created).TotalSeconds, (s["completedAt"]!.GetValue<DateTimeOffset>() - created).TotalSeconds))
                .ToList(),
        };
    }

    private static void Later(ref long ticks)
    {
        var now = DateTime.UtcNow.Ticks;
        long seen;
        while ((seen = Interlocked.Read(ref ticks)) < now && Interlocked.CompareExchange(ref ticks, now, seen) != seen)
        {
        }
    }

    /// <summary>The case's details: the fresh people of case number <paramref name="i"/> (<see cref="BenchPopulation"/>).</summary>
    private static object Details(string caseType, int i)
    {
        switch (caseType)
        {
            case BenchOptions.Newborn:
                var birth = BenchPopulation.Newborn(i);
                return new
                {
                    child = new { name = birth.ChildName, sex = birth.Sex, birthDate = birth.BirthDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) },
                    birthCertificateNo = birth.CertificateNo,
                    birthProvince = BenchPopulation.BirthProvince,
                    registerWith = "mother",
                    mother = new { idNumber = birth.Mother.IdNumber, name = birth.Mother.Name, hukouProvince = birth.Mother.Hukou },
                    householdDivision = "310115",
                };
            case BenchOptions.SchoolTransfer:
                var pupil = BenchPopulation.Student(i);
                return new
                {
                    student = new { studentNo = pupil.StudentNo, name = pupil.Name, idNumber = pupil.IdNumber },
                    sourceProvince = BenchPopulation.SourceProvince,
                    sourceSchoolCode = BenchPopulation.SourceSchool,
                    targetSchoolCode = BenchPopulation.TargetSchool,
                    targetGrade = BenchPopulation.Grade,
                    reason = "family-relocation",
                };
            default:
                var (a, b) = BenchPopulation.Couple(i);
                return new
                {
                    registryCode = "310115",
                    partyA = new { idNumber = a.IdNumber, name = a.Name, hukouProvince = a.Hukou },
                    partyB = new { idNumber = b.IdNumber, name = b.Name, hukouProvince = b.Hukou },
                };
        }
    }

    private static CaseResult Failed(string? caseId, long started, string error) =>
        new(caseId, "BenchError", Stopwatch.GetElapsedTime(started).TotalSeconds, 0, 0, error);

    /// <summary>
    /// Polls the case with the observe header; the interval grows with cases in flight so reads stay near
    /// <see cref="BenchOptions.StatusReadsPerSecond"/> a second (0.25–30 s apart).
    /// </summary>
    private async Task<JsonNode> PollAsync(PartnerClient partner, string caseId, Func<string, bool> until, CancellationToken ct)
    {
        var observe = new Dictionary<string, string> { [Tongban.DevHost.Hosting.BenchProbe.ObserveHeader] = "observe" };
        while (true)
        {
            var response = await RetryAsync(() => partner.SendAsync(HttpMethod.Get, $"/api/v1/cases/{caseId}", null, observe, ct: ct), ct);
            if (response.Status != 200) throw new InvalidOperationException($"GET {caseId}: {response.Status} {response.Body}");
            var json = response.Json!;
            if (until(json["status"]!.ToString())) return json;
            // Each read costs the hub storage requests (nonce, case row) too.
            var interval = Math.Clamp(Volatile.Read(ref inFlight) * 1000 / options.StatusReadsPerSecond, 250, 30_000);
            await Task.Delay(interval, ct);
        }
    }

    /// <summary>How many of the cases' calls are sent at once; the rest wait here, before they are signed.</summary>
    private const int Sending = 256;

    /// <summary>
    /// The cases' calls wait for one of <see cref="Sending"/> turns before they are signed. Signed first, a call waiting in the
    /// client's connection pool would carry its signature's time from before the wait, and with a thousand cases polling such
    /// a wait can pass the hub's five minutes (a 401 the bench would have caused).
    /// </summary>
    private readonly SemaphoreSlim sending = new(Sending);

    public void Dispose() => sending.Dispose();

    /// <summary>Retries transport failures and 429/503 a few times (the bench must not drop a case for a transient refusal).</summary>
    private async Task<PartnerResponse> RetryAsync(Func<Task<PartnerResponse>> call, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                PartnerResponse response;
                await sending.WaitAsync(ct);
                try
                {
                    response = await call();
                }
                finally
                {
                    sending.Release();
                }

                if (response.Status is not (429 or 503) || attempt >= 10) return response;
                await Task.Delay(response.RetryAfter ?? TimeSpan.FromMilliseconds(200 * attempt), ct);
            }
            catch (HttpRequestException) when (attempt < 10)
            {
                await Task.Delay(200 * attempt, ct);
            }
        }
    }
}
