using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Tongban.Cli.Profiles;

namespace Tongban.Cli.Commands;

/// <summary>
/// <c>tongban profile set|list</c>: keeps credentials in the profiles file (owner-only), so no secret goes on a command
/// line: <c>set</c> reads each secret from standard input (a hidden prompt at a terminal).
/// </summary>
public static class ProfileCommands
{
    public static Command Build(CliEnvironment environment)
    {
        var name = new Argument<string>("name") { Description = "The profile's name" };
        var url = new Option<string?>("--hub") { Description = "The hub's base URL for this profile" };
        var partner = new Option<string?>("--partner") { Description = "Partner member code; its secret is read from standard input" };
        var operatorId = new Option<string?>("--operator") { Description = "Operator ID; its secret is read from standard input (after the partner's)" };
        var makeDefault = new Option<bool>("--default") { Description = "Make it the default profile" };
        var set = new Command("set", "Add or change a profile; secrets are read from standard input, one a line (partner's first)")
        {
            name, url, partner, operatorId, makeDefault,
        };
        set.SetAction(TongbanCommandLine.Action(environment, (context, _) =>
        {
            var store = new ProfileStore(environment.ProfilesPath);
            var file = store.Load();
            var profileName = context.Parse.GetValue(name)!;
            var profile = file.Profiles.GetValueOrDefault(profileName) ?? new Profile();
            if (context.Parse.GetValue(url) is { } hub) profile = profile with { Url = hub };
            if (context.Parse.GetValue(partner) is { } code) profile = profile with { Partner = code, Secret = ReadSecret(environment, $"secret for partner {code}") };
            if (context.Parse.GetValue(operatorId) is { } id) profile = profile with { Operator = id, OperatorSecret = ReadSecret(environment, $"secret for operator {id}") };
            file.Profiles[profileName] = profile;
            var saved = file with { Default = context.Parse.GetValue(makeDefault) || file.Default is null ? profileName : file.Default };
            store.Save(saved);
            context.Write(Describe(saved, store.Path), output => output.WriteLine($"profile {profileName} saved in {store.Path}" + (saved.Default == profileName ? " (default)" : "")));
            return Task.FromResult(ExitCodes.Ok);
        }));

        var list = new Command("list", "The profiles (never their secrets)");
        list.SetAction(TongbanCommandLine.Action(environment, (context, _) =>
        {
            var store = new ProfileStore(environment.ProfilesPath);
            var file = store.Load();
            context.Write(Describe(file, store.Path), output =>
            {
                foreach (var (key, p) in file.Profiles)
                {
                    output.WriteLine($"{(key == file.Default ? "*" : " ")} {key,-16} {p.Url ?? HubSettings.DefaultUrl}  partner {p.Partner ?? "-"}  operator {p.Operator ?? "-"}");
                }

                output.WriteLine(file.Profiles.Count == 0 ? $"no profiles in {store.Path}" : store.Path);
            });
            return Task.FromResult(ExitCodes.Ok);
        }));
        return new Command("profile", "Credentials kept in the profiles file") { set, list };
    }

    private static JsonObject Describe(ProfilesFile file, string path) => new()
    {
        ["path"] = path,
        ["default"] = file.Default,
        ["profiles"] = new JsonObject(file.Profiles.Select(p => new KeyValuePair<string, JsonNode?>(p.Key, new JsonObject
        {
            ["url"] = p.Value.Url, ["partner"] = p.Value.Partner, ["hasSecret"] = !string.IsNullOrEmpty(p.Value.Secret),
            ["operator"] = p.Value.Operator, ["hasOperatorSecret"] = !string.IsNullOrEmpty(p.Value.OperatorSecret),
        }))),
    };

    /// <summary>One secret: a hidden prompt at a terminal, else a line of standard input; empty is a usage failure.</summary>
    private static string ReadSecret(CliEnvironment environment, string what)
    {
        string? secret;
        if (environment.InteractiveInput)
        {
            environment.Error.Write($"{what}: ");
            var typed = new StringBuilder();
            for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
            {
                if (key.Key == ConsoleKey.Backspace && typed.Length > 0) typed.Length--;
                else if (!char.IsControl(key.KeyChar)) typed.Append(key.KeyChar);
            }

            environment.Error.WriteLine();
            secret = typed.ToString();
        }
        else
        {
            secret = environment.In.ReadLine();
        }

        return string.IsNullOrEmpty(secret) ? throw new CliFailureException(ExitCodes.Usage, $"no {what} on standard input") : secret;
    }
}
