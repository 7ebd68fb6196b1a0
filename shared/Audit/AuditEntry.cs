using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Tongban.Crypto;

namespace Tongban.Audit;

/// <summary>What an audit entry records: the action and its facts, before it takes its place (sequence, previous hash) in the chain.</summary>
/// <param name="Id">The entry's identity, derived from what caused it (say <c>call:{step}#{round}</c>): the same cause run twice appends once.</param>
/// <param name="Actor">Who acted (a partner code, an operator, the hub); operators only.</param>
/// <param name="Detail">Free text for operators only: never an ID number or a name.</param>
/// <param name="AnswerHash">SM3 (hex) of the canonical answer, for a province's answer.</param>
public sealed record AuditFact(
    string Id, string Action, string? Step = null, string? Province = null, string? Outcome = null,
    string? Actor = null, string? Detail = null, string? AnswerHash = null);

/// <summary>One link of a case's chain: its hash covers every field and the previous entry's hash.</summary>
public sealed record AuditEntry(
    long Seq, DateTimeOffset At, string Action, string? Step, string? Province, string? Outcome, string? Actor, string? Detail,
    string? AnswerHash, string PrevHash, string Hash)
{
    /// <summary>The hash this entry's fields give (equal to <see cref="Hash"/> unless the row was changed).</summary>
    public string ComputeHash() => AuditChain.HashOf(Seq, At, Action, Step, Province, Outcome, Actor, Detail, AnswerHash, PrevHash);
}

/// <summary>The chain's arithmetic: SM3 over a canonical form of each entry and the previous hash; the head's signed text.</summary>
public static class AuditChain
{
    /// <summary>The first entry's previous hash: bound to the case, so an entry moved from another case's chain does not fit.</summary>
    public static string Genesis(string caseId) => Sm3.HashHex("tongban-audit/v1/" + caseId).ToLowerInvariant();

    /// <summary>
    /// SM3 of the entry's canonical form: a JSON array of its fields in a fixed order (the time as UTC ticks), so equal entries
    /// hash equally on every host and no field can be moved into another.
    /// </summary>
    public static string HashOf(long seq, DateTimeOffset at, string action, string? step, string? province, string? outcome, string? actor,
        string? detail, string? answerHash, string prevHash)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            json.WriteStringValue("v1");
            json.WriteNumberValue(seq);
            json.WriteNumberValue(at.UtcTicks);
            json.WriteStringValue(action);
            foreach (var field in (ReadOnlySpan<string?>)[step, province, outcome, actor, detail, answerHash])
            {
                if (field is null) json.WriteNullValue();
                else json.WriteStringValue(field);
            }

            json.WriteStringValue(prevHash);
            json.WriteEndArray();
        }

        return Convert.ToHexStringLower(Sm3.Hash(buffer.WrittenSpan));
    }

    /// <summary>The text the hub signs for a case's head: the case, how far the chain ran, its hash there, when and under which key.</summary>
    public static string HeadText(string caseId, long seq, string hash, DateTimeOffset signedAt, string keyId) =>
        string.Join('\n', "tongban-audit-head/v1", caseId, seq.ToString(CultureInfo.InvariantCulture), hash,
            signedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), keyId);

    /// <summary>SM3 (hex) of a canonical answer: what the province said, without keeping it.</summary>
    public static string AnswerHash<T>(T answer) => Convert.ToHexStringLower(Sm3.Hash(JsonSerializer.SerializeToUtf8Bytes(answer, TongbanJson.Options)));

    public static string BodyHash(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(Sm3.Hash(body));
}
