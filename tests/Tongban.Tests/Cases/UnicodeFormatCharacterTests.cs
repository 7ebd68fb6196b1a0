using System.Text.Json;
using System.Text.Json.Nodes;
using Tongban.Cases.Validation;
using static Tongban.Tests.Cases.CaseBodies;

namespace Tongban.Tests.Cases;

/// <summary>
/// Issue 11: bidi overrides, zero-width characters and other Unicode format (Cf) or control characters are refused in
/// every string field of every request body, each at its own path, 400 validation.
/// </summary>
public class UnicodeFormatCharacterTests
{
    /// <summary>Right-to-left override, zero-width space and joiner, BOM, left-to-right isolate, NUL, ESC, NEL (C1 control).</summary>
    public static readonly TheoryData<string> Unwanted = ["\u202E", "\u200B", "\u200D", "\uFEFF", "\u2066", "\0", "\u001B", "\u0085"];

    public static IEnumerable<object[]> OpenCaseFields() =>
        new[] { ("marriage", Marriage()), ("newborn", Newborn()), ("transfer", SchoolTransfer()) }
            .SelectMany(b => StringPaths(b.Item2, "").Select(path => new object[] { b.Item1, path }));

    [Theory]
    [MemberData(nameof(OpenCaseFields))]
    public void Every_string_field_of_an_open_case_refuses_a_bidi_override(string bodyName, string path) =>
        AssertRefusedAt(Validate(With(Body(bodyName), path, "\u202E")), path);

    [Theory]
    [MemberData(nameof(Unwanted))]
    public void A_name_refuses_each_unwanted_character(string character)
    {
        AssertRefusedAt(Validate(With(Marriage(), "details.partyA.name", character)), "details.partyA.name");
        AssertRefusedAt(Validate(With(Marriage(), "reference", character)), "reference");
    }

    [Theory]
    [MemberData(nameof(Unwanted))]
    public void Decisions_withdrawals_and_redrives_refuse_each_unwanted_character_field_by_field(string character)
    {
        var decision = Parse("""{"step":"officer-review","decision":"reject","officer":"sh-0042","reason":"Documents differ."}""");
        foreach (var path in new[] { "step", "decision", "officer", "reason" })
        {
            AssertRefusedAt(DecisionValidator.Validate(With(decision, path, character).ToElement()), path);
        }

        AssertRefusedAt(WithdrawalValidator.Validate(With(Parse("""{"reason":"moved away"}"""), "reason", character).ToElement()), "reason");
        var redrive = Parse("""{"reason":"province is back","step":"verify-resident.partyA"}""");
        foreach (var path in new[] { "reason", "step" }) AssertRefusedAt(RedriveValidator.Validate(With(redrive, path, character).ToElement()), path);
    }

    [Fact]
    public void A_lone_surrogate_is_refused_not_thrown()
    {
        var json = Marriage().ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
            .Replace("张三", "张\\ud800三", StringComparison.Ordinal);
        AssertRefusedAt(ValidateRaw(json), "details.partyA.name");
    }

    [Fact]
    public void Line_breaks_are_free_text_only()
    {
        var withdrawal = WithdrawalValidator.Validate(Parse("""{"reason":"moved away\nto Hefei"}""").ToElement());
        Assert.True(withdrawal.IsValid);
        AssertRefusedAt(Validate(With(Marriage(), "details.partyA.name", "\n")), "details.partyA.name");
    }

    [Fact]
    public void Ordinary_Chinese_names_with_a_middle_dot_pass()
    {
        // U+00B7 (Po) is how minority and foreign names are written: punctuation, not a format character.
        AssertValid(Validate(With(Marriage(), "details.partyA.name", "·买买提")));
    }

    private static JsonObject Body(string name) => name switch
    {
        "marriage" => Marriage(),
        "newborn" => Newborn(),
        _ => SchoolTransfer(),
    };

    /// <summary>Every string leaf's dotted path.</summary>
    private static IEnumerable<string> StringPaths(JsonObject node, string prefix)
    {
        foreach (var (name, value) in node)
        {
            var path = prefix.Length == 0 ? name : prefix + "." + name;
            if (value is JsonObject child) foreach (var inner in StringPaths(child, path)) yield return inner;
            else if (value is JsonValue leaf && leaf.GetValueKind() == JsonValueKind.String) yield return path;
        }
    }

    /// <summary>The body with <paramref name="character"/> put in the middle of the string at <paramref name="path"/>.</summary>
    private static JsonObject With(JsonObject body, string path, string character)
    {
        var parts = path.Split('.');
        var parent = body;
        foreach (var part in parts[..^1]) parent = parent[part]!.AsObject();
        var text = parent[parts[^1]]!.GetValue<string>();
        parent[parts[^1]] = text[..(text.Length / 2)] + character + text[(text.Length / 2)..];
        return body;
    }

    private static void AssertRefusedAt<T>(Validated<T> result, string path) where T : class
    {
        Assert.False(result.IsValid);
        var errors = result.Errors.ToDictionary();
        Assert.True(errors.ContainsKey(path), $"no error at {path}: {Describe(result.Errors)}");
        Assert.Contains(errors[path], m => m.Contains("must not contain", StringComparison.Ordinal) || m.Contains("valid Unicode", StringComparison.Ordinal));
        AssertNoIdNumberIn(result.Errors);
    }
}

/// <summary>Issue 11: free text is stored and shown in clear, so a resident ID number in it is refused at its field.</summary>
public class FreeTextIdNumberTests
{
    [Theory]
    [InlineData("reference")]
    [InlineData("details.partyA.name")]
    public void An_ID_number_in_free_text_is_refused_at_its_field(string path)
    {
        var body = Marriage();
        var parts = path.Split('.');
        var parent = body;
        foreach (var part in parts[..^1]) parent = parent[part]!.AsObject();
        parent[parts[^1]] = "ref " + ZhejiangMan1991;

        var result = Validate(body);

        Assert.Contains(result.Errors.ToDictionary()[path], m => m.Contains("resident ID number", StringComparison.Ordinal));
        AssertNoIdNumberIn(result.Errors);
    }

    [Fact]
    public void Decisions_and_withdrawals_refuse_an_ID_number_in_the_reason_or_officer()
    {
        AssertErrorsAt(DecisionValidator.Validate(Parse($$"""{"step":"officer-review","decision":"reject","officer":"o-1","reason":"see {{ShanghaiWomanX1999}}"}""").ToElement()), "reason");
        AssertErrorsAt(DecisionValidator.Validate(Parse($$"""{"step":"officer-review","decision":"approve","officer":"{{ShanghaiWomanX1999}}"}""").ToElement()), "officer");
        AssertErrorsAt(WithdrawalValidator.Validate(Parse($$"""{"reason":"{{ZhejiangMan2000}} moved"}""").ToElement()), "reason");
    }

    [Fact]
    public void Eighteen_digits_that_are_no_ID_number_pass()
    {
        // Wrong check character: an order number, not a person.
        Assert.True(WithdrawalValidator.Validate(Parse("""{"reason":"order 330106200006179054 cancelled"}""").ToElement()).IsValid);
    }
}
